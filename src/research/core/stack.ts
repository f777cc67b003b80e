/**
 * Stacking confirmed wins. Every proposal is an ablation from the session's base config, so two wins
 * found in one session are each judged alone; whether they add up is a separate question (changes
 * interact: two LR-like moves can overshoot together). Once two or more config wins are confirmed, the
 * engine proposes their combination itself, runs it straight at the top rung on the candidate seeds
 * (its parts were screened already) and judges it like any other proposal: decision test in the
 * session's family, then held-out confirmation. If it wins, it is the session's best and seeds the
 * next session; if not, the best single win stands.
 *
 * Parts are taken best first; a win that sets a key an earlier part already sets differently is left
 * out (it is an alternative, not an addition). A newer, larger stack replaces an older one that has not
 * started any run yet (transitions.ts).
 */
import { canonicalJson } from '../../config/resolve.ts';
import type { Proposal } from '../../researchers/base.ts';
import { confirmedWins } from './conclude.ts';
import { type ProposalState, type SessionState } from './state.ts';

export const STACK_SOURCE = 'stack';

/** The stack the confirmed config wins of a session make now (undefined: fewer than two compatible). */
export function stackProposal(state: SessionState): Proposal | undefined {
  const wins = confirmedWins(state).filter((p) => p.source !== STACK_SOURCE && p.change.kind === 'config');
  const set: Record<string, unknown> = {};
  const parts: ProposalState[] = [];
  for (const w of wins) {
    const s = w.change.kind === 'config' ? w.change.set : {};
    const clash = Object.entries(s).some(([k, v]) => k in set && canonicalJson(set[k]) !== canonicalJson(v));
    if (clash) continue;
    Object.assign(set, s);
    parts.push(w);
  }
  if (parts.length < 2) return undefined;
  const effect = parts.reduce((a, p) => a + (p.stats?.delta ?? 0), 0);
  return {
    title: `Stack: ${parts.map((p) => p.title).join(' + ')}`,
    hypothesis: `${parts.map((p) => p.id).join(', ')} are each confirmed wins on their own; together they should add up (${effect.toFixed(3)} bpb if independent) unless they interact.`,
    change: { kind: 'config', set },
    expectedEffect: Number(effect.toFixed(4)),
    source: STACK_SOURCE,
    tags: parts.map((p) => p.id),
  };
}
