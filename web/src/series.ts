/** Pure helpers for charts: smoothing, seed-group statistics, log-safe values. */

/** Exponential moving average with debiasing (as TensorBoard), skipping nulls. weight in [0, 1). */
export function ema(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - weight ** n);
  });
}

/** Per-index mean and sample std over several aligned series (nulls ignored; std null below 2 values). */
export function meanStd(series: (number | null)[][]): {
  mean: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
} {
  const len = Math.max(0, ...series.map((s) => s.length));
  const mean: (number | null)[] = new Array(len).fill(null);
  const lo: (number | null)[] = new Array(len).fill(null);
  const hi: (number | null)[] = new Array(len).fill(null);
  for (let i = 0; i < len; i++) {
    let s = 0;
    let n = 0;
    for (const v of series) {
      const x = v[i];
      if (x !== null && x !== undefined && Number.isFinite(x)) {
        s += x;
        n++;
      }
    }
    if (!n) continue;
    const m = s / n;
    mean[i] = m;
    if (n < 2) continue;
    let ss = 0;
    for (const v of series) {
      const x = v[i];
      if (x !== null && x !== undefined && Number.isFinite(x)) ss += (x - m) ** 2;
    }
    const sd = Math.sqrt(ss / (n - 1));
    lo[i] = m - sd;
    hi[i] = m + sd;
  }
  return { mean, lo, hi };
}

/** Log axes cannot show values <= 0: drop them. */
export const positive = (values: (number | null)[]) => values.map((v) => (v !== null && v > 0 ? v : null));

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
export const color = (i: number) => PALETTE[i % PALETTE.length];

/** Viridis-like ramp for t in [0, 1] (good = 0 = yellow-green, bad = 1 = purple). */
export function ramp(t: number): string {
  const stops = [
    [253, 231, 37],
    [94, 201, 98],
    [33, 145, 140],
    [59, 82, 139],
    [68, 1, 84],
  ];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Several [x, y] series -> uPlot's aligned form: the sorted union of x, with null where a series has no point. */
export function alignXY(series: Array<Array<[number, number]>>): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const out: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s) out[index.get(x)!] = Number.isFinite(y) ? y : null;
    return out;
  });
  return [xs, ...ys];
}

/** The [x, y] pairs of field `y` over points that have both. */
export function pairs(points: Array<Record<string, number>>, x: string, y: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of points) if (p[x] !== undefined && p[y] !== undefined) out.push([p[x], p[y]]);
  return out;
}
