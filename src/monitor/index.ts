/**
 * The monitor: a fixed, ordered list of pure rules and `evaluate`, which asks them in order and returns
 * the first stop. Order is cheap and certain first, statistical last: nan, divergence, spike, stall,
 * eval-size, lr-schedule, train-val-gap, cannot-catch-up, behind-baseline. So a NaN run is recorded as
 * 'nan' rather than as whatever else it also trips. How well they read curves, against the anchors'
 * rules: `npx tsx bench/curves.ts` (BENCHMARKS.md "Reading loss curves").
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from './base.ts';
import { behindBaselineRule, type BehindBaselineParams } from './rules/behind-baseline.ts';
import { cannotCatchUpRule, type CannotCatchUpParams } from './rules/cannot-catch-up.ts';
import { divergenceRule, type DivergenceParams } from './rules/divergence.ts';
import { evalSizeRule, type EvalSizeParams } from './rules/eval-size.ts';
import { lrScheduleRule, type LrScheduleParams } from './rules/lr-schedule.ts';
import { nanRule, type NanParams } from './rules/nan.ts';
import { spikeRule, type SpikeParams } from './rules/spike.ts';
import { stallRule, type StallParams } from './rules/stall.ts';
import { trainValGapRule, type TrainValGapParams } from './rules/train-val-gap.ts';

export * from './base.ts';
export {
  buildReference,
  interpolate,
  onLevel,
  type BaselineCurves,
  type ReferenceOptions,
} from './reference.ts';
export { DEFAULT_BEHIND_BASELINE_PARAMS } from './rules/behind-baseline.ts';
export { DEFAULT_CANNOT_CATCH_UP_PARAMS } from './rules/cannot-catch-up.ts';
export { DEFAULT_DIVERGENCE_PARAMS } from './rules/divergence.ts';
export { DEFAULT_EVAL_SIZE_PARAMS } from './rules/eval-size.ts';
export { DEFAULT_LR_SCHEDULE_PARAMS } from './rules/lr-schedule.ts';
export { DEFAULT_NAN_PARAMS } from './rules/nan.ts';
export { DEFAULT_SPIKE_PARAMS } from './rules/spike.ts';
export { DEFAULT_STALL_PARAMS } from './rules/stall.ts';
export { DEFAULT_TRAIN_VAL_GAP_PARAMS } from './rules/train-val-gap.ts';
export {
  behindBaselineRule,
  cannotCatchUpRule,
  divergenceRule,
  evalSizeRule,
  lrScheduleRule,
  nanRule,
  spikeRule,
  stallRule,
  trainValGapRule,
};
export type {
  BehindBaselineParams,
  CannotCatchUpParams,
  DivergenceParams,
  EvalSizeParams,
  LrScheduleParams,
  NanParams,
  SpikeParams,
  StallParams,
  TrainValGapParams,
};

/** Per-rule overrides; `false` leaves a rule out. */
export interface MonitorParams {
  nan?: Partial<NanParams> | false;
  divergence?: Partial<DivergenceParams> | false;
  spike?: Partial<SpikeParams> | false;
  stall?: Partial<StallParams> | false;
  evalSize?: Partial<EvalSizeParams> | false;
  lrSchedule?: Partial<LrScheduleParams> | false;
  trainValGap?: Partial<TrainValGapParams> | false;
  cannotCatchUp?: Partial<CannotCatchUpParams> | false;
  behindBaseline?: Partial<BehindBaselineParams> | false;
}

export function defaultRules(params: MonitorParams = {}): MonitorRule[] {
  const rules: MonitorRule[] = [];
  if (params.nan !== false) rules.push(nanRule(params.nan));
  if (params.divergence !== false) rules.push(divergenceRule(params.divergence));
  if (params.spike !== false) rules.push(spikeRule(params.spike));
  if (params.stall !== false) rules.push(stallRule(params.stall));
  if (params.evalSize !== false) rules.push(evalSizeRule(params.evalSize));
  if (params.lrSchedule !== false) rules.push(lrScheduleRule(params.lrSchedule));
  if (params.trainValGap !== false) rules.push(trainValGapRule(params.trainValGap));
  if (params.cannotCatchUp !== false) rules.push(cannotCatchUpRule(params.cannotCatchUp));
  if (params.behindBaseline !== false) rules.push(behindBaselineRule(params.behindBaseline));
  return rules;
}

/** Ask each rule in order; the first stop wins. No rules, or all continue: continue. */
export function evaluate(
  curve: Curve,
  reference: Reference | undefined,
  rules: readonly MonitorRule[] = defaultRules(),
): Decision {
  for (const rule of rules) {
    const d = rule.check(curve, reference);
    if (d.action === 'stop') return d;
  }
  return CONTINUE;
}
