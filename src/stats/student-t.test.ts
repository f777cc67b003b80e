import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lnGamma, normalCdf, regIncBeta, studentTCdf, studentTTwoSidedP } from './student-t.ts';

// Reference values from SciPy 1.17 (scipy.stats.t.sf, scipy.special.betainc).
const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

describe('Student-t distribution', () => {
  it('gives p = 0.1019 for t = 2 with 5 degrees of freedom', () => {
    close(studentTTwoSidedP(2.0, 5), 0.10193947882985835, 1e-10);
  });

  it('matches closed forms for 1 and 2 degrees of freedom', () => {
    close(studentTTwoSidedP(1.0, 1), 0.5, 1e-12); // Cauchy: 1 - 2 atan(1) / pi
    close(studentTTwoSidedP(2.0, 2), 1 - 2 / Math.sqrt(6), 1e-12);
  });

  it('handles fractional Welch degrees of freedom', () => {
    close(studentTTwoSidedP(3.5, 7.3), 0.009343138528485555, 1e-10);
    close(studentTTwoSidedP(0.3, 2.5), 0.7873423714951973, 1e-10);
  });

  it('approaches the normal distribution as the degrees of freedom grow', () => {
    close(studentTTwoSidedP(1.96, 1e6), 0.04999606758526985, 1e-9);
    close(studentTTwoSidedP(1.96, 1e9), 2 * normalCdf(-1.96), 1e-12);
    close(normalCdf(1.959963984540054), 0.975, 2e-7);
  });

  it('is symmetric: the CDF at -t is one minus the CDF at t', () => {
    for (const [t, df] of [
      [0.7, 3],
      [2.5, 11.2],
      [-4, 40],
    ])
      close(studentTCdf(-t, df), 1 - studentTCdf(t, df), 1e-12);
    close(studentTCdf(0, 4), 0.5, 1e-15);
  });

  it('returns 0 for an infinite t and NaN for nonsense input', () => {
    assert.equal(studentTTwoSidedP(Infinity, 3), 0);
    assert.ok(Number.isNaN(studentTTwoSidedP(1, 0)));
    assert.ok(Number.isNaN(studentTTwoSidedP(NaN, 3)));
  });
});

describe('regularised incomplete beta', () => {
  it('matches known values', () => {
    close(regIncBeta(2.5, 0.5, 0.7), 0.2031106637200549, 1e-12);
    close(regIncBeta(10, 3, 0.2), 4.526080000000003e-6, 1e-15);
    close(regIncBeta(50, 50, 0.45), 0.1586521989370985, 1e-10);
  });

  it('reduces to x^a when b is 1 and is one half at x = 0.5 for a = b', () => {
    close(regIncBeta(3, 1, 0.6), 0.6 ** 3, 1e-13);
    close(regIncBeta(7.5, 7.5, 0.5), 0.5, 1e-13);
    assert.equal(regIncBeta(2, 3, 0), 0);
    assert.equal(regIncBeta(2, 3, 1), 1);
  });

  it('computes log-gamma at integers and one half', () => {
    close(lnGamma(5), Math.log(24), 1e-12);
    close(lnGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
    close(lnGamma(171), 706.5730622457874, 1e-9); // Python math.lgamma
  });
});
