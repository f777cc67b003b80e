/**
 * Lenth's method (Lenth 1989, "Quick and easy analysis of unreplicated factorials"): the standard
 * analysis of a two-level design run once per row, when every row of it was measured.
 *
 * A design of N = 2^b rows has N - 1 orthogonal contrasts: the k main effects and N - 1 - k columns
 * that carry the two-factor (and higher) interactions, aliased in chains. A regression on the main
 * effects alone leaves those chains in the residual: wherever changes interact, the residual is
 * inflated and every main effect's standard error with it. Lenth's pseudo standard error instead
 * estimates the noise from the contrasts themselves, robustly, assuming only that most of them are
 * noise (effect sparsity):
 *   s0 = 1.5 * median |c_j|,   PSE = 1.5 * median { |c_j| : |c_j| < 2.5 s0 }.
 * The large contrasts, main effects or interaction chains alike, are trimmed away; a contrast's
 * t = c / PSE. Measured on regime (a) of bench/research-efficiency (32 rows at rung 1): the regression
 * with heredity had a standard error of 0.0099 per effect, Lenth's PSE was 0.0040, because two aliased
 * interaction chains (+0.056 and -0.029) sat in the regression's residual.
 *
 * The null distribution of t is not Student's t (Lenth's t_{m/3} is an approximation): it is simulated
 * here, seeded, for the number of contrasts m: under the null every contrast is N(0, sigma^2) and t
 * does not depend on sigma. Active contrasts other than the one tested only widen the trimmed set's
 * spread or are trimmed, so the test is conservative under a partial null.
 */
import { mulberry32, randNormal } from '../stats/rng.ts';

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** Lenth's pseudo standard error of a set of contrasts. */
export function pseudoStandardError(contrasts: readonly number[]): number {
  const abs = contrasts.map(Math.abs);
  const s0 = 1.5 * median(abs);
  const kept = abs.filter((a) => a < 2.5 * s0);
  return 1.5 * median(kept.length ? kept : abs);
}

/** Draws of the null simulation: 4000 designs x m contrasts each (exchangeable, so all are used). */
const NULL_DESIGNS = 4000;
const nullCache = new Map<number, Float64Array>();

/** Sorted null draws of t = c / PSE for m contrasts (seeded: the same on every machine and call). */
function nullDraws(m: number): Float64Array {
  const hit = nullCache.get(m);
  if (hit) return hit;
  const rng = mulberry32(0x1e7e + m);
  const out = new Float64Array(NULL_DESIGNS * m);
  const c = new Array<number>(m);
  for (let d = 0; d < NULL_DESIGNS; d++) {
    for (let j = 0; j < m; j++) c[j] = randNormal(rng);
    const pse = pseudoStandardError(c);
    for (let j = 0; j < m; j++) out[d * m + j] = c[j] / pse;
  }
  out.sort();
  nullCache.set(m, out);
  return out;
}

/** P(T <= t) under the null, for a design with m contrasts (one-sided, lower tail; +1 smoothed). */
export function lenthLowerP(t: number, m: number): number {
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
