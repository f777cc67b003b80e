import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricPoint } from '../store/base.ts';
import { alignOnGrid, downsampleMinMax, valueFields } from './downsample.ts';

const series = (n: number, f: (i: number) => number): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({ step: i, tokens: i * 100, loss: f(i), lr: 0.001 }));

describe('downsampleMinMax', () => {
  it('returns a short series unchanged', () => {
    const s = series(50, (i) => i);
    assert.equal(downsampleMinMax(s, 100), s);
    assert.equal(downsampleMinMax(s, 0), s, 'maxPoints 0 means no downsampling');
  });

  it('never returns more than maxPoints, keeps the ends, and keeps input order', () => {
    const s = series(100_000, (i) => Math.sin(i / 50));
    for (const m of [10, 64, 500, 2000]) {
      const d = downsampleMinMax(s, m);
      assert.ok(d.length <= m, `${d.length} <= ${m}`);
      assert.ok(d.length >= m / 2, `${d.length} uses the budget (${m})`);
      assert.equal(d[0], s[0]);
      assert.equal(d[d.length - 1], s[s.length - 1]);
      for (let i = 1; i < d.length; i++) assert.ok(d[i].step > d[i - 1].step);
    }
  });

  it('keeps a one-step loss spike that a stride would drop', () => {
    const s = series(10_000, (i) => 3 + 1 / (1 + i / 100));
    s[7777].loss = 50; // the spike
    s[2222].loss = -1; // and a dip
    const d = downsampleMinMax(s, 200);
    assert.ok(
      d.some((p) => p.loss === 50),
      'spike kept',
    );
    assert.ok(
      d.some((p) => p.loss === -1),
      'dip kept',
    );
    const stride = s.filter((_, i) => i % 50 === 0);
    assert.ok(!stride.some((p) => p.loss === 50), 'a plain stride loses it (the reason for min/max)');
  });

  it('keeps the extremes of every value field, not only the loss', () => {
    const s = series(5000, () => 1).map((p, i) => ({ ...p, gradNorm: i === 4321 ? 99 : 1 }));
    const d = downsampleMinMax(s, 100);
    assert.ok(d.some((p) => p.gradNorm === 99));
  });

  it('keeps NaN and Infinity points (a diverging run must show its end)', () => {
    const s = series(5000, (i) => (i === 3000 ? NaN : i === 4000 ? Infinity : 1));
    const d = downsampleMinMax(s, 100);
    assert.ok(d.some((p) => Number.isNaN(p.loss)));
    assert.ok(d.some((p) => p.loss === Infinity));
  });

  it('lists value fields without the coordinates', () => {
    assert.deepEqual(valueFields(series(3, () => 1)), ['loss', 'lr']);
  });
});

describe('alignOnGrid', () => {
  it('is exact when the runs share few x values', () => {
    const a = { x: [1, 2, 3], y: [10, 20, 30] };
    const b = { x: [2, 3, 4], y: [200, 300, 400] };
    const r = alignOnGrid([a, b], 10);
    assert.deepEqual(r.grid, [1, 2, 3, 4]);
    assert.deepEqual(r.values, [
      [10, 20, 30, null],
      [null, 200, 300, 400],
    ]);
  });

  it('bins to at most maxPoints, averaging within a bin', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const r = alignOnGrid(
      [
        { x, y: x.map(() => 5) },
        { x, y: x },
      ],
      100,
    );
    assert.ok(r.grid.length <= 100);
    assert.ok(r.values[0].every((v) => v === 5));
    assert.ok(Math.abs(r.values[1][0]! - 4.5) < 1e-9, 'first bin = mean of 0..9');
    assert.ok(Math.abs(r.grid[0] - 4.5) < 1e-9, 'bin x = mean x of its points');
  });

  it('handles no points', () => {
    assert.deepEqual(alignOnGrid([{ x: [], y: [] }], 10), { grid: [], values: [[]] });
  });
});
