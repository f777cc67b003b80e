/**
 * The only code that changes a session's state. Every transition takes the state and an input and
 * returns a new state plus the effects to carry out (core/effects.ts); `../effects.ts` carries them out
 * and persists. Transitions are pure: no store, no processes, no clock (time comes in as `now`).
 *
 * Copy-on-write: each transition first copies the state (`draft`) and changes only the copy, so a
 * state a caller holds never changes under it. The helpers of trial-steps.ts and conclude.ts mutate the
 * state they are given; they are called here only on a draft (and by their own unit tests).
 *
 * One file per stage (transitions/): context, session-life, runs, run-ended, concluded, proposals,
 * ablated (+ ablation-request, stop-request: the researcher's asks),
 * laddered (the size ladder: `ladderStarted` when it is due, then `laddered` for each of its runs),
 * early-seed (`earlySeeded`: a candidate's second seed on a slot that would stand idle).
 *
 * The transitions, in the order a session meets them (ARCHITECTURE.md "A session's data flow"):
 *   created -> started -> launched -> (curveAsked -> curveJudged)? -> monitorStopped? -> runEnded (-> concluded, stacked) -> promoted
 *   -> reviewed -> asked / admitted / rejected -> noted -> paused / unpaused -> finished -> ended;
 *   after a crash: runEnded (resumed) for runs that ended unseen, then resumed.
 */
export type { AdmittedCode, EngineContext, StopDecision } from './transitions/context.ts';
export { nextProposalId } from './transitions/context.ts';
export { created, ended, finished, noted, paused, resumed, unpaused } from './transitions/session-life.ts';
export {
  curveAsked,
  curveJudged,
  launched,
  MAX_CURVE_ASKS,
  monitorStopped,
  started,
} from './transitions/runs.ts';
export { runEnded, type RunEnd } from './transitions/run-ended.ts';
export { admitted, asked, promoted, rejected, reviewed } from './transitions/proposals.ts';
export { ablationRequested, MAX_ABLATION_ASKS } from './transitions/ablation-request.ts';
export { MAX_STOP_ASKS, RESEARCHER_STOP, stopRequested } from './transitions/stop-request.ts';
export { laddered, ladderStarted } from './transitions/laddered.ts';
export { earlySeeded } from './transitions/early-seed.ts';
