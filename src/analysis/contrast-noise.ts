/**
 * The noise of a complete two-level design, from the contrasts no factor uses.
 *
 * A design of N = 2^b rows, every row measured once, has N - 1 orthogonal contrasts: the k main effects
 * and N - 1 - k residual columns, which carry the two-factor (and higher) interactions, aliased in
 * chains. With normal noise of sd sigma every contrast is N(effect, (2 sigma)^2 / N), independently.
 *  - A regression on the main effects estimates the noise from the sum of squares of all residual
 *    columns: efficient when the changes add up, but every interaction chain that is real inflates it
 *    (in regime (a) of bench/research-efficiency, RoPE x untied head and an unnamed chain made the
 *    standard error 0.0099 where the rows' noise alone gave about 0.005).
 *  - Lenth's method (Lenth 1989) takes a median over all N - 1 contrasts, trimming the large ones; it
 *    shrugs off interactions, but the median is inefficient, and main effects of two or three noise
 *    floors are neither trimmed nor noise: measured on regime (b) (additive, 10 planted wins), it missed
 *    two wins the regression found.
 * Here: Dong's adaptive standard error (Dong 1993: the root mean square of the contrasts below 2.5 s0,
 * s0 = 1.5 median |c|) over the residual columns only. Interaction chains are trimmed, main effects
 * never enter, and what remains is averaged in squares. Measured on the same data: (a) selected the
 * mixture on the seeds Lenth's method did, and (b) every win the regression did.
 *
 * The residual columns are independent of the main-effect contrasts, so under the null t = c / ASE
 * has a distribution that depends only on the number of residual columns: simulated here, seeded.
 * Interaction chains too small to be trimmed only widen the ASE (conservative).
 */
import { mulberry32, randNormal } from '../stats/rng.ts';
import { median } from '../stats/summary.ts';

/** Dong's adaptive standard error of a set of contrasts: the RMS of those below 2.5 s0. */
export function adaptiveStandardError(contrasts: readonly number[]): number {
  const abs = contrasts.map(Math.abs);
  const s0 = 1.5 * median(abs);
  const kept = abs.filter((a) => a < 2.5 * s0);
  const use = kept.length ? kept : abs;
  return Math.sqrt(use.reduce((s, a) => s + a * a, 0) / use.length);
}

/** Null draws of t = z / ASE(m residual columns) with z independent: 200,000, seeded, sorted. */
const NULL_DRAWS = 200_000;
const nullCache = new Map<number, Float64Array>();

function nullDraws(m: number): Float64Array {
  const hit = nullCache.get(m);
  if (hit) return hit;
  const rng = mulberry32(0xd09 + m);
  const out = new Float64Array(NULL_DRAWS);
  const c = new Array<number>(m);
  for (let d = 0; d < NULL_DRAWS; d++) {
    const z = randNormal(rng);
    for (let j = 0; j < m; j++) c[j] = randNormal(rng);
    out[d] = z / adaptiveStandardError(c);
  }
  out.sort();
  nullCache.set(m, out);
  return out;
}

/** P(T <= t) under the null, with m residual columns (one-sided, lower tail; +1 smoothed). */
export function residualLowerP(t: number, m: number): number {
  const draws = nullDraws(m);
  let lo = 0;
  let hi = draws.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (draws[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return (lo + 1) / (draws.length + 1);
}
