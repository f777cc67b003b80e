/**
 * The researcher asks the engine to ablate a win (the `request_ablation` tool). See ../transitions.ts.
 *
 * The researcher only names a proposal; the engine decides the arms, seeds and budget (core/ablation.ts)
 * exactly as for the wins it ablates itself. Refused: anything that is not a confirmed multi-knob
 * config win of this session, a win already ablated, and asks past MAX_ABLATION_ASKS (every ask counts,
 * refused or not, so a flood costs nothing but its own refusals; past the cap nothing is journaled).
 */
import { ablatable } from '../ablation.ts';
import { journal, type Effect, type Step } from '../effects.ts';
import type { SessionState } from '../state.ts';
import { scheduleAblation } from './ablated.ts';
import { type EngineContext, draftOf } from './context.ts';

/** request_ablation calls per session, at most. */
export const MAX_ABLATION_ASKS = 4;

export function ablationRequested(
  ctx: EngineContext,
  state: SessionState,
  input: { proposalId: string; reason: string; researcher: string },
): Step & { ok: boolean; message: string } {
  const asks = state.ablationAsks ?? 0;
  if (asks >= MAX_ABLATION_ASKS)
    return {
      state,
      effects: [],
      ok: false,
      message: `refused: this session has had its ${MAX_ABLATION_ASKS} ablation requests`,
    };
  const st = draftOf(state);
  st.ablationAsks = asks + 1;
  const fx: Effect[] = [];
  const id = String(input.proposalId).slice(0, 40);
  const reason = String(input.reason).slice(0, 400);
  const p = st.proposals.find((x) => x.id === id);
  const refusal = p ? ablatable(st, p) : `no proposal "${id}" in this session`;
  if (refusal) {
    fx.push(
      journal('note', `${input.researcher} asked to ablate ${id}: refused: ${refusal}`, {
        data: { request: 'ablation', proposalId: id, reason, refused: refusal },
      }),
    );
    return { state: st, effects: fx, ok: false, message: `refused: ${refusal}` };
  }
  fx.push(
    journal('note', `${input.researcher} asked to ablate ${id} ${p!.title}: ${reason}`, {
      proposalId: id,
      data: { request: 'ablation', reason },
    }),
  );
  const study = scheduleAblation(ctx, st, fx, p!, input.researcher);
  if ('missing' in study) return { state: st, effects: fx, ok: false, message: `refused: ${study.missing}` };
  return {
    state: st,
    effects: fx,
    ok: true,
    message: `scheduled: ${study.arms.length} arm(s) on seeds ${study.seeds.join(', ')} for knobs ${study.knobs.join(', ')}${study.skipped.length ? ` (skipped: ${study.skipped.map((s) => s.key).join(', ')})` : ''}; the attribution comes back in the journal and the digest's findings`,
  };
}
