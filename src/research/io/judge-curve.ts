/**
 * Asking the researcher about an ambiguous curve (README "Research sessions"; src/monitor/assess.ts
 * says when a curve is ambiguous). The session first decides whether it may ask at all (`curveAsked`:
 * never about a baseline run, at most MAX_CURVE_ASKS a session); the case goes out redacted (it is run
 * output); the answer is checked (it must be about this run, with a known call) and journaled next to
 * the rules' evidence (`curveJudged`). The researcher is untrusted: its answer only decides this one
 * run's stop (io/run-trial.ts), never a verdict.
 */
import { errorLine } from '../../errors.ts';
import type { Assessment } from '../../monitor/assess.ts';
import type { CurveCase } from '../../monitor/case.ts';
import type { CurveJudgement } from '../../researchers/base.ts';
import { redactDeep } from '../../security/redact.ts';
import type { WorkItem } from '../core/scheduler.ts';
import { curveAsked, curveJudged } from '../core/transitions.ts';
import { researcherContext, sessionDigest } from './intake.ts';
import type { SessionPort } from './port.ts';

const CALLS = new Set(['keep', 'kill', 'flag']);

/** The checked answer, or undefined when the rules decide (no ask allowed, no answer, a refused one). */
export async function judgeCurve(
  s: SessionPort,
  c: CurveCase,
  a: Assessment,
  item: WorkItem,
): Promise<CurveJudgement | undefined> {
  const r = s.researcher;
  if (!r.judgeCurve || a.decision.action !== 'stop') return undefined;
  const rule = a.decision.rule;
  const ask = await s.apply((st) =>
    curveAsked(st, {
      trialId: item.trial.id,
      rung: item.rung,
      runId: c.runId,
      assessment: a,
      researcher: r.name,
    }),
  );
  if (!ask.allowed) return undefined;
  let j: CurveJudgement | undefined;
  let refused: string | undefined;
  try {
    const { digest } = await sessionDigest(s);
    j = await r.judgeCurve(redactDeep(c), digest, researcherContext(s));
  } catch (e) {
    refused = `its turn failed: ${errorLine(e)}`;
  }
  if (j && (j.runId !== c.runId || !CALLS.has(j.call) || typeof j.reason !== 'string')) {
    refused = `its answer was about run ${String(j.runId).slice(0, 80)}, not ${c.runId}, or not keep/kill/flag`;
    j = undefined;
  }
  const judgement = j ? { runId: j.runId, call: j.call, reason: j.reason.slice(0, 600) } : undefined;
  await s.apply((st) =>
    curveJudged(st, { trialId: item.trial.id, runId: c.runId, rule, researcher: r.name, judgement, refused }),
  );
  return judgement;
}
