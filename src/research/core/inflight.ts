/**
 * Candidates already on their way to a verdict, and what the scheduler keeps for them
 * (core/scheduler.ts `nextWork`; README "Research sessions", step 5).
 *
 * A candidate is *ahead* when it is active, at the top rung, judged against the current base, and its
 * last sequential look put it ahead of that base (or it has passed the decision test and its held-out
 * confirmation is scheduled). Two things follow, both found in bench/research-efficiency regime (a):
 *  - its remaining decision seeds and its confirmation are kept free (`inflightReserveRuns`): a
 *    screening follow-up there passed its decision test after 3 seeds (−0.0285, adjusted p 0.016) with
 *    the budget already spent elsewhere, and never got the held-out run that could have made it a win;
 *  - while it is *clearly* ahead (its last look's raw p below alpha, or confirming), explore trials of
 *    ideas it would supersede wait (`heldBy`): if it wins it becomes the base, and an idea judged against
 *    the old base on a knob it changes is then dropped (core/rebase.ts `dropSuperseded`). There, 5 TPE
 *    points admitted while the screen's last rows ended and its stack was judged were all dropped at
 *    the re-base, after 0.8 of the 24 full runs (most before the stack's first look, which no hold
 *    can know about). The hold is lifted when nothing else is in flight (the session's
 *    `reserve: false` pass), so it can never stall a session.
 * Neither changes what is judged or how: they only order and gate work.
 */
import { canonicalJson, getPath } from '../../config/resolve.ts';
import { baseOf, currentBase } from './base.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { BASELINE, proposalOf, type ProposalState, type SessionState, type TrialState } from './state.ts';

const open = (t: TrialState) => t.status === 'pending' || t.status === 'running';

/** Whether a proposal's held-out confirmation is scheduled and not yet over. */
function confirming(state: SessionState, id: string): boolean {
  return state.trials.some((t) => t.proposalId === id && t.purpose === 'confirm' && open(t));
}

/** Active candidates judged against the current base that were ahead of it at their last look. */
export function aheadCandidates(state: SessionState): ProposalState[] {
  const base = state.base ?? BASELINE; // currentBase's id, without needing the proposal
  return state.proposals.filter((p) => {
    if (p.id === BASELINE || p.id === base || p.status !== 'active' || p.study || p.ablationOf) return false;
    if (baseOf(state, p.id) !== base) return false;
    if (confirming(state, p.id)) return true;
    const last = p.looks?.[p.looks.length - 1]; // looks are taken at the top rung only
    return last !== undefined && last.delta < 0;
  });
}

/**
 * Full-budget runs the ahead candidates still need: up to `candidateSeeds` decision seeds each, then
 * the paired confirmation (the candidate, and its base on the same held-out seed). Runs already
 * pending or running count as needed, not as spent.
 */
export function inflightReserveRuns(state: SessionState, spec: SessionSpec): number {
  const top = topRung(spec);
  let runs = 0;
  for (const p of aheadCandidates(state)) {
    const done = (purpose: TrialState['purpose'][]) =>
      state.trials.filter(
        (t) =>
          t.proposalId === p.id &&
          purpose.includes(t.purpose) &&
          !open(t) &&
          Number.isFinite(t.results[String(top)]),
      ).length;
    const seedsLeft = confirming(state, p.id)
      ? 0
      : Math.max(0, spec.candidateSeeds - done(['explore', 'seeds']));
    const confirmLeft = done(['confirm']) > 0 ? 0 : 2 * spec.confirmSeeds;
    runs += seedsLeft + confirmLeft;
  }
  return runs;
}

/** The config keys a candidate changes against the current base. */
function changedKeys(state: SessionState, p: ProposalState): Set<string> {
  const base = currentBase(state).config;
  if (p.change.kind !== 'config') return new Set();
  return new Set(
    Object.keys(p.change.set).filter(
      (k) => canonicalJson(getPath(p.config, k)) !== canonicalJson(getPath(base, k)),
    ),
  );
}

/** Ahead candidates clearly on their way to becoming the base (raw look p < alpha, or confirming). */
export function likelyBases(state: SessionState, spec: SessionSpec): ProposalState[] {
  return aheadCandidates(state).filter((p) => {
    if (p.change.kind !== 'config') return false; // a code win does not move the base's config
    if (confirming(state, p.id)) return true;
    const last = p.looks?.[p.looks.length - 1];
    return last !== undefined && last.p < spec.alpha;
  });
}

/**
 * The likely base that would supersede this explore trial's idea (it sets a knob the candidate changes,
 * and both are judged against the current base), or undefined: the trial may run.
 */
export function heldBy(
  state: SessionState,
  likely: readonly ProposalState[],
  t: TrialState,
): ProposalState | undefined {
  if (t.purpose !== 'explore' || likely.length === 0) return undefined;
  const q = proposalOf(state, t.proposalId);
  if (q.change.kind !== 'config' || baseOf(state, q.id) !== currentBase(state).id) return undefined;
  const keys = Object.keys(q.change.set);
  return likely.find((w) => {
    if (w.id === q.id) return false;
    const changed = changedKeys(state, w);
    return keys.some((k) => changed.has(k));
  });
}
