/**
 * Stacking wins across a moving base. The session re-bases onto each confirmed config win judged
 * against the current base (core/rebase.ts), so most wins compound by construction: later proposals
 * are diffs on top of them. A win judged against an older base (it was admitted before the base moved)
 * has not been tried on top of the newer one, and changes interact (two LR-like moves can overshoot
 * together). So the engine proposes the carry-over itself: the current base plus that win's change,
 * run straight at the top rung (its part was screened already) and judged against the current base
 * like any other proposal, sequential looks and held-out confirmation included. If it wins, it becomes
 * the base; if not, the base stands.
 *
 * A win that sets a key the bases since its own base changed is an alternative, not an addition: no
 * carry-over. Code changes are not carried (their code is patched on the reference trainer, not on the
 * base's).
 */
import { canonicalJson, getPath } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import type { Proposal } from '../../researchers/base.ts';
import { baseOf, currentBase } from './base.ts';
import { STACK_SOURCE, stackParts } from './proposals.ts';
import { proposalOf, type ProposalState, type SessionState } from './state.ts';

/**
 * The keys of a config change that the bases since its own base changed (it cannot be carried), against
 * the current base or, to ask what a re-base onto it would drop, against `base`.
 */
export function clashWithBase(
  state: SessionState,
  p: ProposalState,
  base: TrainConfig = currentBase(state).config,
): string[] {
  if (p.change.kind !== 'config') return [];
  const own = proposalOf(state, baseOf(state, p.id)).config;
  return Object.keys(p.change.set).filter(
    (k) => canonicalJson(getPath(base, k)) !== canonicalJson(getPath(own, k)),
  );
}

/** The current base plus a confirmed win judged against an older base, or why there is none. */
export function carryOver(state: SessionState, win: ProposalState): Proposal | { reason: string } {
  if (win.change.kind !== 'config') return { reason: 'a code change is not carried onto another base' };
  const base = currentBase(state);
  const set = win.change.set;
  const clash = clashWithBase(state, win);
  if (clash.length)
    return { reason: `the base since changed ${clash.join(', ')}: an alternative, not an addition` };
  return {
    title: `Stack: ${[...new Set([...stackParts(base.proposal), ...stackParts(win)])].join(' + ')}`,
    hypothesis: `${win.id} is a confirmed win on ${baseOf(state, win.id)}; on top of the current base ${base.id} it should add ${(win.stats?.delta ?? 0).toFixed(3)} bpb unless they interact.`,
    change: { kind: 'config', set },
    expectedEffect: Number((win.stats?.delta ?? 0).toFixed(4)),
    source: STACK_SOURCE,
    tags: [base.id, win.id],
  };
}
