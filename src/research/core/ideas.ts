/**
 * Ideas across sessions: which keys count as tried (for dedup and refusal reasons), and the triage order
 * of a batch of proposals.
 */
import type { Proposal } from '../../researchers/base.ts';
import type { TriedIdea } from '../../store/base.ts';
import type { SessionState } from './state.ts';

/** The stored outcome of an idea a session admitted but never ran: not counted as tried. */
export const NOT_RUN = 'not-run';

/** Ideas tried in any session, as keys to refuse (ideas that never ran are left out). */
export function triedIdeas(ideas: TriedIdea[]): TriedIdea[] {
  return ideas.filter((i) => i.outcome !== NOT_RUN);
}

/** Keys of every idea tried (stored ideas of any session, and this session's proposals) -> where. */
export function triedKeys(state: SessionState, ideas: TriedIdea[]): Map<string, string> {
  const tried = new Map<string, string>();
  for (const i of triedIdeas(ideas)) tried.set(i.key, `${i.title}, session ${i.sessionId}`);
  for (const p of state.proposals) tried.set(p.key, `${p.title}, this session`);
  return tried;
}

/** Expected improvement per unit of compute: the triage order (most promising per FLOP first). */
export function gainPerFlop(p: Proposal): number {
  const cost = p.cost && p.cost > 0 ? p.cost : 1;
  return -(Number.isFinite(p.expectedEffect) ? p.expectedEffect : 0) / cost;
}
