/**
 * Assessing a curve: every rule's verdict (not only the first stop), the decision the rules make, and
 * whether that decision is ambiguous enough to ask the researcher (README "Research sessions": ambiguous
 * curves go to the researcher). Pure, like the rules.
 *
 * A stop is ambiguous when it comes from a rule that reads the curve's shape or its place in the
 * baseline band (spike, stall, lr-schedule, train-val-gap, cannot-catch-up, behind-baseline) and the run
 * is ahead on another signal at the same time:
 * - its latest eval is below the baseline band's mean (ahead on val bpb), or
 * - its recent train loss (median of the last 5 points) is below the baseline's train band, or
 * - its LR is well above the baseline's at the same tokens (ratio >= `lrAheadRatio`): a WSD run in its
 *   stable phase or a higher peak LR still has the decay ahead, where such runs win back a gap.
 * Certain rules (nan, divergence, eval-size) are never ambiguous: a NaN needs no second opinion.
 * A continue is never escalated: the researcher is asked only before a kill, never to start one.
 *
 * `watchStep` is the per-run state machine the engine (src/research/io/run-trial.ts) and the bench
 * (bench/curves/judge-replay.ts) share: a rule the researcher said to keep is muted for that run, a
 * flagged one waits for the next eval, and each run is asked about at most once (after the answer, the
 * rules decide alone).
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from './base.ts';
import { lossesIn, lrRatioToBaseline, progressFraction, round } from './curve.ts';
import { median } from '../stats/summary.ts';

export const CERTAIN_RULES: ReadonlySet<string> = new Set(['nan', 'divergence', 'eval-size']);

export type StopDecision = Extract<Decision, { action: 'stop' }>;

export interface RuleVerdict {
  rule: string;
  action: 'continue' | 'stop';
  message?: string;
  evidence?: Record<string, unknown>;
}

/** Where the run stands on the signals the rules do not all read. */
export interface CurveSignals {
  progress?: number; // fraction of the token budget done
  /** (latest val bpb - band mean) / band std; negative = ahead of the baseline. */
  evalZ?: number;
  evalVsBandMean?: number; // latest val bpb - band mean
  evalRel?: number; // (latest val bpb - band mean) / band mean
  /** recent train loss - train band mean; negative = ahead. */
  trainVsBandMean?: number;
  lrRatio?: number; // run lr / baseline lr at the same tokens
}

export interface Assessment {
  /** What the rules alone decide: the first stop in rule order, as `evaluate` returns. */
  decision: Decision;
  ambiguous: boolean;
  confidence: 'high' | 'low';
  /** Why the decision is ambiguous (empty when it is not). */
  reasons: string[];
  verdicts: RuleVerdict[];
  signals: CurveSignals;
}

export interface AssessOptions {
  lrAheadRatio?: number; // default 1.25 (the band rules' own "decay ahead" threshold)
  /** A run this close to the band (relative gap of its latest eval to the band mean) is "near". Default 0.05. */
  nearBandRel?: number;
}

/** The two band rules read the same gap two ways (observed now, extrapolated to the end): one may overrule the other. */
const BAND_PAIR: Record<string, string> = {
  'behind-baseline': 'cannot-catch-up',
  'cannot-catch-up': 'behind-baseline',
};

export function curveSignals(curve: Curve, reference: Reference | undefined): CurveSignals {
  const s: CurveSignals = {};
  const progress = progressFraction(curve);
  if (progress !== undefined) s.progress = round(progress, 3);
  const e = curve.eval.at(-1);
  const band = e && Number.isFinite(e.valBpb) ? reference?.evalBand(e.tokens) : undefined;
  if (e && band) {
    s.evalVsBandMean = round(e.valBpb - band.mean);
    s.evalRel = round((e.valBpb - band.mean) / band.mean, 3);
    if (band.std > 0) s.evalZ = round((e.valBpb - band.mean) / band.std, 3);
  }
  const last = curve.train.at(-1);
  const tband = last ? reference?.trainBand?.(last.tokens) : undefined;
  const recent = lossesIn(curve.train, curve.train.length - 5);
  if (tband && recent.length) s.trainVsBandMean = round(median(recent) - tband.mean);
  const lr = lrRatioToBaseline(curve, reference);
  if (lr !== undefined) s.lrRatio = round(lr, 3);
  return s;
}

