import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig } from '../config/resolve.ts';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { knobImportance } from './importance.ts';
import type { AnalysisRun } from './runs.ts';

/** Runs where lr matters a lot, rope a little, rope x qkNorm interact, weight decay is pure noise. */
function runs(count: number, seed = 1): AnalysisRun[] {
  const rng = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
  return Array.from({ length: count }, (_, i) => {
    const lr = pick([0.005, 0.01, 0.02, 0.04]);
    const rope = rng() < 0.5;
    const qk = rng() < 0.5;
    const wd = pick([0, 0.05, 0.1, 0.2]);
    const config = resolveConfig({
      preset: 'tiny',
      sets: [
        `optim.lr=${lr}`,
        `model.position=${rope ? 'rope' : 'learned'}`,
        `model.qkNorm=${qk}`,
        `optim.weightDecay=${wd}`,
      ],
      budget: i % 2 ? '1e5tok' : '2e5tok', // two budgets: two comparable groups
    });
    const valBpb =
      2.5 +
      (i % 2 ? 0.3 : 0) +
      0.2 * Math.abs(Math.log2(lr / 0.02)) -
      (rope ? 0.05 : 0) -
      (rope && qk ? 0.08 : 0) +
      0.01 * randNormal(rng);
    return {
      id: `r${i}`,
      status: i % 5 ? 'completed' : 'stopped',
      statusReason: 'reached the rung 1 budget',
      config,
      configHash: configHash(config),
      seed: 0,
      valBpb,
      tags: {},
    };
  });
}

describe('knob importance', () => {
  it('ranks the knob that matters first, leaves a noise knob near zero, and finds the planted interaction', () => {
    const r = knobImportance(runs(400), { resamples: 100 });
    assert.ok(r.ok);
    assert.equal(r.knobs[0].key, 'optim.lr');
    assert.ok(r.knobs[0].importance > 0.5, `${r.knobs[0].importance}`);
    const wd = r.knobs.find((k) => k.key === 'optim.weightDecay');
    assert.ok(wd && wd.importance < 0.02 && wd.ci95[0] < 0.01, JSON.stringify(wd));
    assert.equal(r.n, 400);
    assert.equal(r.groups, 2);
    assert.ok(r.knobs.every((k) => k.n === 400 && k.ci95[0] <= k.ci95[1]));
    const top = r.interactions[0];
    assert.deepEqual([...top.keys].sort(), ['model.position', 'model.qkNorm']);
    assert.ok(top.ci95[0] > 0, `interaction CI ${top.ci95}`);
  });

  it('leaves out runs stopped early by the monitor and refuses with too few runs', () => {
    const rs = runs(40).map((r, i) =>
      i % 2 ? { ...r, status: 'stopped' as const, statusReason: 'monitor: spike' } : r,
    );
    const r = knobImportance(rs.slice(0, 15));
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.missing : '', /≥10 comparable runs.*have \d/);
  });
});
