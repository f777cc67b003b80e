import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { multiplierReport, scalingReport } from './reports.ts';
import type { AnalysisRun } from './runs.ts';

const TOP_EVAL = 16384;
const base = resolveConfig({ preset: 'tiny', sets: [`train.finalEvalTokensPerDomain=${TOP_EVAL}`] });

/** L(N, D) = E + A / N^0.34 + B / D^0.28, the loss every run below reports on the top rung's slice. */
const law = (n: number, d: number) => 1.7 + 400 / n ** 0.34 + 300 / d ** 0.28;

/**
 * One run of a session at model depth `depth` and `tokens`: the top rung completes; a lower rung is
 * marked `stopped` by the session once its trainer completed, its final eval capped (reading 0.03 lower)
 * and, for a base's seed, also scored on the top's slice.
 */
function sessionRun(
  depth: number,
  tokens: number,
  top: boolean,
  also: boolean,
  tags: Record<string, string> = {},
): AnalysisRun {
  const params = 1e5 * depth;
  const v = law(params, tokens);
  const config: TrainConfig = {
    ...base,
    model: { ...base.model, depth },
    train: { ...base.train, finalEvalTokensPerDomain: top ? TOP_EVAL : 4096 },
    budget: { tokens },
  };
  return {
    id: `d${depth}-${tokens}-${also ? 'base' : 'cand'}`,
    sessionId: 's1',
    status: top ? 'completed' : 'stopped',
    trainerStatus: 'completed',
    config,
    configHash: `d${depth}-${top ? 'top' : 'lower'}`,
    seed: 0,
    params,
    tokens,
    flops: 6 * params * tokens,
    valBpb: top ? v : v - 0.03,
    ...(!top && also ? { alsoEval: { evalTokensPerDomain: TOP_EVAL, valBpb: v } } : {}),
    tags,
  };
}

describe('analysis reports', () => {
  it("fits a session's lower-rung base runs on the top rung's slice, and leaves out lower-rung runs scored only on theirs", () => {
    const runs: AnalysisRun[] = [];
    for (const depth of [1, 2, 3]) {
      runs.push(sessionRun(depth, 90_000, true, false));
      for (const tokens of [10_000, 30_000]) runs.push(sessionRun(depth, tokens, false, true));
    }
    const capped = sessionRun(2, 10_000, false, false); // a candidate's rung: no second score
    runs.push(capped);
    const rep = scalingReport(runs, { sessionId: 's1', resamples: 20 });
    assert.ok(rep.ok, rep.ok ? '' : rep.missing);
    assert.equal(rep.runs.length, 9, 'three sizes at three budgets, in one family');
    for (const r of rep.runs)
      assert.ok(Math.abs(r.valBpb - law(r.params, r.tokens)) < 1e-12, `${r.runId} is on the top's slice`);
    assert.ok(!rep.runs.some((r) => r.runId === capped.id));
    assert.equal(rep.notFullyDecayed, 1);
    assert.deepEqual(rep.otherFamilies, []);
  });

  it("reads a session's baseline at its rungs, never its 5-second calibration runs", () => {
    const base = { proposal: 'baseline' };
    const runs: AnalysisRun[] = [];
    for (const seed of [0, 1]) {
      for (const tokens of [10_000, 30_000]) runs.push({ ...sessionRun(1, tokens, false, true, base), seed });
      runs.push({ ...sessionRun(1, 90_000, true, false, base), seed });
      // the candidate: as good as the baseline at twice its compute
      const twice = law(1e5, 180_000);
      runs.push({
        ...sessionRun(1, 90_000, true, false, { proposal: 'p1' }),
        seed,
        valBpb: twice,
        configHash: 'p1',
      });
    }
    for (const r of runs) r.id = `${r.id}-${r.seed}-${r.tags.proposal}`;
    // same config and slice as the lower rungs, tokens whatever 5 s allowed, no second slice
    const calibration = {
      ...sessionRun(1, 20_000, false, false, { purpose: 'calibration' }),
      id: 'calibration',
      status: 'completed' as const,
      config: { ...sessionRun(1, 20_000, false, false).config, budget: { seconds: 5 } },
    };
    const rep = multiplierReport([...runs, calibration], { candidate: 'p1', sessionId: 's1', resamples: 50 });
    assert.ok(rep.ok, rep.ok ? '' : rep.missing);
    assert.ok(!rep.baseline.runIds.includes('calibration'));
    assert.equal(rep.baseline.n, 6);
    assert.deepEqual(
      rep.warnings.filter((w) => /eval slices/.test(w)),
      [],
    );
  });
});
