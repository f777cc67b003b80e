import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { computeOptimal } from './compute-optimal.ts';
import { fitScalingLaw, type ScalingPoint } from './scaling-law.ts';

const TRUE = { E: 1.69, A: 406.4, alpha: 0.34, B: 410.7, beta: 0.28 };

/** A grid of sizes x token budgets with multiplicative noise of `noise` (log-space std). */
function synthetic(sizes: number[], amounts: number[], noise: number, seeds = 1, seed = 1): ScalingPoint[] {
  const rng = mulberry32(seed);
  const out: ScalingPoint[] = [];
  for (const N of sizes)
    for (const D of amounts)
      for (let s = 0; s < seeds; s++) {
        const L = TRUE.E + TRUE.A / N ** TRUE.alpha + TRUE.B / D ** TRUE.beta;
        out.push({
          id: `r${out.length}`,
          params: N,
          tokens: D,
          valBpb: L * Math.exp(noise * randNormal(rng)),
        });
      }
  return out;
}
const logspace = (a: number, b: number, k: number) =>
  Array.from({ length: k }, (_, i) => 10 ** (a + ((b - a) * i) / (k - 1)));

describe('scaling-law fit (Chinchilla approach 3)', () => {
  it('recovers alpha and beta within 5 % from noisy synthetic runs with known parameters', () => {
    const pts = synthetic(logspace(6, 9, 7), logspace(8, 11, 6), 0.003, 2);
    const fit = fitScalingLaw(pts, { resamples: 100 });
    assert.ok(fit.ok);
    assert.ok(Math.abs(fit.alpha.value / TRUE.alpha - 1) < 0.05, `alpha ${fit.alpha.value}`);
    assert.ok(Math.abs(fit.beta.value / TRUE.beta - 1) < 0.05, `beta ${fit.beta.value}`);
    assert.ok(Math.abs(fit.E.value / TRUE.E - 1) < 0.05, `E ${fit.E.value}`);
    for (const k of ['E', 'A', 'alpha', 'B', 'beta'] as const) {
      const [lo, hi]: [number, number] = fit[k].ci95;
      assert.ok(lo <= fit[k].value && fit[k].value <= hi, `${k} inside its own CI`);
    }
    assert.ok(
      fit.alpha.ci95[0] <= TRUE.alpha && TRUE.alpha <= fit.alpha.ci95[1],
      `alpha CI ${fit.alpha.ci95}`,
    );
    assert.deepEqual(fit.warnings, []);
    assert.equal(fit.sizes.length, 7);
    assert.equal(fit.dataAmounts.length, 6);
  });

  it('puts the compute-optimal N and D on C = 6ND at the minimum of the fitted loss', () => {
    const C = 1e21;
    const o = computeOptimal(TRUE, C);
    assert.ok(Math.abs((6 * o.params * o.tokens) / C - 1) < 1e-9);
    const loss = (N: number) => computeOptimal(TRUE, C).loss + 0 * N; // the optimum's loss
    for (const f of [0.8, 1.25]) {
      const N = o.params * f;
      const L = TRUE.E + TRUE.A / N ** TRUE.alpha + TRUE.B / (C / (6 * N)) ** TRUE.beta;
      assert.ok(L > loss(N), `moving N by x${f} raises the loss`);
    }
  });

  it('warns that a 3-sizes x 2-budgets grid under-determines beta, yet still reports every CI', () => {
    const pts = synthetic([2e5, 4e5, 8e5], [1e5, 4e5], 0.01, 1, 7);
    const fit = fitScalingLaw(pts, { resamples: 50, optimalAt: [1e13] });
    assert.ok(fit.ok);
    for (const k of ['E', 'A', 'alpha', 'B', 'beta'] as const) assert.equal(fit[k].ci95.length, 2);
    assert.ok(
      fit.warnings.some((w) => /only 2 token budgets/.test(w)),
      fit.warnings.join('; '),
    );
    assert.equal(fit.optimal.length, 1);
  });

  it('refuses, naming what is missing, when there is only one model size', () => {
    const fit = fitScalingLaw(synthetic([1e6], [1e8, 1e9, 1e10], 0.01, 2));
    assert.equal(fit.ok, false);
    assert.match(!fit.ok ? fit.missing : '', /≥2 model sizes \(have 1\)/);
  });
});
