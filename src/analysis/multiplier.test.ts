import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { computeFor, fitComputeLaw, lossAt } from './compute-law.ts';
import { computeMultiplier, type CostedRun } from './multiplier.ts';

const LAW = { E: 1.9, A: 3.2e3, alpha: 0.3 }; // L(C) = E + A·C^-α
const L = (C: number) => LAW.E + LAW.A * C ** -LAW.alpha;

function runs(
  prefix: string,
  flops: number[],
  seeds: number,
  noise: number,
  loss: (C: number) => number,
  seed = 1,
) {
  const rng = mulberry32(seed);
  const out: CostedRun[] = [];
  for (const C of flops)
    for (let s = 0; s < seeds; s++)
      out.push({ id: `${prefix}${out.length}`, flops: C, valBpb: loss(C) + noise * randNormal(rng) });
  return out;
}
const budgets = [1e12, 3e12, 1e13, 3e13];

describe('compute multiplier', () => {
  it('fits L(C) = E + A·C^-α and inverts it', () => {
    const law = fitComputeLaw(budgets.map((C) => ({ flops: C, valBpb: L(C) })));
    assert.ok(law);
    assert.ok(Math.abs(law.alpha - LAW.alpha) < 1e-3 && Math.abs(law.E - LAW.E) < 1e-3, JSON.stringify(law));
    assert.ok(Math.abs(computeFor(law, lossAt(law, 5e12)) / 5e12 - 1) < 1e-6);
    assert.equal(computeFor(law, LAW.E - 0.01), Infinity);
  });

  it('says a change that reaches the baseline loss of 1.5x its compute is worth 1.5x, with a CI around it', () => {
    const base = runs('b', budgets, 3, 0.003, L);
    const cand = runs('c', [1e13], 3, 0.003, (C) => L(1.5 * C), 2);
    const m = computeMultiplier(base, cand);
    assert.ok(m.ok);
    assert.ok(Math.abs(m.value - 1.5) < 0.15, `value ${m.value}`);
    assert.ok(m.ci95[0] < 1.5 && 1.5 < m.ci95[1], `ci ${m.ci95}`);
    assert.match(m.text, /^worth 1\.\d\d× compute \[\d\.\d\d, \d\.\d\d\]$/);
    assert.deepEqual(m.warnings, []);
  });

  it('charges a change that costs more FLOPs per token: same loss at 2x the FLOPs is worth 0.5x', () => {
    const base = runs('b', budgets, 2, 0, L);
    const cand = [1, 2].map((i) => ({ id: `c${i}`, flops: 2e13, valBpb: L(1e13) }));
    const m = computeMultiplier(base, cand);
    assert.ok(m.ok);
    assert.ok(Math.abs(m.value - 0.5) < 0.01, `value ${m.value}`);
  });

  it('refuses with fewer than 3 baseline budgets, naming what is missing', () => {
    const m = computeMultiplier(runs('b', [1e12, 1e13], 3, 0.003, L), runs('c', [1e13], 3, 0.003, L));
    assert.equal(m.ok, false);
    assert.match(!m.ok ? m.missing : '', /≥3 compute budgets.*\(have 2\)/);
  });

  it('warns when the candidate beats the baseline asymptote or needs extrapolation', () => {
    const base = runs('b', budgets, 2, 0, L);
    const beyond = computeMultiplier(base, [{ id: 'c', flops: 1e13, valBpb: LAW.E - 0.05 }]);
    assert.ok(beyond.ok && beyond.value === Infinity);
    assert.ok(beyond.ok && beyond.warnings.some((w) => /asymptote/.test(w)));
    const far = computeMultiplier(base, [{ id: 'c', flops: 3e13, valBpb: L(1e15) }]);
    assert.ok(far.ok && far.warnings.some((w) => /extrapolated/.test(w)), JSON.stringify(far));
  });

  it('says so when its runs were scored on different eval slices, and not when they were on one', () => {
    const sized = (rs: CostedRun[], at: (r: CostedRun) => number) =>
      rs.map((r) => ({ ...r, evalTokensPerDomain: at(r) }));
    const cand = sized(runs('c', [1e13], 2, 0.003, L), () => 16384);
    const mixed = sized(runs('b', budgets, 2, 0.003, L), (r) => (r.flops < 1e13 ? 4096 : 16384));
    const m = computeMultiplier(mixed, cand);
    assert.ok(m.ok && m.warnings.some((w) => /different eval slices \(4096, 16384 val tokens/.test(w)));
    const one = computeMultiplier(
      sized(runs('b', budgets, 2, 0.003, L), () => 16384),
      cand,
    );
    assert.ok(one.ok && !one.warnings.some((w) => /eval slices/.test(w)));
  });
});
