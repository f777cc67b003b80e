/**
 * Sequential decisions: a candidate is looked at after each of its top-rung seeds (look k = its k-th
 * seed, k = 1..maxLooks) instead of once after a fixed number, so a clear loser stops after one seed, a
 * change many noise floors large passes after one or two, and only the ambiguous get more.
 *
 * The procedure: alpha spending over the looks with a Bonferroni (union-bound) split. Look k may spend
 * the share w_k = g(k/K) - g((k-1)/K) of the level, with the Kim–DeMets power family g(t) = t^rho, so
 * the hypothesis is rejected at level gamma as soon as some look j had p_j <= gamma * w_j. Its
 * *sequential p-value*, min_j p_j / w_j, is therefore a valid p-value:
 *   P(min_j p_j / w_j <= gamma) <= sum_j P(p_j <= gamma w_j) = gamma * sum_j w_j <= gamma
 * under the null, whatever the dependence between looks. That is why this and not the alternatives:
 *  - Exact group-sequential boundaries (O'Brien–Fleming / Pocock via the Armitage–McPherson–Rowe
 *    recursion) assume a known variance and information fractions fixed in advance. Here each look is
 *    a t-test whose df comes from the pooled noise floor, the base's own seed count grows between looks
 *    (paired confirmations, re-bases), and futility stops are data-driven: the union bound stays valid
 *    through all of it. Its price is power at the last look (the looks are correlated, so it spends
 *    less than the exact boundary could), bought back by allowing a few more seeds to the ambiguous.
 *  - Anytime-valid confidence sequences (mixture martingales) need no schedule at all, but at 1-5
 *    seeds their width is two to three times a t interval: nothing would pass before the budget ends.
 *  - Because the sequential p-value is a p-value, the session's family correction (Holm, multiple.ts)
 *    applies to it unchanged: both guarantees compose.
 * rho = 1.5 sits between Pocock (rho = 1: spend evenly, best for large effects) and O'Brien–Fleming
 * (rho ~ 3: spend almost everything at the last look). With 5 looks it spends 8.9 % of alpha at one
 * seed (a change ~4-5 noise floors large passes there) and 28 % at the last look. A session sizes the
 * number of looks to its budget (research/core/spec.ts `decisionLooks`: 3 in a 24-run session, which
 * spends 19 % at one seed); any fixed number keeps the bound.
 *
 * Futility (stopping a candidate that is not ahead of its base) can only lower the false-win rate: it
 * never rejects anything.
 */

/** The power-family exponent of the spending function (see above). */
export const SPENDING_RHO = 1.5;

/** Share of the level spent by the end of look `k` of `maxLooks` (g(k/K) = (k/K)^rho). */
export function spentBy(k: number, maxLooks: number, rho = SPENDING_RHO): number {
  if (k <= 0) return 0;
  return Math.min(1, (Math.min(k, maxLooks) / maxLooks) ** rho);
}

/** Share of the level look `k` may spend on its own (w_k). Zero beyond the last look. */
export function lookShare(k: number, maxLooks: number, rho = SPENDING_RHO): number {
  if (k < 1 || k > maxLooks) return 0;
  return spentBy(k, maxLooks, rho) - spentBy(k - 1, maxLooks, rho);
}

/** One look: the candidate had `n` decision seeds and its test gave the raw two-sided p-value `p`. */
export interface Look {
  n: number;
  p: number;
}

/**
 * The sequential p-value after these looks: min over looks of p / w_n, capped at 1. A look past
 * `maxLooks` spends nothing (its share is 0), so extra seeds can never buy a rejection. NaN (no look
 * could be tested) when no look has a finite p.
 */
export function sequentialP(looks: readonly Look[], maxLooks: number, rho = SPENDING_RHO): number {
  let best = Infinity;
  for (const l of looks) {
    const w = lookShare(l.n, maxLooks, rho);
    if (!Number.isFinite(l.p) || !(w > 0)) continue;
    best = Math.min(best, l.p / w);
  }
  return Number.isFinite(best) ? Math.min(1, best) : NaN;
}
