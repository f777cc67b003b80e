/**
 * The baseline band: what k baseline seeds looked like at each token count, so a live run can be compared
 * with them at the same tokens. Per seed, piecewise-linear interpolation between its points; across
 * seeds, mean and sample std (n - 1). Undefined outside the range a seed covers (no extrapolation: a
 * band past the baseline's last eval would be invented); a token count needs at least `minSeeds`
 * covering seeds.
 * The train-loss band uses each seed's train losses smoothed by a centred running median (mini-batch
 * losses are far noisier than evals) before interpolating.
 */
import type { Band, Reference } from './base.ts';
import { mean, median, sampleStd } from '../stats/summary.ts';

export interface SeedPoint {
  tokens: number;
  value: number;
}

export interface ReferenceOptions {
  minSeeds?: number; // default 2
  /** Half-width (points) of the running median applied to train losses; default 4 (9-point window). */
  smoothHalfWidth?: number;
}

export interface EvalPoint {
  tokens: number;
  valBpb: number;
}

export interface TrainPoint {
  tokens: number;
  loss: number;
  lr?: number;
}

export interface BaselineCurves {
  /** Per seed: its eval points. */
  eval: readonly (readonly EvalPoint[])[];
  /** Per seed: its train points (optional); their lr, when present, gives the LR band. */
  train?: readonly (readonly TrainPoint[])[];
}

export function buildReference(curves: BaselineCurves, opts: ReferenceOptions = {}): Reference {
  const { minSeeds = 2, smoothHalfWidth = 4 } = opts;
  const evalSeeds = curves.eval.map((pts) => clean(pts.map((p) => ({ tokens: p.tokens, value: p.valBpb }))));
  const trainSeeds = (curves.train ?? []).map((pts) =>
    smooth(clean(pts.map((p) => ({ tokens: p.tokens, value: p.loss }))), smoothHalfWidth),
  );
  const lrSeeds = (curves.train ?? [])
    .filter((pts) => pts.length > 0 && pts.every((p) => p.lr !== undefined))
    .map((pts) => clean(pts.map((p) => ({ tokens: p.tokens, value: p.lr! }))));
  return {
    evalBand: (tokens) => bandAt(evalSeeds, tokens, minSeeds),
    trainBand: (tokens) => bandAt(trainSeeds, tokens, minSeeds),
    lrBand: (tokens) => bandAt(lrSeeds, tokens, minSeeds),
  };
}

/** Value of one seed's curve at `tokens` by linear interpolation; undefined outside its range. */
export function interpolate(points: readonly SeedPoint[], tokens: number): number | undefined {
  const n = points.length;
  if (n === 0 || tokens < points[0].tokens || tokens > points[n - 1].tokens) return undefined;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].tokens <= tokens) lo = mid;
    else hi = mid;
  }
  const a = points[lo];
  const b = points[hi];
  if (b.tokens === a.tokens) return a.value;
  return a.value + ((tokens - a.tokens) / (b.tokens - a.tokens)) * (b.value - a.value);
}

function bandAt(seeds: readonly SeedPoint[][], tokens: number, minSeeds: number): Band | undefined {
  const xs: number[] = [];
  for (const s of seeds) {
    const v = interpolate(s, tokens);
    if (v !== undefined) xs.push(v);
  }
  if (xs.length < minSeeds || xs.length === 0) return undefined;
  return { mean: mean(xs), std: xs.length > 1 ? sampleStd(xs) : NaN, n: xs.length };
}

/** Finite points sorted by tokens; of points at the same token count the last one wins (a final eval). */
function clean(points: SeedPoint[]): SeedPoint[] {
  const byTokens = new Map<number, number>();
  for (const p of points)
    if (Number.isFinite(p.value) && Number.isFinite(p.tokens)) byTokens.set(p.tokens, p.value);
  return [...byTokens.entries()].sort((a, b) => a[0] - b[0]).map(([tokens, value]) => ({ tokens, value }));
}

function smooth(points: SeedPoint[], h: number): SeedPoint[] {
  if (h <= 0) return points;
  return points.map((p, i) => ({
    tokens: p.tokens,
    value: median(points.slice(Math.max(0, i - h), i + h + 1).map((q) => q.value)),
  }));
}

/**
 * The seeds of `spread` moved onto `level`, one seed's curves of another config: at each of `level`'s
 * points, seed i becomes level + (seed i − the seeds' mean there), so a band built from the result has
 * `level` as its mean and `spread`'s seed-to-seed std. Points where fewer than two of `spread`'s seeds
 * reach are left out (no extrapolation), and so is a seed's train curve where it has none. For a base
 * that ran one seed at a budget whose spread is measured on an older base (README "Research sessions").
 */
export function onLevel(
  spread: BaselineCurves,
  level: { eval: readonly EvalPoint[]; train?: readonly TrainPoint[] },
): BaselineCurves {
  const shift = <P extends { tokens: number }>(
    seeds: readonly (readonly P[])[],
    pts: readonly P[],
    fields: ReadonlyArray<keyof P & string>,
  ): P[][] => {
    const curves = seeds.map((s) =>
      Object.fromEntries(
        fields.map((f) => [f, clean(s.map((p) => ({ tokens: p.tokens, value: Number(p[f]) })))]),
      ),
    );
    const out: P[][] = seeds.map(() => []);
    for (const p of pts) {
      const moved = seeds.map(() => ({ ...p }) as Record<string, unknown>);
      let ok = true;
      for (const f of fields) {
        if (typeof p[f] !== 'number') continue;
        const at = curves.map((c) => interpolate(c[f], p.tokens));
        const xs = at.filter((v): v is number => v !== undefined);
        if (xs.length < 2 || xs.length < at.length) {
          ok = false;
          break;
        }
        const m = mean(xs);
        at.forEach((v, i) => (moved[i][f] = (p[f] as number) + (v! - m)));
      }
      if (ok) moved.forEach((q, i) => out[i].push(q as P));
    }
    return out;
  };
  const evalSeeds = shift(spread.eval, level.eval, ['valBpb']);
  const train = spread.train?.filter((s) => s.length > 0) ?? [];
  const withLr = train.length > 0 && train.every((s) => s.every((p) => p.lr !== undefined));
  return {
    eval: evalSeeds,
    ...(level.train && train.length >= 2
      ? { train: shift(train, level.train, withLr ? ['loss', 'lr'] : ['loss']) }
      : {}),
  };
}
