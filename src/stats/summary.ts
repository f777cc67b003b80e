/**
 * Descriptive statistics shared by the stats and monitor modules. Plain loops over number arrays;
 * callers filter out non-finite values first when that matters.
 */

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample variance (Bessel's n-1). NaN for fewer than two values: one seed says nothing about noise. */
export function sampleVariance(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return ss / (n - 1);
}

export function sampleStd(xs: readonly number[]): number {
  return Math.sqrt(sampleVariance(xs));
}

/** Linear-interpolated quantile of already sorted values (type 7, the R / NumPy default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function median(xs: readonly number[]): number {
  return quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Median absolute deviation (unscaled). Multiply by 1.4826 for a normal-consistent sigma. */
export function mad(xs: readonly number[], center = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - center)));
}

/** 1.4826 * MAD estimates sigma for normal data while ignoring outliers (breakdown point 50 %). */
export const MAD_TO_SIGMA = 1.4826;
