import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noiseFloor, noiseFloorByRung } from './noise-floor.ts';
import { welchTest } from './welch.ts';

const close = (a: number, b: number, tol: number) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b} (tol ${tol})`);

describe('Welch t-test', () => {
  it('matches SciPy on unequal variances and sizes', () => {
    // scipy.stats.ttest_ind(candidate, baseline, equal_var=False)
    const r = welchTest([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
    close(r.t, 1.8973665961010275, 1e-12);
    close(r.df, 5.882352941176471, 1e-12);
    close(r.pValue, 0.10753119493062728, 1e-9);
    close(r.delta, 3, 1e-12);
  });

  it('matches SciPy on bpb-like numbers', () => {
    const r = welchTest([3.21, 3.19, 3.2, 3.22], [3.17, 3.18, 3.15]);
    close(r.t, -3.507467117649945, 1e-9);
    close(r.df, 3.959314775160594, 1e-9);
    close(r.pValue, 0.025144312941230363, 1e-9);
  });

  it('is symmetric: swapping the groups flips the sign and keeps the p-value', () => {
    const a = [3.1, 3.3, 3.2];
    const b = [3.0, 3.05, 3.2, 2.9];
    const ab = welchTest(a, b);
    const ba = welchTest(b, a);
    close(ab.t, -ba.t, 1e-12);
    close(ab.pValue, ba.pValue, 1e-12);
  });

  it('says nothing (NaN p) with a single value on one side', () => {
    assert.ok(Number.isNaN(welchTest([1], [2, 3]).pValue));
  });

  it('treats two constant groups as certain when they differ and as no evidence when equal', () => {
    assert.equal(welchTest([1, 1, 1], [2, 2, 2]).pValue, 0);
    assert.equal(welchTest([1, 1, 1], [1, 1, 1]).pValue, 1);
  });
});

describe('noise floor', () => {
  it('uses the sample standard deviation with n - 1', () => {
    const f = noiseFloor([3.2, 3.3, 3.4]);
    close(f.mean, 3.3, 1e-12);
    close(f.std, 0.1, 1e-12);
    assert.equal(f.n, 3);
  });

  it('reports an unknown (NaN) std for one seed and ignores failed seeds', () => {
    const f = noiseFloor([3.2, NaN]);
    assert.equal(f.n, 1);
    assert.ok(Number.isNaN(f.std));
  });

  it('groups baseline results by rung', () => {
    const m = noiseFloorByRung([
      { rung: 1, value: 3.0 },
      { rung: 0, value: 3.5 },
      { rung: 1, value: 3.2 },
      { rung: 0, value: 3.7 },
    ]);
    assert.deepEqual([...m.keys()], [0, 1]);
    close(m.get(0)!.mean, 3.6, 1e-12);
    close(m.get(1)!.std, Math.sqrt(0.02), 1e-12);
  });
});
