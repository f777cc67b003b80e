/**
 * Sequential decisions: a candidate is looked at after each of its top-rung seeds (look k = its k-th
 * seed, k = 1..maxLooks) instead of once after a fixed number, so a clear loser stops after one seed, a
 * change many noise floors large passes after two (MIN_PASS_SEEDS), and only the ambiguous get more.
 *
 * The procedure: alpha spending over the looks that may pass (seeds MIN_PASS_SEEDS..K), with the
 * Kim–DeMets power family g(t) = t^rho: by its n-th seed the test may have spent gamma * g(t_n) of the
 * level gamma, t_n = (n - 1) / (K - 1) (spentBy). Two ways to spend it:
 *  - Exact boundaries (group-sequential.ts), the default: look k's critical value is set so that the
 *    chance under no effect of crossing there, not having crossed before, is exactly its increment of
 *    g. The looks are cumulative (each holds the seeds of the one before), so their z statistics are
 *    correlated sqrt(I_j / I_k), with I = 1 / (1/n + 1/n_base) the look's information. Each look is a
 *    t-test on the pooled noise floor, so this reads its p-value on the normal scale (the usual
 *    nominal-p reading); futility stops only lower the false-win rate.
 *  - The union bound, where the looks are not a cumulative comparison of one kind (a look judged on
 *    seed blocks, seed-blocks.ts, or one without its base's seed count): the look at seed n spends
 *    w_n = g(t_n) - g(t_{n-1}) and the sequential p-value is min_j p_j / w_j, valid whatever the
 *    dependence, since P(min_j p_j / w_j <= gamma) <= sum_j gamma w_j <= gamma.
 * The union bound's price is power at the later looks: the last of three looks may reject at 65 % of
 * the level under it and at 93 % with exact boundaries (the last of five: 35 % and 85-89 %). In
 * bench/research-efficiency regime (a), the union bound (then spending from the first seed) left an
 * idea −0.026 ahead on all three of its seeds inconclusive at p 0.061.
 * Why not anytime-valid confidence sequences (mixture martingales): they need no schedule at all, but
 * at 1-5 seeds their width is two to three times a t interval: nothing would pass before the budget
 * ends. Because the sequential p-value is a p-value, the session's family correction (Holm,
 * multiple.ts) applies to it unchanged: both guarantees compose.
 * rho = 1.5 sits between Pocock (rho = 1: spend evenly, best for large effects) and O'Brien–Fleming
 * (rho ~ 3: spend almost everything at the last look). With 5 looks it spends 12.5 % of alpha at two
 * seeds and 35 % at the last look. A session sizes the number of looks to its budget
 * (research/core/spec.ts `decisionLooks`: 3 in a 24-run session, which spends 35 % at two seeds and
 * the rest at three); any fixed number keeps the bound.
 *
 * Futility (stopping a candidate that is not ahead of its base) can only lower the false-win rate: it
 * never rejects anything.
 *
 * A test continued from an earlier session (research/core/open-tests.ts) keeps its schedule: its
 * looks there spent their shares of the level, so only its looks here are read, by the union bound
 * (each at its own seed count, past the earlier ones). Nothing the earlier session recorded enters the
 * p-value, and over both sessions the looks spend at most the level.
 */
import { exactSequentialP } from './group-sequential.ts';

/** The power-family exponent of the spending function (see above). */
export const SPENDING_RHO = 1.5;

/**
 * The fewest decision seeds a pass may rest on. With one seed the candidate's own spread is unseen and
 * the test reads it as the session's floor; a change that makes its own runs erratic then passes on one
 * lucky seed (attack `sequential-noisy`: 7.6 % wins at ten times the floor's spread, against 4.1 % with
 * two; 2000 simulated sessions each). Looks before this one spend nothing: they can only stop a
 * candidate that is not ahead.
 */
export const MIN_PASS_SEEDS = 2;

/**
 * Share of the level spent by the end of look `k` of `maxLooks`: g(t) = t^rho over the looks that may
 * pass, t = (k - MIN_PASS_SEEDS + 1) / (maxLooks - MIN_PASS_SEEDS + 1).
 */
export function spentBy(k: number, maxLooks: number, rho = SPENDING_RHO): number {
  const first = Math.min(MIN_PASS_SEEDS, maxLooks);
  if (k < first) return 0;
  return Math.min(1, ((Math.min(k, maxLooks) - first + 1) / (maxLooks - first + 1)) ** rho);
}

/** Share of the level look `k` may spend on its own (w_k). Zero beyond the last look. */
export function lookShare(k: number, maxLooks: number, rho = SPENDING_RHO): number {
  if (k < 1 || k > maxLooks) return 0;
  return spentBy(k, maxLooks, rho) - spentBy(k - 1, maxLooks, rho);
}

/**
 * One look: the candidate had `n` decision seeds, its base `nBase`, and its test gave the raw two-sided
 * p-value `p`; `blocked` when the test was the seed-blocked contrast (seed-blocks.ts).
 */
export interface Look {
  n: number;
  p: number;
  nBase?: number;
  blocked?: boolean;
  /** Taken in an earlier session that left the test open: it spent its share there and is not read. */
  carried?: boolean;
}

/**
 * The sequential p-value after these looks, capped at 1: exact boundaries when the looks are one
 * cumulative comparison, else the union bound (see the file comment; a continued test's own looks
 * always take it, and before its first one here it is 1). A look before MIN_PASS_SEEDS or
 * past `maxLooks` spends nothing, so it can never buy a rejection: 1 when only such looks were taken.
 * NaN (no look could be tested) when no look has a finite p.
 */
export function sequentialP(looks: readonly Look[], maxLooks: number, rho = SPENDING_RHO): number {
  if (looks.some((l) => l.carried)) {
    const own = looks.filter((l) => !l.carried);
    return own.some((l) => Number.isFinite(l.p)) ? unionBoundP(own, maxLooks, rho) : 1;
  }
  if (!looks.some((l) => Number.isFinite(l.p))) return NaN;
  const used = looks.filter((l) => lookShare(l.n, maxLooks, rho) > 0 && Number.isFinite(l.p));
  if (used.length === 0) return 1;
  const info = used.map((l) => (l.nBase && l.nBase > 0 ? 1 / (1 / l.n + 1 / l.nBase) : NaN));
  const canonical = used.every(
    (l, k) => !l.blocked && Number.isFinite(info[k]) && (k === 0 || info[k] > info[k - 1]),
  );
  if (!canonical) return unionBoundP(used, maxLooks, rho);
  return exactSequentialP(
    used.map((l) => l.p),
    info,
    used.map((l) => spentBy(l.n, maxLooks, rho)),
  );
}

/** The union bound's sequential p-value: min over looks of p / w_n (see the file comment). */
export function unionBoundP(looks: readonly Look[], maxLooks: number, rho = SPENDING_RHO): number {
  let best = Infinity;
  for (const l of looks) {
    const w = lookShare(l.n, maxLooks, rho);
    if (!Number.isFinite(l.p) || !(w > 0)) continue;
    best = Math.min(best, l.p / w);
  }
  return Number.isFinite(best) ? Math.min(1, best) : 1;
}
