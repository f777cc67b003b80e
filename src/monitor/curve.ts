/**
 * Small helpers the rules share: where warmup ends, how far through its budget a run is, robust
 * location/scale of a slice of losses. All O(slice) and allocation-light.
 */
import type { Curve, Reference, TrainPointLite } from './base.ts';
import { mad, MAD_TO_SIGMA, median } from '../stats/summary.ts';

/**
 * Index of the first train point after warmup: the first point whose lr did not rise above the previous
 * one. `train.length` while the lr is still rising; undefined when the points carry no lr (unknown: the
 * caller must fall back on another guard, e.g. a minimum number of points).
 */
export function warmupEndIndex(train: readonly TrainPointLite[]): number | undefined {
  if (train.length === 0) return 0;
  if (train.some((p) => p.lr === undefined || !Number.isFinite(p.lr))) return undefined;
  for (let i = 1; i < train.length; i++) if (train[i].lr! <= train[i - 1].lr! * (1 + 1e-9)) return i;
  return train.length;
}

/** Fraction of the token budget done (0-1+), or undefined when the budget is not in tokens. */
export function progressFraction(curve: Curve): number | undefined {
  const last = curve.train.at(-1);
  if (!curve.budgetTokens || !last) return undefined;
  return last.tokens / curve.budgetTokens;
}

/** Finite losses of train[from, to). */
export function lossesIn(train: readonly TrainPointLite[], from: number, to = train.length): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, train.length); i++) {
    if (Number.isFinite(train[i].loss)) out.push(train[i].loss);
  }
  return out;
}

/** Robust centre (median) and sigma (1.4826 * MAD) of a slice; sigma floored at floorRel x |centre|. */
export function robustScale(xs: readonly number[], floorRel: number): { center: number; sigma: number } {
  const center = median(xs);
  return { center, sigma: Math.max(MAD_TO_SIGMA * mad(xs, center), floorRel * Math.abs(center), 1e-12) };
}

/** Point-to-point noise of a trending series: robust sigma of first differences / sqrt(2). */
export function diffNoise(xs: readonly number[]): number {
  const d: number[] = [];
  for (let i = 1; i < xs.length; i++) d.push(xs[i] - xs[i - 1]);
  if (d.length === 0) return NaN;
  return (MAD_TO_SIGMA * mad(d)) / Math.SQRT2;
}

export function round(x: number, digits = 5): number {
  return Number.isFinite(x) ? Number(x.toPrecision(digits)) : x;
}

/**
 * The run's LR at its latest train point over the baseline seeds' LR at the same tokens, or undefined
 * when either is unknown. Above ~1.25 the run still has more of its LR decay ahead than the baseline had
 * (a warmup-stable-decay schedule in its stable phase, a higher peak LR): the decay is where such a run
 * wins back a gap of a few percent, so the band rules give it more room.
 */
export function lrRatioToBaseline(curve: Curve, reference: Reference | undefined): number | undefined {
  const last = curve.train.at(-1);
  if (!last || last.lr === undefined || !reference?.lrBand) return undefined;
  const band = reference.lrBand(last.tokens);
  return band && band.mean > 0 ? last.lr / band.mean : undefined;
}
