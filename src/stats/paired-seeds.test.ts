import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeChange } from './judge.ts';
import { pairedContrast, type SeedValue } from './paired-seeds.ts';
import { mulberry32, randNormal, type Rng } from './rng.ts';
import { studentTTwoSidedP } from './student-t.ts';

const at = (seeds: number[], values: number[]): SeedValue[] =>
  seeds.map((seed, i) => ({ seed, value: values[i] }));

/** A base and a candidate `delta` apart on `n` seeds: shared draw sd `tau`, own draws sd `sigma` / `sigmaC`. */
function pair(rng: Rng, n: number, delta: number, tau: number, sigma: number, sigmaC = sigma) {
  const base: SeedValue[] = [];
  const cand: SeedValue[] = [];
  for (let s = 0; s < n; s++) {
    const u = tau * randNormal(rng);
    base.push({ seed: 1000 + s, value: 2.5 + u + sigma * randNormal(rng) });
    cand.push({ seed: 1000 + s, value: 2.5 + delta + u + sigmaC * randNormal(rng) });
  }
  return { base, cand };
}

describe('pairedContrast', () => {
  it('is the paired t test on the shared seeds: mean difference, sd / sqrt(n), n - 1 df', () => {
    const base = at([1000, 1001, 1002, 1003], [2.47, 2.465, 2.468, 2.5]);
    const cand = at([1000, 1001, 1002, 1004], [2.464, 2.46, 2.463, 2.4]);
    const c = pairedContrast(cand, base);
    // pairs on 1000-1002 only: differences -0.006, -0.005, -0.005
    assert.ok(c);
    assert.equal(c.n, 3);
    assert.equal(c.df, 2);
    assert.ok(Math.abs(c.delta - -0.016 / 3) < 1e-12);
    const sd = Math.sqrt(((0.006 - 0.016 / 3) ** 2 + 2 * (0.005 - 0.016 / 3) ** 2) / 2);
    assert.ok(Math.abs(c.se - sd / Math.sqrt(3)) < 1e-12);
  });

  it('needs three pairs and some spread; two runs on one seed count as their mean', () => {
    const base = at([1000, 1001, 1002], [2.47, 2.465, 2.468]);
    assert.equal(pairedContrast(at([1000, 1001], [2.46, 2.455]), base), undefined, 'two pairs');
    assert.equal(pairedContrast(at([1000, 1001, 1002], [2.46, 2.455, 2.458]), base), undefined, 'no spread');
    const twice = pairedContrast(at([1000, 1000, 1001, 1002], [2.46, 2.47, 2.455, 2.46]), base);
    assert.ok(twice);
    assert.equal(twice.n, 3);
    assert.ok(Math.abs(twice.delta - (-0.005 - 0.01 - 0.008) / 3) < 1e-12);
  });

  it('keeps its level under no effect, whatever the seeds share and however noisy the candidate', () => {
    for (const [tau, sigmaC] of [
      [0.01, 0.001],
      [0, 0.001],
      [0.01, 0.01], // a candidate ten times noisier than its base
    ]) {
      const rng = mulberry32(7);
      const trials = 4000;
      let rejected = 0;
      for (let i = 0; i < trials; i++) {
        const { base, cand } = pair(rng, 3 + (i % 3), 0, tau, 0.001, sigmaC);
        const c = pairedContrast(cand, base)!;
        if (studentTTwoSidedP(c.delta / c.se, c.df) < 0.05) rejected++;
      }
      const rate = rejected / trials;
      assert.ok(rate > 0.035 && rate < 0.065, `tau ${tau}, candidate sd ${sigmaC}: ${rate}`);
    }
  });

  it('finds on three seeds what the unpaired test cannot when the seed carries the spread', () => {
    const rng = mulberry32(11);
    let paired = 0;
    let unpaired = 0;
    const trials = 400;
    for (let i = 0; i < trials; i++) {
      // the reference trainer's stacked base: seed sd ~0.003, a same-shape change's differences ~0.001
      const { base, cand } = pair(rng, 3, -0.005, 0.003, 0.0007);
      const values = (xs: SeedValue[]) => xs.map((x) => x.value);
      const input = { baseline: values(base), candidate: values(cand), minSeeds: 1, resamples: 200 };
      if (judgeChange({ ...input, blocked: pairedContrast(cand, base) }).pValue < 0.05) paired++;
      if (judgeChange(input).pValue < 0.05) unpaired++;
    }
    assert.ok(paired > 0.9 * trials, `paired ${paired}/${trials}`);
    assert.ok(unpaired < 0.5 * trials, `unpaired ${unpaired}/${trials}`);
  });
});
