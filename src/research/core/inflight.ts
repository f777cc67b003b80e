/**
 * Candidates already on their way to a verdict, and what the scheduler keeps for them
 * (core/scheduler.ts `nextWork`; README "Research sessions", step 5).
 *
 * A candidate is *ahead* when it is active, at the top rung, judged against the current base, and its
 * last sequential look put it ahead of that base (or it has passed the decision test and its held-out
 * confirmation is scheduled). Two things follow, both found in bench/research-efficiency regime (a):
 *  - its remaining decision seeds and its confirmation are kept free (`inflightOf`): a
 *    screening follow-up there passed its decision test after 3 seeds (−0.0285, adjusted p 0.016) with
 *    the budget already spent elsewhere, and never got the held-out run that could have made it a win;
 *  - a candidate sent straight to the full budget (a screened stack, a screen's follow-up, a win carried
 *    onto a new base) is on its way to a verdict from its first run, before any look: its seeds and
 *    confirmation are kept free from then on (`own`), though its own first seed still leaves what
 *    the ahead candidates need. Found in regime (a) of bench/research-efficiency: a follow-up
 *    admitted right after a re-base passed its decision test after 2 seeds (−0.0245, adjusted p
 *    0.037) and its held-out run measured −0.0252, while successive halving's first run of another
 *    idea and the new base's lower-rung seeds, started before its first look, had taken the full run
 *    the base's half of the confirmation needed; the session ended one re-base short;
 *  - while it is *clearly* ahead (its last look's raw p below alpha, or confirming), explore trials of
 *    ideas it would supersede wait (`heldBy`): if it wins it becomes the base, and an idea judged against
 *    the old base on a knob it changes is then dropped (core/rebase.ts `dropSuperseded`). There, 5 TPE
 *    points admitted while the screen's last rows ended and its stack was judged were all dropped at
 *    the re-base, after 0.8 of the 24 full runs (most before the stack's first look, which no hold
 *    can know about). The hold is lifted when nothing else is in flight (the session's
 *    `reserve: false` pass), so it can never stall a session.
 * Neither changes what is judged or how: they only order and gate work.
 */
import { baseConfirmTrials, baseOf, currentBase } from './base.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { clashWithBase } from './stack.ts';
import {
  BASELINE,
  DECISION_PURPOSES,
  proposalOf,
  valuesAt,
  type ProposalState,
  type SessionState,
  type TrialState,
} from './state.ts';

export interface Inflight {
  /** Active candidates judged against the current base that were ahead of it at their last look. */
  ahead: Set<string>;
  /**
   * Full-budget runs they still need, and those straight-to-top candidates not yet looked at need: up
   * to `candidateSeeds` decision seeds each, then the paired confirmation (the candidate, and its base
   * on the same held-out seed). Runs pending or running count as needed, not as spent.
   */
  runs: number;
  /** Of `runs`, what each straight-to-top candidate not yet looked at needs (its own trials leave the rest). */
  own: Map<string, number>;
  /** The ahead candidates clearly on their way to becoming the base (raw look p < alpha, or confirming). */
  likely: ProposalState[];
}

/** The session's ahead candidates, what they still need, and which are likely new bases. */
export function inflightOf(state: SessionState, spec: SessionSpec): Inflight {
  const base = state.base ?? BASELINE; // currentBase's id, without needing the proposal
  const top = topRung(spec);
  const out: Inflight = { ahead: new Set(), runs: 0, own: new Map(), likely: [] };
  for (const p of state.proposals) {
    if (p.id === BASELINE || p.id === base || p.status !== 'active' || p.study || p.ablationOf) continue;
    if (baseOf(state, p.id) !== base) continue;
    const confirming = state.trials.some(
      (t) =>
        t.proposalId === p.id &&
        t.purpose === 'confirm' &&
        (t.status === 'pending' || t.status === 'running'),
    );
    const last = p.looks?.[p.looks.length - 1]; // looks are taken at the top rung only
    const straight = last === undefined && !confirming && startedAtTop(state, p.id, top);
    if (!confirming && !straight && !(last !== undefined && last.delta < 0)) continue;
    // the values conclude.ts judges: decision seeds, then the held-out confirmation; once it is
    // scheduled, the runs it holds (one where it pairs with a base decision run: trial-steps.ts
    // `scheduleConfirmation`), before that a pair per seed
    const seeds = valuesAt(state, p.id, top, DECISION_PURPOSES).length;
    const confirmed = valuesAt(state, p.id, top, ['confirm']).length > 0;
    const need =
      (confirming ? 0 : Math.max(0, spec.candidateSeeds - seeds)) +
      (confirmed ? 0 : confirming ? confirmRunsLeft(state, p.id) : 2 * spec.confirmSeeds);
    out.runs += need;
    if (straight) {
      out.own.set(p.id, need);
      continue;
    }
    out.ahead.add(p.id);
    // a code win does not move the base's config
    if (p.change.kind === 'config' && (confirming || (last !== undefined && last.p < spec.alpha)))
      out.likely.push(p);
  }
  return out;
}

/** A confirming candidate's confirmation runs not yet ended: its own, and its base's half (base.ts). */
function confirmRunsLeft(state: SessionState, id: string): number {
  const mine = state.trials.filter((t) => t.proposalId === id && t.purpose === 'confirm');
  return [...mine, ...baseConfirmTrials(state, id)].filter(
    (t) => t.status === 'pending' || t.status === 'running',
  ).length;
}

/** Whether a candidate's first trial started at the top rung (sent straight to the full budget). */
function startedAtTop(state: SessionState, id: string, top: number): boolean {
  const first = state.trials.find((t) => t.proposalId === id);
  return first !== undefined && first.startRung === top && DECISION_PURPOSES.includes(first.purpose);
}

/**
 * The likely base that would supersede this explore trial's idea, or undefined: the trial may run.
 * Superseded is what a re-base onto it would drop (core/rebase.ts `dropSuperseded`): an idea judged
 * against the current base that sets a knob the candidate changes.
 */
export function heldBy(
  state: SessionState,
  likely: readonly ProposalState[],
  t: TrialState,
): ProposalState | undefined {
  if (t.purpose !== 'explore' || likely.length === 0) return undefined;
  const q = proposalOf(state, t.proposalId);
  if (baseOf(state, q.id) !== currentBase(state).id) return undefined;
  return likely.find((w) => w.id !== q.id && clashWithBase(state, q, w.config).length > 0);
}
