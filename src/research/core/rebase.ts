/**
 * Moving the base (core/base.ts) to a confirmed win. The winner's top-rung runs (its decision seeds and
 * its held-out confirmation) become the new base's seeds as they are: at the full budget a base needs
 * nothing more. Below the top, successive halving's force-promotion and the monitor's reference band
 * compare with the base at that rung, so the new base gets `LOWER_RUNG_SEEDS` values at every lower
 * rung: the winner's own screening runs count, and the few it lacks are added as base trials that climb
 * from rung 0 and stop below the top (`untilRung`), cheapest first (the scheduler runs base trials
 * first, lowest rung first). Until they finish, the band falls back to the previous base's (laxer).
 */
import { baseValues, baseValuesAt, currentBase } from './base.ts';
import { newTrial } from './scheduler.ts';
import { topRung, type SessionSpec } from './spec.ts';
import type { ProposalState, Rebase, SessionState, TrialState } from './state.ts';

/** Base values a lower rung needs (the band needs two curves; force-promotion one mean). */
export const LOWER_RUNG_SEEDS = 2;

/** Make `win` the session's base (on the draft): the history entry and the lower-rung trials it adds. */
export function rebaseTo(
  state: SessionState,
  spec: SessionSpec,
  win: ProposalState,
  now: string,
): { rebase: Rebase; fillers: TrialState[] } {
  const top = topRung(spec);
  const from = currentBase(state).id;
  const seedTrials = state.trials
    .filter((t) => t.proposalId === win.id && Number.isFinite(t.results[String(top)]))
    .map((t) => t.id);
  const s = win.stats;
  const rebase: Rebase = {
    from,
    to: win.id,
    at: now,
    evidence: {
      delta: s?.delta ?? NaN,
      ci95: s?.ci95 ?? [NaN, NaN],
      n: s?.n ?? 0,
      nBase: baseValues(state, spec, from).length,
      p: s?.adjustedP ?? s?.pValue ?? NaN,
    },
    seedTrials,
  };
  state.rebases = [...(state.rebases ?? []), rebase];
  state.base = win.id;
  let need = 0;
  for (let r = 0; r < top; r++)
    need = Math.max(need, LOWER_RUNG_SEEDS - baseValuesAt(state, win.id, r).length);
  const used = new Set(
    state.trials.filter((t) => t.proposalId === win.id && t.startRung < top).map((t) => t.seed),
  );
  const fillers: TrialState[] = [];
  for (let seed = spec.seedBase; fillers.length < need; seed++) {
    if (used.has(seed)) continue;
    const t = newTrial(state, win.id, seed, 'baseline', 0);
    t.untilRung = top - 1;
    t.note = `lower-rung seed of base ${win.id}`;
    fillers.push(t);
  }
  return { rebase, fillers };
}
