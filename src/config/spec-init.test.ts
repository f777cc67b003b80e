import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knobsFromHelp, knobsFromSource, metricsFromOutput, starterSpec } from './spec-init.ts';
import { parseTrainerSpec } from './trainer-spec.ts';

const HELP = `usage: train.py [-h] [--learning_rate LEARNING_RATE] [--n_layer N_LAYER] [--act {gelu,relu}]

options:
  -h, --help            show this help message and exit
  --learning_rate LEARNING_RATE
                        peak LR (default: 0.0003)
  --n_layer N_LAYER     layers (default: 6)
  --act {gelu,relu}
  --compile             torch.compile the model
`;

describe('init-trainer guesses', () => {
  it('reads knobs, defaults and choices from argparse --help', () => {
    const k = knobsFromHelp(HELP);
    assert.deepEqual(Object.keys(k), ['learning_rate', 'n_layer', 'act']);
    assert.equal(k.learning_rate.type, 'float');
    assert.equal(k.learning_rate.default, 0.0003);
    assert.equal(k.n_layer.type, 'int');
    assert.deepEqual(k.act.choices, ['gelu', 'relu']);
  });

  it("reads a nanoGPT-style script's top-level settings, leaving out loop lengths", () => {
    const k = knobsFromSource(
      'learning_rate = 6e-4 # max learning rate\nmax_iters = 600000\nn_layer = 12\nx.y = 3\n',
    );
    assert.deepEqual(Object.keys(k), ['learning_rate', 'n_layer']);
    assert.equal(k.learning_rate.flag, '--learning_rate={value}');
  });

  it('recognises nanoGPT and autoresearch output and writes a spec that loads as it is', () => {
    const nano = metricsFromOutput(
      'number of parameters: 0.80M\niter 0: loss 4.2, time 10ms, mfu -100.00%\nstep 0: train loss 4.2, val loss 4.2\n',
    );
    assert.ok(nano.metrics.train && nano.metrics.eval && nano.metrics.params);
    const auto = metricsFromOutput(
      'step 00001 (0.1%) | loss: 9.0 | lrm: 1.00\n---\nval_bpb:          0.997900\n',
    );
    assert.equal(auto.valMetric.kind, 'bpb');
    assert.ok(new RegExp(auto.metrics.final as string).test('val_bpb:          0.997900'));
    for (const metrics of [nano, auto, metricsFromOutput('')]) {
      const s = starterSpec({
        name: 'x',
        script: 'train.py',
        knobs: knobsFromHelp(HELP),
        from: 'test',
        metrics,
      });
      assert.equal(parseTrainerSpec(s).name, 'x');
    }
  });
});
