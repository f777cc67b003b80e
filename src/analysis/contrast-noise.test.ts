import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { adaptiveStandardError, residualLowerP } from './contrast-noise.ts';

describe('noise from the residual contrasts', () => {
  it('trims the large contrasts: the ASE is the noise, not the interaction chains', () => {
    const rng = mulberry32(1);
    const noise = Array.from({ length: 20 }, () => 0.01 * randNormal(rng));
    const withChains = noise.map((c, j) => (j < 3 ? c + 0.08 : c));
    const plain = adaptiveStandardError(noise);
    assert.ok(plain > 0.006 && plain < 0.014, `ASE ${plain} of N(0, 0.01^2) contrasts`);
    assert.ok(
      Math.abs(adaptiveStandardError(withChains) - plain) < 0.3 * plain,
      'three large chains barely move it',
    );
  });

  it('gives null p-values from the simulated distribution: centred, monotone, calibrated at the tail', () => {
    assert.ok(Math.abs(residualLowerP(0, 20) - 0.5) < 0.01);
    assert.ok(residualLowerP(-3, 20) < residualLowerP(-2, 20));
    assert.ok(residualLowerP(-100, 20) < 1e-4);
    // fresh null designs: P(p <= 0.05) for a main effect is ~0.05
    const rng = mulberry32(2);
    let hits = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const z = randNormal(rng);
      const residual = Array.from({ length: 7 }, () => randNormal(rng));
      if (residualLowerP(z / adaptiveStandardError(residual), 7) <= 0.05) hits++;
    }
    assert.ok(Math.abs(hits / n - 0.05) < 0.012, `rate ${hits / n}`);
  });
});
