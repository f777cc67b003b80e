/**
 * Multiple-comparison control across the comparisons of one research session.
 *
 * Session default: HOLM (family-wise error rate), not Benjamini–Hochberg (false discovery rate). Why:
 * - The cost of a false win is large and asymmetric: a "win" becomes the new best config, climbs the size
 *   ladder (every later run is built on it) and is reported as a finding. FDR control accepts that a
 *   fraction q of declared wins are false; FWER control bounds the chance of even one.
 * - A session declares few wins (typically 0-3 out of dozens of comparisons). With few discoveries FDR's
 *   extra power over FWER is small, while its guarantee (a proportion) is weak for one or two wins.
 * - Every comparison shares the same baseline seeds, so the tests are dependent. Holm is valid under any
 *   dependence; BH needs positive regression dependence (which holds for one-sided tests against a shared
 *   control, but not obviously for the two-sided ones we run).
 * - The power Holm gives up is bought back cheaply: a promising change that misses the adjusted threshold
 *   is "pending" and can get more seeds, and every win still needs a held-out confirmation re-run.
 * BH stays available for screening (e.g. ranking which ideas deserve more seeds).
 *
 * Both functions return adjusted p-values in the input order. Non-finite p-values (a comparison that
 * could not be tested) are not part of the family and come back NaN. Pass all p-values of the session
 * so far: the family grows as the session makes more comparisons.
 */

export type Adjustment = 'holm' | 'bh';

export const DEFAULT_ADJUSTMENT: Adjustment = 'holm';

/** Holm–Bonferroni step-down: p_(i) * (m - i + 1), made monotone non-decreasing, capped at 1. */
export function holm(pValues: readonly number[]): number[] {
  const { order, m, out } = prepare(pValues);
  let running = 0;
  order.forEach((idx, i) => {
    running = Math.max(running, Math.min(1, (m - i) * pValues[idx]));
    out[idx] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up: p_(i) * m / i, made monotone from the largest down, capped at 1. */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const { order, m, out } = prepare(pValues);
  let running = 1;
  for (let i = m - 1; i >= 0; i--) {
    const idx = order[i];
    running = Math.min(running, (pValues[idx] * m) / (i + 1));
    out[idx] = Math.min(1, running);
  }
  return out;
}

export function adjustPValues(pValues: readonly number[], method: Adjustment = DEFAULT_ADJUSTMENT): number[] {
  return method === 'holm' ? holm(pValues) : benjaminiHochberg(pValues);
}

function prepare(pValues: readonly number[]): { order: number[]; m: number; out: number[] } {
  const order = pValues
    .map((p, i) => [p, i] as const)
    .filter(([p]) => Number.isFinite(p))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, i]) => i);
  return { order, m: order.length, out: pValues.map(() => NaN) };
}
