/**
 * Compute accounting for a session, in training FLOPs.
 *
 * used  = FLOPs of every run the session started (each run counts only the FLOPs it computed itself:
 *         a resumed run does not re-count the tokens before its checkpoint).
 * saved = for every trial that was stopped before its full budget — by a monitor rule, or left behind
 *         at a lower rung of successive halving — the FLOPs it would still have needed to reach the full
 *         (top-rung) budget. Trials cut short because the session ran out of time are not savings.
 * computeSavedByMonitor = saved / (used + saved): the share of the compute that running every stopped
 *         trial to its full budget would have cost, which the stops avoided. 0..1.
 */
import { runCost } from './run-cost.ts';
import { proposalOf, type SessionState } from './state.ts';
import { topRung, type SessionSpec } from './spec.ts';

export interface ComputeAccount {
  usedFlops: number;
  savedFlops: number;
  savedShare: number;
  stoppedTrials: number; // trials ended early by a monitor rule or left behind
}

/** FLOPs a trial of this proposal needs for the full budget (top rung); FLOP-matched changes get the baseline's. */
export function fullTrialFlops(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
  baseFlopsPerToken: number,
): number {
  const p = proposalOf(state, proposalId);
  return spec.rungTokens[topRung(spec)] * baseFlopsPerToken * runCost(p.cost);
}

export function account(state: SessionState, spec: SessionSpec, baseFlopsPerToken: number): ComputeAccount {
  let saved = 0;
  let stopped = 0;
  for (const t of state.trials) {
    if (t.status !== 'left' && t.status !== 'killed') continue;
    if (t.purpose === 'ladder') continue; // a ladder run has no full budget to save against
    const full = fullTrialFlops(state, spec, t.proposalId, baseFlopsPerToken);
    saved += Math.max(0, full - t.flops);
    stopped++;
  }
  const used = state.flopsUsed;
  return {
    usedFlops: used,
    savedFlops: saved,
    savedShare: used + saved > 0 ? saved / (used + saved) : 0,
    stoppedTrials: stopped,
  };
}