export function assess(
  curve: Curve,
  reference: Reference | undefined,
  rules: readonly MonitorRule[],
  opts: AssessOptions = {},
): Assessment {
  const { lrAheadRatio = 1.25, nearBandRel = 0.05 } = opts;
  const verdicts: RuleVerdict[] = [];
  let decision: Decision = CONTINUE;
  for (const rule of rules) {
    const d = rule.check(curve, reference);
    if (d.action === 'stop') {
      verdicts.push({ rule: rule.name, action: 'stop', message: d.message, evidence: d.evidence });
      if (decision.action === 'continue') decision = d;
    } else verdicts.push({ rule: rule.name, action: 'continue' });
  }
  const signals = curveSignals(curve, reference);
  const reasons: string[] = [];
  const stops = verdicts.filter((v) => v.action === 'stop');
  if (decision.action === 'stop' && !stops.some((v) => CERTAIN_RULES.has(v.rule))) {
    const rule = decision.rule;
    const nearBand = signals.evalVsBandMean !== undefined && signals.evalRel! < nearBandRel;
    if (signals.evalVsBandMean !== undefined && signals.evalVsBandMean < 0)
      reasons.push(`${rule} says stop, but the latest eval is ahead of the baseline band's mean`);
    // a train loss below the baseline's is what train-val-gap itself reads (memorising): no counter-signal there
    if (rule !== 'train-val-gap' && signals.trainVsBandMean !== undefined && signals.trainVsBandMean < 0)
      reasons.push(`${rule} says stop, but the recent train loss is below the baseline's`);
    if (nearBand && signals.lrRatio !== undefined && signals.lrRatio >= lrAheadRatio)
      reasons.push(
        `${rule} says stop, but the run is within ${100 * nearBandRel} % of the band and its LR is ${signals.lrRatio}x the baseline's: its decay is still ahead`,
      );
    const other = BAND_PAIR[rule];
    if (nearBand && other && verdicts.some((v) => v.rule === other && v.action === 'continue'))
      reasons.push(
        `${rule} says stop but ${other} says continue, and the run is within ${100 * nearBandRel} % of the band`,
      );
  }
  const ambiguous = reasons.length > 0;
  return { decision, ambiguous, confidence: ambiguous ? 'low' : 'high', reasons, verdicts, signals };
}

/** What the researcher said about one run (after the engine checked it). */
export type CurveCall = 'keep' | 'kill' | 'flag';

/** Per-run memory of the escalation: rules the researcher said to keep, and whether it was asked. */
export interface WatchState {
  muted: Set<string>;
  asked: boolean;
  pending: boolean;
  /** A flagged rule waits for one more eval (the researcher wanted another look), then decides alone. */
  flagged?: { rule: string; evals: number };
}

export const newWatch = (): WatchState => ({ muted: new Set(), asked: false, pending: false });

export type WatchStep =
  | { kind: 'continue' }
  | { kind: 'stop'; decision: StopDecision; assessment: Assessment }
  | { kind: 'ask'; assessment: Assessment };

/**
 * One check of a live run. `canAsk`: a researcher that can judge curves is there and the session's ask
 * budget is not spent. While an ask is pending only certain rules may stop the run.
 */
export function watchStep(
  curve: Curve,
  reference: Reference | undefined,
  rules: readonly MonitorRule[],
  watch: WatchState,
  canAsk: boolean,
): WatchStep {
  const f = watch.flagged;
  const waiting = f && curve.eval.length <= f.evals ? f.rule : undefined;
  const live = rules.filter((r) => !watch.muted.has(r.name) && r.name !== waiting);
  const a = assess(curve, reference, live);
  if (a.decision.action !== 'stop') return { kind: 'continue' };
  if (watch.pending) {
    const certain = a.verdicts.find((v) => v.action === 'stop' && CERTAIN_RULES.has(v.rule));
    return certain
      ? {
          kind: 'stop',
          decision: {
            action: 'stop',
            rule: certain.rule,
            message: certain.message!,
            evidence: certain.evidence!,
          },
          assessment: a,
        }
      : { kind: 'continue' };
  }
  if (a.ambiguous && canAsk && !watch.asked) return { kind: 'ask', assessment: a };
  return { kind: 'stop', decision: a.decision, assessment: a };
}

/**
 * Adopt the researcher's answer: keep mutes the rule that fired for the rest of the run; flag holds it
 * until the run's next eval (`evals` = evals the curve has now), then the rules decide alone; every
 * answer ends the asking.
 */
export function applyCall(watch: WatchState, call: CurveCall | undefined, rule: string, evals = 0): void {
  watch.pending = false;
  watch.asked = true;
  if (call === 'keep') watch.muted.add(rule);
  if (call === 'flag') watch.flagged = { rule, evals };
}
