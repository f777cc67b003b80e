/**
 * Successive halving over budget rungs, and the compute it saves. Pure decisions; the scheduler acts.
 *
 * Rungs: budgets full/eta^(n-1), ..., full/eta, full (e.g. 1/9, 1/3, 1 with eta = 3, n = 3).
 * Synchronous successive halving (`promote`): once every run of a rung has finished, the best
 *   floor(n/eta) (at least 1) go on to the next rung.
 * Asynchronous (ASHA, Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning"):
 *   `ashaPromotable` is asked whenever a slot frees up; a run is promotable as soon as it is in the top
 *   floor(k/eta) of the k runs that have completed the rung so far and has not been promoted yet. No
 *   "at least 1": with fewer than eta results nothing is promotable, exactly as in the paper, so a slot
 *   starts a new bottom-rung run instead. Lower value = better (val bpb); non-finite values (a run that
 *   failed or was stopped by the monitor) rank last and are never promoted.
 */
import { FlywheelError } from '../errors.ts';

export interface RungResult {
  id: string;
  value: number; // goal metric at the end of the rung (val bpb; lower is better)
  rung: number;
}

/** Token budgets of the rungs, smallest first; the last is the full budget. */
export function makeRungs(fullBudgetTokens: number, eta = 3, nRungs = 3): number[] {
  if (!(fullBudgetTokens > 0) || !(eta > 1) || !(Number.isInteger(nRungs) && nRungs >= 1)) {
    throw new FlywheelError(
      'bad_input',
      `bad rungs: budget ${fullBudgetTokens} tokens, eta ${eta}, ${nRungs} rungs`,
    );
  }
  return Array.from({ length: nRungs }, (_, i) => Math.round(fullBudgetTokens / eta ** (nRungs - 1 - i)));
}

/** Synchronous successive halving: ids of the best floor(n/eta) (at least 1) results at `rung`. */
export function promote(results: readonly RungResult[], rung: number, eta = 3): string[] {
  const ranked = rank(results.filter((r) => r.rung === rung));
  const finite = ranked.filter((r) => Number.isFinite(r.value));
  if (finite.length === 0) return [];
  const k = Math.max(1, Math.floor(ranked.length / eta));
  return finite.slice(0, k).map((r) => r.id);
}

/** ASHA: ids (best first) in the top floor(k/eta) of the k completed at this rung, not yet promoted. */
export function ashaPromotable(
  completedAtRung: readonly { id: string; value: number }[],
  alreadyPromoted: ReadonlySet<string> | readonly string[],
  eta = 3,
): string[] {
  const promoted = new Set(alreadyPromoted);
  const k = Math.floor(completedAtRung.length / eta);
  return rank(completedAtRung)
    .slice(0, k)
    .filter((r) => Number.isFinite(r.value) && !promoted.has(r.id))
    .map((r) => r.id);
}

/** Best first; non-finite last; ties broken by id so the result never depends on input order. */
function rank<T extends { id: string; value: number }>(xs: readonly T[]): T[] {
  const key = (v: number) => (Number.isFinite(v) ? v : Infinity);
  return [...xs].sort((a, b) => key(a.value) - key(b.value) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ComputeRun {
  flopsUsed: number; // what the run actually consumed
  flopsFullBudget: number; // what it would have consumed running to the session's full (top-rung) budget
  /** Ended early: stopped by a monitor rule, or left behind at a lower rung. */
  stopped: boolean;
}

export interface ComputeAccount {
  usedFlops: number;
  savedFlops: number;
  /** savedFlops / (usedFlops + savedFlops), 0 when nothing ran. */
  savedShare: number;
}

/**
 * What early stopping saved, counted exactly so:
 * - used = sum of flopsUsed over ALL runs (completed, promoted, stopped, failed): every FLOP spent,
 *   including the lower-rung work of runs that were later promoted and restarted.
 * - saved = sum over stopped runs of max(0, flopsFullBudget - flopsUsed): what running each to the full
 *   budget would have cost on top. Completed runs save nothing; a run that was promoted is not "stopped"
 *   at its lower rung (its continuation is another entry, resumed or restarted).
 * - share = saved / (used + saved): the fraction of the "no early stopping" compute not spent.
 *   used + saved is the cost of running every stopped run to the end, plus any restart overhead ASHA paid.
 */
export function computeAccount(runs: readonly ComputeRun[]): ComputeAccount {
  let usedFlops = 0;
  let savedFlops = 0;
  for (const r of runs) {
    if (!(
      Number.isFinite(r.flopsUsed) &&
      r.flopsUsed >= 0 &&
      Number.isFinite(r.flopsFullBudget) &&
      r.flopsFullBudget >= 0
    )) {
      throw new FlywheelError(
        'bad_input',
        `bad compute record: used ${r.flopsUsed}, full ${r.flopsFullBudget} FLOPs`,
      );
    }
    usedFlops += r.flopsUsed;
    if (r.stopped) savedFlops += Math.max(0, r.flopsFullBudget - r.flopsUsed);
  }
  const total = usedFlops + savedFlops;
  return { usedFlops, savedFlops, savedShare: total > 0 ? savedFlops / total : 0 };
}

/** The share (0-1) of compute saved: `computeAccount(runs).savedShare` (see there for what is counted). */
export function computeSaved(runs: readonly ComputeRun[]): number {
  return computeAccount(runs).savedShare;
}
