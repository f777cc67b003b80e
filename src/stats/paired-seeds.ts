/**
 * Paired seeds: a candidate judged by its own differences from its base on the seeds both ran.
 *
 * The reference trainer draws the data order from the seed alone, and the initial weights from it
 * wherever two configs have the same parameter shapes (trainers/gpt/harness.py). So a change and its
 * base run on one seed see the same batches from the same start, and most of the seed-to-seed spread
 * cancels in their difference. Measured on the benchmark's stacked base (BENCHMARKS.md "Paired seeds
 * on the stacked base"): over four seeds the base's own sd was 0.0032, the sd of a same-shape change's
 * differences 0.0007-0.0022, of a shape change's 0.0027-0.0043.
 *
 * The test is the paired t test on those differences: mean d over the n shared seeds, standard error
 * sd(d) / sqrt(n), n - 1 df. It is exact for normal differences whatever the seed shares, and it needs
 * no model of the other configs: a change whose own runs are erratic (honestly, or to get a lucky seed:
 * test/security/attacks/paired-seeds-noisy.ts) has erratic differences and pays for them in its own
 * standard error. Unlike the seed-blocked fit (seed-blocks.ts) it needs no pre-test, so which test a
 * look uses is decided by the design alone (how many seeds are shared and by which trainer), never by
 * the values: research/core/paired.ts.
 *
 * From MIN_PAIRS pairs on. With two, the t quantile at 1 df (12.7 at 95 %) rejects as easily as the
 * unpaired test at a session's usual 6 df (2.45) only when the paired standard error is five times
 * smaller; with three (4.3 at 2 df), 1.8 times, which the same-shape changes on the stacked base clear
 * (2.9-9.5 times at four seeds).
 */
import { mean, sampleStd } from './summary.ts';
import type { SeedBlocked } from './judge.ts';

/** One run's seed and value. */
export interface SeedValue {
  seed: number;
  value: number;
}

/** The fewest shared seeds the paired test is used on (see the file comment). */
export const MIN_PAIRS = 3;

/** Differences that vary by less than this (bpb) are one value up to rounding: nothing to test. */
const SPREAD_EPS = 1e-9;

/** A paired contrast: the judge's seed-blocked input, with the number of pairs behind it. */
export interface PairedContrast extends SeedBlocked {
  n: number;
}

/**
 * mean(candidate - base) over the seeds both ran, or undefined below `minPairs` pairs or when the
 * differences do not vary (a standard error of zero, or of rounding, tests nothing). Several runs on one seed count as
 * their mean: a deterministic trainer repeats its value there.
 */
export function pairedContrast(
  candidate: readonly SeedValue[],
  base: readonly SeedValue[],
  minPairs = MIN_PAIRS,
): PairedContrast | undefined {
  const b = bySeed(base);
  const c = bySeed(candidate);
  const d = [...c].filter(([seed]) => b.has(seed)).map(([seed, v]) => v - b.get(seed)!);
  const sd = pairedSd(d, minPairs);
  if (sd === undefined) return undefined;
  return { delta: mean(d), se: sd / Math.sqrt(d.length), df: d.length - 1, n: d.length };
}

/**
 * The sd of paired differences when the paired test may rest on it: `minPairs` of them or more (at
 * least two), and they vary; undefined otherwise. Also the ablation's rule (research/core/ablation-stats.ts).
 */
export function pairedSd(d: readonly number[], minPairs = MIN_PAIRS): number | undefined {
  if (d.length < Math.max(2, minPairs)) return undefined;
  const sd = sampleStd(d);
  return sd > SPREAD_EPS ? sd : undefined;
}

function bySeed(xs: readonly SeedValue[]): Map<number, number> {
  const acc = new Map<number, number[]>();
  for (const x of xs) if (Number.isFinite(x.value)) acc.set(x.seed, [...(acc.get(x.seed) ?? []), x.value]);
  return new Map([...acc].map(([seed, v]) => [seed, mean(v)]));
}
