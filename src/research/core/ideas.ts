/**
 * Ideas across sessions: which keys count as tried (for dedup and refusal reasons), and the triage order
 * of a batch of proposals.
 */
import type { Proposal } from '../../researchers/base.ts';
import type { TriedIdea } from '../../store/base.ts';
import type { SessionState } from './state.ts';

/** The stored outcome of an idea a session admitted but never ran: not counted as tried. */
export const NOT_RUN = 'not-run';

/**
 * The stored outcome of an idea that passed its decision test in a session that ended before its
 * held-out confirmation did: not counted as tried either, so a later session may propose it again.
 * Reopening adds no false win: the idea must pass its decision test again there before its
 * confirmation. On a deterministic trainer (the reference trainer on CPU) the same seeds repeat the
 * first pass and the confirmation is the one the first session would have run; with fresh draws a
 * change with no effect passes twice with chance at most alpha × alpha. Only a pass reopens an idea:
 * one merely ahead when the session ended stays tried. The next session on the same base carries it
 * with its runs instead (core/open-tests.ts `isCutOffPass`).
 */
export const UNCONFIRMED = 'unconfirmed';

/** Ideas tried in any session, as keys to refuse (ideas that never ran or await confirmation are left out). */
export function triedIdeas(ideas: TriedIdea[]): TriedIdea[] {
  return ideas.filter((i) => i.outcome !== NOT_RUN && i.outcome !== UNCONFIRMED);
}

/** Unconfirmed ideas (newest first, as stored) this session has not proposed yet: the digest's `reopened`. */
export function reopenedIdeas(
  state: SessionState,
  ideas: TriedIdea[],
  limit: number,
): Array<{ title: string; key: string }> {
  const here = new Set(state.proposals.map((p) => p.key));
  return ideas
    .filter((i) => i.outcome === UNCONFIRMED && !here.has(i.key))
    .slice(0, limit)
    .map((i) => ({ title: i.title, key: i.key }));
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
