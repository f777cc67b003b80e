/** A candidate's second decision seed, queued while its first runs (core/early-seed.ts). See ../transitions.ts. */
import { queueEarlySeed } from '../early-seed.ts';
import { journal, type Step } from '../effects.ts';
import { nextWork } from '../scheduler.ts';
import { proposalOf, type SessionState, type TrialState } from '../state.ts';
import { type EngineContext, draftOf } from './context.ts';

/**
 * Queue the early seed, journaled; nothing when no candidate has one due, or when it could not start
 * now (`secondsLeft` to the deadline): a queued seed holds its candidate's verdict until it has run.
 */
export function earlySeeded(
  ctx: EngineContext,
  state: SessionState,
  input: { secondsLeft: number },
): Step & { trial?: TrialState } {
  const st = draftOf(state);
  const t = queueEarlySeed(st, ctx.spec);
  if (!t || nextWork(st, ctx.spec, input.secondsLeft)?.trial.id !== t.id) return { state, effects: [] };
  const p = proposalOf(st, t.proposalId);
  return {
    state: st,
    trial: t,
    effects: [
      journal(
        'schedule',
        `${p.id} ${p.title}: its second decision seed (${t.seed}) starts now, beside its first, on a slot that would stand idle (a pass needs two seeds)`,
        { proposalId: p.id, data: { trials: [t.id] } },
      ),
    ],
  };
}
