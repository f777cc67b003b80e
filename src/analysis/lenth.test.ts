import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { lenthLowerP, pseudoStandardError } from './lenth.ts';

describe("Lenth's method", () => {
  it('trims the large contrasts: the PSE is the noise, not the effects', () => {
    const rng = mulberry32(1);
    const noise = Array.from({ length: 31 }, () => 0.01 * randNormal(rng));
    const withEffects = noise.map((c, j) => (j < 4 ? c - 0.2 : c));
    const plain = pseudoStandardError(noise);
    assert.ok(plain > 0.006 && plain < 0.016, `PSE ${plain} of N(0, 0.01^2) contrasts`);
    assert.ok(
      Math.abs(pseudoStandardError(withEffects) - plain) < 0.3 * plain,
      'four large effects barely move it',
    );
  });

  it('gives null p-values from the simulated distribution: centred, monotone, and calibrated at the tail', () => {
    assert.ok(Math.abs(lenthLowerP(0, 31) - 0.5) < 0.01);
    assert.ok(lenthLowerP(-3, 31) < lenthLowerP(-2, 31));
    assert.ok(lenthLowerP(-100, 31) < 1e-4);
    // fresh null designs: P(p <= 0.05) for one contrast is ~0.05
    const rng = mulberry32(2);
    let hits = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const c = Array.from({ length: 15 }, () => randNormal(rng));
      if (lenthLowerP(c[0] / pseudoStandardError(c), 15) <= 0.05) hits++;
    }
    assert.ok(Math.abs(hits / n - 0.05) < 0.012, `rate ${hits / n}`);
  });
});
