import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adjustPValues, benjaminiHochberg, DEFAULT_ADJUSTMENT, holm } from './multiple.ts';

const closeAll = (a: number[], b: number[]) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) < 1e-12, `${a} vs ${b}`));

describe('multiple-comparison adjustment', () => {
  const p = [0.01, 0.04, 0.03, 0.005];

  it('Holm multiplies the i-th smallest p by m - i + 1 and keeps the order monotone', () => {
    closeAll(holm(p), [0.03, 0.06, 0.06, 0.02]);
  });

  it('Benjamini-Hochberg multiplies the i-th smallest p by m / i, monotone from the top', () => {
    closeAll(benjaminiHochberg(p), [0.02, 0.04, 0.04, 0.02]);
  });

  it('never makes a p-value smaller, caps at 1, and Holm is never less strict than BH', () => {
    const ps = [0.5, 0.9, 0.2, 0.001, 0.04, 0.3];
    const h = holm(ps);
    const bh = benjaminiHochberg(ps);
    ps.forEach((x, i) => {
      assert.ok(h[i] >= x && bh[i] >= x && h[i] <= 1 && bh[i] <= 1);
      assert.ok(h[i] >= bh[i]);
    });
  });

  it('leaves a single comparison unchanged and keeps untestable ones out of the family', () => {
    closeAll(holm([0.03]), [0.03]);
    const r = holm([0.01, NaN, 0.02]);
    assert.ok(Number.isNaN(r[1]));
    closeAll([r[0], r[2]], [0.02, 0.02]);
  });

  it('uses Holm as the session default', () => {
    assert.equal(DEFAULT_ADJUSTMENT, 'holm');
    closeAll(adjustPValues(p), holm(p));
    closeAll(adjustPValues(p, 'bh'), benjaminiHochberg(p));
  });
});
