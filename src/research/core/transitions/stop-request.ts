/**
 * The researcher asks the engine to stop one of this session's running trials (the `stop_run` tool).
 * See ../transitions.ts.
 *
 * Only a run of a candidate (explore, seeds or confirm trials of a proposal) that is running now in
 * this session; never a baseline run (it measures the noise), an ablation or other measurement run,
 * nor any other session's run. A stopped trial is a monitor-style kill: its proposal is concluded a
 * loss (run-ended.ts), never a missing seed, so stopping a candidate's bad seeds cannot make it a win.
 * At most MAX_STOP_ASKS asks a session (every ask counts; past the cap nothing is journaled).
 */
import { journal, type Step } from '../effects.ts';
import { isBaseId } from '../base.ts';
import { type SessionState, type TrialPurpose } from '../state.ts';
import { draftOf } from './context.ts';

/** stop_run calls per session, at most. */
export const MAX_STOP_ASKS = 6;
/** The rule name a researcher's stop is recorded under (trial stopRule, run stopRule). */
export const RESEARCHER_STOP = 'researcher';

const STOPPABLE: readonly TrialPurpose[] = ['explore', 'seeds', 'confirm'];

export function stopRequested(
  state: SessionState,
  input: { runId: string; reason: string; researcher: string; live: readonly string[] },
): Step & { trialId?: string; message: string } {
  const asks = state.stopAsks ?? 0;
  if (asks >= MAX_STOP_ASKS)
    return {
      state,
      effects: [],
      message: `refused: this session has had its ${MAX_STOP_ASKS} stop requests`,
    };
  const st = draftOf(state);
  st.stopAsks = asks + 1;
  const runId = String(input.runId).slice(0, 80);
  const reason = String(input.reason).slice(0, 400);
  const t = st.trials.find((x) => x.runIds[x.runIds.length - 1] === runId);
  const refusal = !t
    ? `run ${runId} is not a run of this session`
    : isBaseId(state, t.proposalId) || !STOPPABLE.includes(t.purpose)
      ? `run ${runId} is a ${isBaseId(state, t.proposalId) ? 'baseline' : t.purpose} run: only the engine stops it`
      : st.proposals.find((p) => p.id === t.proposalId)?.ablationOf
        ? `run ${runId} is an ablation run: only the engine stops it`
        : t.status !== 'running' || !input.live.includes(t.id)
          ? `run ${runId} is not running`
          : undefined;
  if (refusal || !t) {
    return {
      state: st,
      message: `refused: ${refusal}`,
      effects: [
        journal('note', `${input.researcher} asked to stop run ${runId}: refused: ${refusal}`, {
          data: { request: 'stop', runId, reason, refused: refusal },
        }),
      ],
    };
  }
  t.stopRule = RESEARCHER_STOP;
  t.note = `stopped at the researcher's request: ${reason}`;
  return {
    state: st,
    trialId: t.id,
    message: `stopping run ${runId}: ${t.proposalId} is concluded a loss (a stopped seed counts against it)`,
    effects: [
      journal('kill', `${t.proposalId} ${t.id} stopped by ${input.researcher}: ${reason}`, {
        proposalId: t.proposalId,
        runIds: [runId],
        data: { rule: RESEARCHER_STOP, reason, researcher: input.researcher },
      }),
    ],
  };
}
