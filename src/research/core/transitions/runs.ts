/** A trial's run starting, getting its id, and the monitor's stops and curve asks. See ../transitions.ts. */
import type { Assessment } from '../../../monitor/assess.ts';
import type { CurveJudgement } from '../../../researchers/base.ts';
import { journal, type Step } from '../effects.ts';
import { BASELINE, type SessionState } from '../state.ts';
import { type StopDecision, draftOf, trialOf } from './context.ts';

// Runs

/** A trial took a slot. */
export function started(state: SessionState, input: { trialId: string }): Step {
  const st = draftOf(state);
  trialOf(st, input.trialId).status = 'running';
  return { state: st, effects: [] };
}

/** A trial's run has an id (its record exists): the trial keeps it as evidence. */
export function launched(state: SessionState, input: { trialId: string; runId: string }): Step {
  const st = draftOf(state);
  const t = trialOf(st, input.trialId);
  if (!t.runIds.includes(input.runId)) t.runIds.push(input.runId);
  return { state: st, effects: [] };
}

/** A monitor rule stopped a run (the run has not ended yet): the kill is journaled with its evidence. */
export function monitorStopped(
  state: SessionState,
  input: { trialId: string; rung: number; runId: string; decision: StopDecision },
): Step {
  const t = trialOf(state, input.trialId);
  const d = input.decision;
  return {
    state,
    effects: [
      journal('kill', `${t.proposalId} ${t.id} stopped by ${d.rule}: ${d.message}`, {
        proposalId: t.proposalId,
        runIds: [input.runId],
        data: { rule: d.rule, evidence: d.evidence, rung: input.rung },
      }),
    ],
  };
}

/** Ambiguous curves put to the researcher per session, at most (each ask is one short LLM turn). */
export const MAX_CURVE_ASKS = 8;

/**
 * The monitor's rules disagree about a run (src/monitor/assess.ts): may the researcher be asked? Not
 * about a baseline run (it measures the noise: only the certain rules stop it), and at most
 * MAX_CURVE_ASKS times a session; otherwise the ask is counted and journaled with the rules' evidence.
 */
export function curveAsked(
  state: SessionState,
  input: { trialId: string; rung: number; runId: string; assessment: Assessment; researcher: string },
): Step & { allowed: boolean } {
  const t = trialOf(state, input.trialId);
  const asks = state.curveAsks ?? 0;
  if (t.proposalId === BASELINE || t.purpose === 'baseline' || asks >= MAX_CURVE_ASKS)
    return { state, effects: [], allowed: false };
  const st = draftOf(state);
  st.curveAsks = asks + 1;
  const a = input.assessment;
  const rule = a.decision.action === 'stop' ? a.decision.rule : 'none';
  return {
    state: st,
    allowed: true,
    effects: [
      journal(
        'note',
        `${t.proposalId} ${t.id}: ${rule} would stop it, but ${a.reasons.join('; ')}: asking ${input.researcher} (ask ${asks + 1} of ${MAX_CURVE_ASKS})`,
        {
          proposalId: t.proposalId,
          runIds: [input.runId],
          data: { rung: input.rung, verdicts: a.verdicts, signals: a.signals, reasons: a.reasons },
        },
      ),
    ],
  };
}

/**
 * The researcher's call on an ambiguous curve, journaled next to the rule it overrules or confirms. No
 * answer (an offline researcher, a failed turn, an answer about another run) leaves it to the rules. A
 * kill is then carried out as a monitor stop (`monitorStopped` journals it with the researcher's reason
 * in its evidence); a keep mutes that rule for this run only, a flag holds it to the run's next eval;
 * neither changes anything else.
 */
export function curveJudged(
  state: SessionState,
  input: {
    trialId: string;
    runId: string;
    rule: string;
    researcher: string;
    judgement?: CurveJudgement;
    refused?: string; // why an answer was not taken
  },
): Step {
  const t = trialOf(state, input.trialId);
  const j = input.judgement;
  const title = j
    ? `${input.researcher} judged ${t.proposalId} ${t.id} (${input.rule} said stop): ${j.call}: ${j.reason}`
    : `${input.researcher} gave no call on ${t.proposalId} ${t.id}${input.refused ? ` (${input.refused})` : ''}: the rules decide (${input.rule} stops it)`;
  return {
    state,
    effects: [
      journal('note', title.slice(0, 400), {
        proposalId: t.proposalId,
        runIds: [input.runId],
        data: { rule: input.rule, call: j?.call ?? 'rules', reason: j?.reason, refused: input.refused },
      }),
    ],
  };
}
