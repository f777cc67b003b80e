/**
 * The stored ideas a run's end needs for dedup: a run's end can confirm a win and so propose a new
 * stack of wins (core/stack.ts), which must be refused if any session ever tried that exact stack.
 * `runEnded` is pure, so it is first run on the current state without stored ideas to see which
 * proposals it would add; their keys are then looked up in the store (an indexed key lookup, any age),
 * and the real transition gets exactly those ideas, instead of the newest N.
 */
import type { Store, TriedIdea } from '../../store/base.ts';
import type { SessionState } from '../core/state.ts';
import { runEnded, type EngineContext, type RunEnd } from '../core/transitions.ts';

export async function ideasForRunEnd(
  store: Store,
  ctx: EngineContext,
  state: SessionState,
  end: Omit<RunEnd, 'ideas'>,
): Promise<TriedIdea[]> {
  const before = new Set(state.proposals.map((p) => p.id));
  const dry = runEnded(ctx, state, { ...end, ideas: [] });
  const keys = dry.state.proposals.filter((p) => !before.has(p.id)).map((p) => p.key);
  return keys.length ? store.listIdeas({ keys }) : [];
}
