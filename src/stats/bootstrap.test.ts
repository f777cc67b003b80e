import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bootstrapDiffCI } from './bootstrap.ts';
import { mulberry32, randNormal } from './rng.ts';

describe('bootstrap CI of a difference in means', () => {
  const baseline = [3.21, 3.19, 3.2, 3.22];
  const candidate = [3.17, 3.18, 3.15];

  it('is deterministic for a given seed and changes with the seed', () => {
    const a = bootstrapDiffCI(baseline, candidate, { seed: 7 });
    const b = bootstrapDiffCI(baseline, candidate, { seed: 7 });
    const c = bootstrapDiffCI(baseline, candidate, { seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('brackets the observed difference and lies inside the range of possible resample differences', () => {
    const r = bootstrapDiffCI(baseline, candidate);
    assert.ok(Math.abs(r.delta - (3.1666666666666665 - 3.205)) < 1e-12);
    assert.ok(r.lo <= r.delta && r.delta <= r.hi);
    assert.ok(r.lo >= 3.15 - 3.22 - 1e-12 && r.hi <= 3.18 - 3.19 + 1e-12);
  });

  it('is antisymmetric: swapping the groups mirrors the interval', () => {
    const ab = bootstrapDiffCI(baseline, candidate, { seed: 3 });
    const ba = bootstrapDiffCI(candidate, baseline, { seed: 3 });
    // Not bit-identical (the RNG draws the groups in a different order) but mirrored within resampling noise.
    assert.ok(Math.abs(ab.lo + ba.hi) < 0.002 && Math.abs(ab.hi + ba.lo) < 0.002, JSON.stringify({ ab, ba }));
  });

  it('covers the true difference about 95 % of the time with 30 samples per group', () => {
    const rng = mulberry32(11);
    let covered = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const b = Array.from({ length: 30 }, () => randNormal(rng));
      const c = Array.from({ length: 30 }, () => 0.5 + randNormal(rng));
      const r = bootstrapDiffCI(b, c, { resamples: 2000, seed: t });
      if (r.lo <= 0.5 && 0.5 <= r.hi) covered++;
    }
    assert.ok(covered / trials > 0.9 && covered / trials < 0.99, `coverage ${covered / trials}`);
  });

  it('returns a zero-width interval for constant groups and NaN bounds for an empty group', () => {
    const r = bootstrapDiffCI([1, 1, 1], [2, 2, 2]);
    assert.deepEqual([r.lo, r.hi], [1, 1]);
    assert.ok(Number.isNaN(bootstrapDiffCI([], [1]).lo));
  });
});
