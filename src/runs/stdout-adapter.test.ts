import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { openStore } from '../store/open.ts';
import { runToCompletion } from './launch.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

describe('a trainer that only prints', () => {
  it('joins through the stdout regex adapter: its prints become metrics and a clean exit completes the run', async () => {
    const home = tempDir('fw-adapter-');
    process.env.FLYWHEEL_HOME = home;
    const script = join(home, 'foreign_train.py');
    writeFileSync(
      script,
      [
        'import math',
        'for it in range(1, 21):',
        '    print(f"iter {it}: loss {4.0 * math.exp(-it / 10):.4f}, time 12.3ms", flush=True)',
        '    if it % 10 == 0:',
        '        print(f"step {it}: val loss {3.0 - it / 100:.4f}", flush=True)',
      ].join('\n'),
    );
    const config = resolveConfig({
      preset: 'tiny',
      sets: [
        `trainer.command=${JSON.stringify(['python3', script])}`,
        `trainer.stdoutAdapter.train=${JSON.stringify('iter (?<step>\\d+): loss (?<loss>[\\d.]+)')}`,
        `trainer.stdoutAdapter.eval=${JSON.stringify('step (?<step>\\d+): val loss (?<valLoss>[\\d.]+)')}`,
      ],
    });
    const store = await openStore({ home });
    const run = await runToCompletion({ store, config });
    assert.equal(run.status, 'completed', run.statusReason ?? '');
    const m = await store.getMetrics(run.id);
    assert.equal(m.train.length, 20);
    assert.equal(m.train[19].step, 20);
    assert.ok(Math.abs(m.train[0].loss - 4.0 * Math.exp(-0.1)) < 1e-3);
    assert.deepEqual(
      m.eval.map((p) => [p.step, p.valLoss]),
      [
        [10, 2.9],
        [20, 2.8],
      ],
    );
    await store.close();
  });
});
