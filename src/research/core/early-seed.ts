/**
 * A candidate's second decision seed, started while its first is still running, on a slot that would
 * otherwise stand idle (README "Research sessions", step 5).
 *
 * A pass rests on two seeds at least (stats/sequential.ts `MIN_PASS_SEEDS`), so a candidate at the top
 * rung whose first seed is running needs the second one in every case but a futility stop. Run one
 * after the other, the two seeds take two full runs of wall time. Found in an 8-minute session: the
 * screened stack's two seeds ran back to back on one slot while the other was idle (every fresh idea
 * waits on the endgame reserve), the stack passed at 6 m 57 s, and in an earlier run of the same session
 * it passed at 7 m 14 s and its held-out confirmation no longer fitted.
 *
 * The early seed is the seed the sequential path would run next (`nextSeed`), so it changes when the
 * value arrives, not what is judged: the look after the first seed is still taken, and conclude.ts
 * decides once neither seed is running. The one thing it gives up is the futility stop after one seed,
 * which would have saved the second run: its compute is the idle slot's. The boundaries do not rest on
 * that stop (it is non-binding), so the false-win guarantee is unchanged.
 *
 * Only a session budgeted in wall time alone starts one: under a FLOPs budget an idle slot costs
 * nothing, and a second seed a futility stop would have saved is spent budget.
 */
import { baseOf, currentBase } from './base.ts';
import { nextSeed } from './next-seed.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { BASELINE, DECISION_PURPOSES, type SessionState, type TrialState } from './state.ts';
import { MIN_PASS_SEEDS } from '../../stats/sequential.ts';

/**
 * The candidate whose second decision seed may start now, or undefined: active, judged against the
 * current base, one decision trial running at the top rung, none finished or queued there, and no
 * confirmation. Proposal order decides between two.
 */
export function earlySeedCandidate(state: SessionState, spec: SessionSpec): string | undefined {
  if (spec.budgetFlops !== undefined || spec.maxSeeds < MIN_PASS_SEEDS) return undefined;
  const top = topRung(spec);
  const base = currentBase(state).id;
  for (const p of state.proposals) {
    if (p.id === BASELINE || p.id === base || p.status !== 'active' || p.study || p.ablationOf) continue;
    if (baseOf(state, p.id) !== base) continue;
    const mine = state.trials.filter((t) => t.proposalId === p.id);
    if (mine.some((t) => t.purpose === 'confirm')) continue;
    const atTop = mine.filter(
      (t) => DECISION_PURPOSES.includes(t.purpose) && t.rung === top && t.status !== 'cancelled',
    );
    if (atTop.length === 1 && atTop[0].status === 'running') return p.id;
  }
  return undefined;
}

/** Queue that candidate's next decision seed (on a draft); the trial, or undefined. */
export function queueEarlySeed(state: SessionState, spec: SessionSpec): TrialState | undefined {
  const id = earlySeedCandidate(state, spec);
  return id ? nextSeed(state, spec, id) : undefined;
}
