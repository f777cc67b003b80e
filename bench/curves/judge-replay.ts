/**
 * The policy "rules + researcher on ambiguous curves", replayed on the corpus: each run goes through
 * `watchStep` (src/monitor/assess.ts) point by point, as src/research/io/run-trial.ts does live; an
 * ambiguous stop is put to a researcher's `judgeCurve` with the same case the engine builds
 * (src/monitor/case.ts). The replay assumes the answer is back before the next check (live, a run goes
 * on training while the researcher thinks: a kill then lands a few points later).
 */
import { applyCall, newWatch, watchStep } from '../../src/monitor/assess.ts';
import type { MonitorRule } from '../../src/monitor/base.ts';
import { curveCase, type CurveCase } from '../../src/monitor/case.ts';
import { prefixAt } from '../../src/monitor/replay.ts';
import type { CurveJudgement } from '../../src/researchers/base.ts';
import type { Entry, Outcome } from './score.ts';

export type Judge = (c: CurveCase) => Promise<CurveJudgement | undefined>;

export interface Ask {
  id: string;
  label: Entry['label'];
  kind: string;
  rule: string;
  at: number; // fraction of the budget
  call: CurveJudgement['call'] | 'none';
  reason?: string;
}

export async function replayWithJudge(
  e: Entry,
  rules: readonly MonitorRule[],
  judge: Judge,
): Promise<{ outcome: Outcome; ask?: Ask }> {
  const watch = newWatch();
  const naturalTokens = e.curve.train.at(-1)?.tokens ?? 0;
  const base = {
    id: e.id,
    label: e.label,
    kind: e.kind,
    split: e.split,
    naturalTokens,
    budgetTokens: e.budgetTokens,
    humanKillTokens: e.humanKillTokens,
  };
  let ask: Ask | undefined;
  for (let i = 0; i < e.curve.train.length; i++) {
    const curve = prefixAt(e.curve, i);
    const tokens = e.curve.train[i].tokens;
    const step = watchStep(curve, e.reference, rules, watch, true);
    if (step.kind === 'continue') continue;
    const d = step.assessment.decision;
    if (d.action !== 'stop') continue;
    if (step.kind === 'ask') {
      const c = curveCase({
        runId: e.id,
        label: e.id,
        curve,
        reference: e.reference,
        assessment: step.assessment,
      });
      const j = await judge(c).catch(() => undefined);
      applyCall(watch, j?.call, d.rule, curve.eval.length);
      ask = {
        id: e.id,
        label: e.label,
        kind: e.kind,
        rule: d.rule,
        at: tokens / e.budgetTokens,
        call: j?.call ?? 'none',
        reason: j?.reason,
      };
      if (j && j.call !== 'kill') continue;
    }
    return {
      outcome: { ...base, killed: true, rule: d.rule, message: d.message, spentTokens: tokens },
      ask,
    };
  }
  return { outcome: { ...base, killed: false, spentTokens: naturalTokens }, ask };
}
