/**
 * The trusted judge on real runs: the reference trainer patched like a code experiment, run in the
 * sandbox on the tiny dataset, then judged (python/judge/judge.py driving a sandboxed model worker).
 * Its attacks live in test/security/attacks/judge-*.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../home.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { findPython } from '../runs/python.ts';
import { DEFAULT_TRAINER_DIR } from '../runs/run-dir.ts';
import { SWIGLU } from '../../test/helpers/judge-edits.ts';
import { judgeSkip, openLab, patchTrainer, runJudged, type Lab } from '../../test/helpers/judged-run.ts';
import { measureCodeFlops } from './judge.ts';

/** harness.evaluate of the run's final weights on the val shards, in a plain (trusted-harness) process. */
function inProcessEval(codeDir: string, weights: string, lab: Lab, tokens: number) {
  const py = `
import contextlib, json, sys, torch
sys.path.insert(0, sys.argv[1])
import harness, train
cfg = json.loads(sys.argv[3])
data = harness.Dataset(sys.argv[4])
model = train.build_model(cfg["model"], data.vocab_size)
model.load_state_dict(torch.load(sys.argv[2], weights_only=True))
vs = harness.ValSet(data, int(sys.argv[5]), cfg["model"]["seqLen"], torch.device("cpu"), "val")
print(json.dumps(harness.evaluate(model, vs, 8, contextlib.nullcontext)))`;
  const r = spawnSync(
    findPython(),
    ['-c', py, codeDir, weights, JSON.stringify(lab.config), lab.dataDir, String(tokens)],
    {
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1', FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python') },
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    valBpb: number;
    byDomain: Record<string, number>;
    byDomainSe: Record<string, number>;
  };
}

describe('trusted judge', { skip: judgeSkip() }, () => {
  let lab: Lab;
  before(async () => {
    lab = await openLab();
  });
  after(() => lab.close());

  it('judges a legitimate SwiGLU experiment FLOP-matched, with the val bpb the harness computes in-process to 1e-4', async () => {
    const code = patchTrainer(lab, 'swiglu', SWIGLU);
    const cost = await measureCodeFlops(code.codeDir, lab.config);
    assert.ok(cost.ok, cost.ok ? '' : cost.reason);
    const ref = flopsPerToken(lab.config.model, 64);
    const swiglu = cost.flopsPerToken;
    assert.ok(Math.abs(swiglu / ref - 1) < 0.02, `SwiGLU at 2/3 width costs ${swiglu} vs ${ref}`);
    assert.notEqual(swiglu, ref, 'the cost is measured from the model, not the config');

    const run = await runJudged(lab, code, { admittedFlopsPerToken: swiglu });
    assert.equal(run.status, 'completed', run.statusReason ?? '');
    const j = run.summary.judge as {
      ok: boolean;
      flopsPerToken: number;
      probes: { n: number; maxDiff: number };
    };
    assert.equal(j.ok, true);
    assert.equal(j.flopsPerToken, swiglu, 'the trained weights cost what was admitted');
    assert.ok(j.probes.n > 0 && j.probes.maxDiff < 1e-4);
    assert.ok(run.summary.inProcess, 'the trainer’s own numbers are kept, labelled');

    const mine = inProcessEval(
      code.codeDir,
      join(run.runDir, 'final-weights.pt'),
      lab,
      lab.config.train.finalEvalTokensPerDomain,
    );
    assert.ok(
      Math.abs(run.summary.valBpb! - mine.valBpb) < 1e-4,
      `judge ${run.summary.valBpb} vs in-process ${mine.valBpb}`,
    );
    for (const [d, v] of Object.entries(mine.byDomain))
      assert.ok(
        Math.abs(run.summary.valBpbByDomain![d] - v) < 1e-4,
        `${d}: ${run.summary.valBpbByDomain![d]} vs ${v}`,
      );
    // the standard errors are the judge's too, the same formula over the same windows
    for (const [d, v] of Object.entries(mine.byDomainSe))
      assert.ok(
        v > 0 && Math.abs(run.summary.valBpbByDomainSe![d] - v) < 1e-4,
        `${d} se: ${run.summary.valBpbByDomainSe![d]} vs ${v}`,
      );
  });

  it('scores a lower rung’s run on the top rung’s slice too, as the harness does for train.alsoEvalTokensPerDomain', async () => {
    const code = patchTrainer(lab, 'swiglu-also', SWIGLU);
    const also = 2048; // the final eval is 1024 tokens per domain: the second slice is another sample
    const config = { ...lab.config, train: { ...lab.config.train, alsoEvalTokensPerDomain: also } };
    const run = await runJudged(lab, code, { config });
    assert.equal(run.status, 'completed', run.statusReason ?? '');
    const got = run.summary.alsoEval;
    assert.equal(got?.evalTokensPerDomain, also);
    const mine = inProcessEval(code.codeDir, join(run.runDir, 'final-weights.pt'), lab, also);
    assert.ok(Math.abs(got.valBpb - mine.valBpb) < 1e-4, `judge ${got.valBpb} vs in-process ${mine.valBpb}`);
    assert.notEqual(got.valBpb, run.summary.valBpb, 'two slices, two numbers');
    // what the trainer claimed for it (in the sandbox, on the live slice) is kept apart, as its other numbers are
    const claimed = (run.summary.inProcess as { alsoEval?: { valBpb: number } } | undefined)?.alsoEval;
    assert.ok(claimed && claimed.valBpb !== got.valBpb, JSON.stringify(claimed));
  });

  it('measures the reference trainer at the config formula’s FLOPs per token', async () => {
    const m = await measureCodeFlops(DEFAULT_TRAINER_DIR, lab.config);
    assert.ok(m.ok, m.ok ? '' : m.reason);
    assert.equal(m.flopsPerToken, flopsPerToken(lab.config.model, 64));
  });

  it('fails a run whose trained model costs more than it was admitted at', async () => {
    const code = patchTrainer(lab, 'swiglu-wide', SWIGLU);
    const run = await runJudged(lab, code, {
      admittedFlopsPerToken: flopsPerToken(lab.config.model, 64) / 2,
    });
    assert.equal(run.status, 'failed');
    assert.match(run.statusReason ?? '', /^tampered: cost: /);
    assert.equal(run.summary.valBpb, undefined);
  });
});
