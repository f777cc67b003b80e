/**
 * NaN / Infinity in the train loss or an eval metric, or a NaN gradient norm. Certain: a non-finite loss means the weights or
 * the optimizer state are already poisoned (grad clipping cannot clip a NaN), so nothing after it is
 * worth computing. Scans the whole curve: comparisons are trivially cheap, and a run that recovered to
 * finite values after a NaN point is still broken. A NaN grad norm (a bad init: the loss is still finite,
 * the backward pass is not) poisons the weights at the next optimizer step. An infinite grad norm alone is
 * not a stop: under fp16 loss scaling it is a step the scaler skips.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../base.ts';

export interface NanParams {
  /** Also stop on a non-finite eval valLoss / valBpb (default true). */
  checkEval: boolean;
  /** Also stop on a NaN grad norm (default true). */
  checkGradNorm: boolean;
}

export const DEFAULT_NAN_PARAMS: NanParams = { checkEval: true, checkGradNorm: true };

export function nanRule(params: Partial<NanParams> = {}): MonitorRule {
  const p = { ...DEFAULT_NAN_PARAMS, ...params };
  return {
    name: 'nan',
    check(curve: Curve): Decision {
      const t = curve.train.find((x) => !Number.isFinite(x.loss));
      if (t)
        return stop(`loss=${t.loss} at step ${t.step}`, {
          step: t.step,
          tokens: t.tokens,
          loss: String(t.loss),
        });
      const g = p.checkGradNorm ? curve.train.find((x) => Number.isNaN(x.gradNorm)) : undefined;
      if (g)
        return stop(`gradNorm=NaN at step ${g.step} (loss ${g.loss})`, {
          step: g.step,
          tokens: g.tokens,
          gradNorm: 'NaN',
        });
      if (!p.checkEval) return CONTINUE;
      const e = curve.eval.find((x) => !Number.isFinite(x.valLoss) || !Number.isFinite(x.valBpb));
      if (e) {
        return stop(`eval valBpb=${e.valBpb} valLoss=${e.valLoss} at step ${e.step}`, {
          step: e.step,
          tokens: e.tokens,
          valLoss: String(e.valLoss),
          valBpb: String(e.valBpb),
        });
      }
      return CONTINUE;
    },
  };
}

function stop(message: string, evidence: Record<string, unknown>): Decision {
  return { action: 'stop', rule: 'nan', message, evidence };
}
