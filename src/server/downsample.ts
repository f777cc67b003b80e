/**
 * Server-side downsampling of metric series. Pure functions, no I/O.
 *
 * `downsampleMinMax` keeps, per bucket of consecutive points, the first and last point and the points
 * holding the minimum and maximum of every y field. A one-step loss spike is the maximum of its bucket,
 * so it survives at any `maxPoints`; a plain stride or a bucket mean would erase it. The result is a
 * subset of the input in its original order (no synthetic points), at most `maxPoints` long.
 *
 * `alignOnGrid` puts many runs on one shared x grid (what an overlay chart needs: uPlot draws series
 * that share one x array). Each bin holds the mean of a run's points that fall in it; runs that log at
 * the same x values (the usual case: same batch size) are returned exactly when they fit in `maxPoints`.
 */
import type { MetricPoint } from '../store/base.ts';

/** Fields that are coordinates, not values to preserve. */
export const X_FIELDS = ['step', 'tokens', 'flops', 'elapsed'] as const;
export type XField = (typeof X_FIELDS)[number];

/** The numeric fields of a series other than its coordinates (loss, lr, gradNorm, valBpb, bpb.<domain> ...). */
export function valueFields(points: MetricPoint[]): string[] {
  const keys = new Set<string>();
  // Fields can appear mid-run (a domain added to evals); sample the ends and a stride of the middle.
  const stride = Math.max(1, Math.floor(points.length / 64));
  for (let i = 0; i < points.length; i += stride) for (const k of Object.keys(points[i])) keys.add(k);
  if (points.length) for (const k of Object.keys(points[points.length - 1])) keys.add(k);
  return [...keys].filter((k) => !(X_FIELDS as readonly string[]).includes(k)).sort();
}

/**
 * At most `maxPoints` of `points`, keeping per bucket the first, last, argmin and argmax of each of `ys`.
 * `maxPoints <= 0` or a series already short enough returns the input unchanged.
 */
export function downsampleMinMax(
  points: MetricPoint[],
  maxPoints: number,
  ys = valueFields(points),
): MetricPoint[] {
  const n = points.length;
  if (maxPoints <= 0 || n <= maxPoints) return points;
  if (maxPoints < 2) return [points[n - 1]];
  // Each bucket contributes at most 2 + 2*|ys| distinct points (fewer when extremes coincide, e.g. a
  // monotone lr): start from the worst case, then search for more, narrower buckets within budget.
  let lo = Math.max(1, Math.floor((maxPoints - 2) / (2 + 2 * ys.length))); // fits for sure
  let hi = Infinity; // smallest bucket count known to overflow
  let best = selectMinMax(points, lo, ys);
  for (let iter = 0; iter < 8 && best.count < 0.9 * maxPoints && lo < n; iter++) {
    const cand =
      hi === Infinity
        ? Math.min(n, Math.floor(lo * Math.min(4, (0.95 * maxPoints) / best.count)) + 1)
        : Math.floor((lo + hi) / 2);
    if (cand <= lo) break;
    const r = selectMinMax(points, cand, ys);
    if (r.count > maxPoints) hi = cand;
    else {
      lo = cand;
      best = r;
    }
  }
  const out: MetricPoint[] = [];
  for (let i = 0; i < n; i++) if (best.keep[i]) out.push(points[i]);
  // Only many non-finite points can overflow the budget; cap hard then.
  return out.length <= maxPoints ? out : strideKeepEnds(out, maxPoints);
}

function selectMinMax(
  points: MetricPoint[],
  buckets: number,
  ys: string[],
): { keep: Uint8Array; count: number } {
  const n = points.length;
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets); // exclusive
    if (hi <= lo) continue;
    keep[lo] = 1;
    keep[hi - 1] = 1;
    for (const y of ys) {
      let iMin = -1;
      let iMax = -1;
      for (let i = lo; i < hi; i++) {
        const v = points[i][y];
        if (v === undefined) continue;
        // NaN/Infinity are the most important points of a diverging run: keep them as extremes.
        if (!Number.isFinite(v)) {
          keep[i] = 1;
          continue;
        }
        if (iMin < 0 || v < points[iMin][y]) iMin = i;
        if (iMax < 0 || v > points[iMax][y]) iMax = i;
      }
      if (iMin >= 0) keep[iMin] = 1;
      if (iMax >= 0) keep[iMax] = 1;
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) count += keep[i];
  return { keep, count };
}

function strideKeepEnds(points: MetricPoint[], maxPoints: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  const step = (points.length - 1) / (maxPoints - 1);
  for (let i = 0; i < maxPoints; i++) out.push(points[Math.round(i * step)]);
  return out;
}

export interface AlignedSeries {
  grid: number[]; // x of each bin: the mean x of the points that fell in it
  values: (number | null)[][]; // per input series, per bin: mean y (null: no point in that bin)
}

/**
 * Align several series (each a list of [x, y] with x ascending) on one grid of at most `maxPoints`
 * bins over the joint x range. When the distinct x values number at most `maxPoints` (or `maxPoints`
 * is 0 and they number at most `exactCap`), the grid is exactly those values and nothing is averaged.
 */
export function alignOnGrid(
  series: Array<{ x: ArrayLike<number>; y: ArrayLike<number> }>,
  maxPoints: number,
  exactCap = 20_000,
): AlignedSeries {
  const distinct = new Set<number>();
  let xMin = Infinity;
  let xMax = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      if (!Number.isFinite(x)) continue;
      if (distinct.size <= Math.max(maxPoints, exactCap)) distinct.add(x);
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
    }
  }
  if (!Number.isFinite(xMin)) return { grid: [], values: series.map(() => []) };
  const exact = maxPoints > 0 ? distinct.size <= maxPoints : distinct.size <= exactCap;
  if (exact) {
    const grid = [...distinct].sort((a, b) => a - b);
    const index = new Map(grid.map((x, i) => [x, i]));
    const values = series.map((s) => {
      const sum = new Float64Array(grid.length);
      const cnt = new Uint32Array(grid.length);
      for (let i = 0; i < s.x.length; i++) {
        const j = index.get(s.x[i]);
        if (j === undefined) continue;
        sum[j] += s.y[i];
        cnt[j]++;
      }
      return Array.from(sum, (v, j) => (cnt[j] ? v / cnt[j] : null));
    });
    return { grid, values };
  }
  const bins = Math.max(1, maxPoints > 0 ? maxPoints : exactCap);
  const width = (xMax - xMin) / bins || 1;
  const binOf = (x: number) => Math.min(bins - 1, Math.floor((x - xMin) / width));
  const xSum = new Float64Array(bins);
  const xCnt = new Uint32Array(bins);
  const values = series.map((s) => {
    const sum = new Float64Array(bins);
    const cnt = new Uint32Array(bins);
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      if (!Number.isFinite(x)) continue;
      const b = binOf(x);
      sum[b] += s.y[i];
      cnt[b]++;
      xSum[b] += x;
      xCnt[b]++;
    }
    return Array.from(sum, (v, b) => (cnt[b] ? v / cnt[b] : null));
  });
  // Drop bins no run has a point in: they would only be gaps.
  const used: number[] = [];
  for (let b = 0; b < bins; b++) if (xCnt[b]) used.push(b);
  return {
    grid: used.map((b) => xSum[b] / xCnt[b]),
    values: values.map((v) => used.map((b) => v[b])),
  };
}
