/**
 * Percentile bootstrap CI of mean(candidate) - mean(baseline): resample each group with replacement
 * (independently: the groups are different seeds), recompute the difference, take the 2.5 % and 97.5 %
 * quantiles. Seeded, so the same inputs always give the same interval.
 *
 * Percentile rather than BCa: BCa's acceleration comes from a jackknife, which with 3 seeds per group has
 * 3 leave-one-out values and is mostly noise. Neither fixes the real weakness at n = 3: a group of 3 has
 * only 10 distinct resamples and the bootstrap variance of its mean is (n-1)/n of the true one, so the
 * interval is too narrow. That is why `judgeChange` also demands a Welch p-value and a held-out
 * confirmation rather than trusting this interval alone.
 */
import { mulberry32, randInt } from './rng.ts';
import { mean, quantileSorted } from './summary.ts';

export interface BootstrapOptions {
  resamples?: number; // default 10_000
  seed?: number; // default 0
  level?: number; // default 0.95
}

export interface BootstrapCI {
  delta: number; // the observed mean(candidate) - mean(baseline)
  lo: number;
  hi: number;
}

export function bootstrapDiffCI(
  baseline: readonly number[],
  candidate: readonly number[],
  opts: BootstrapOptions = {},
): BootstrapCI {
  const { resamples = 10_000, seed = 0, level = 0.95 } = opts;
  const delta = mean(candidate) - mean(baseline);
  if (baseline.length === 0 || candidate.length === 0) return { delta, lo: NaN, hi: NaN };
  const rng = mulberry32(seed);
  const diffs = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) diffs[r] = resampleMean(candidate, rng) - resampleMean(baseline, rng);
  diffs.sort();
  const tail = (1 - level) / 2;
  return { delta, lo: quantileSorted(diffs, tail), hi: quantileSorted(diffs, 1 - tail) };
}

function resampleMean(xs: readonly number[], rng: () => number): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[randInt(rng, xs.length)];
  return s / xs.length;
}
