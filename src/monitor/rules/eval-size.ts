/**
 * Eval too small to judge: an eval that scored fewer than `minTokensPerDomain` val tokens per domain.
 * Its val bpb is the loss on a fixed short prefix of each val set: a biased, noisy number (recorded: the
 * tiny preset scored on 128 tokens per domain ends 0.29 bpb away from the same run scored on 4096), so
 * neither the monitor's band comparisons nor a verdict built on it mean anything, and the compute spent
 * after it is wasted. The default floor, 256 tokens per domain, is the smallest periodic eval the research
 * engine itself schedules. Reads `evalTokensPerDomain` from the eval points; where a caller does not report
 * it, the rule says continue.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../base.ts';

export interface EvalSizeParams {
  minTokensPerDomain: number; // default 256
}

export const DEFAULT_EVAL_SIZE_PARAMS: EvalSizeParams = { minTokensPerDomain: 256 };

export function evalSizeRule(params: Partial<EvalSizeParams> = {}): MonitorRule {
  const p = { ...DEFAULT_EVAL_SIZE_PARAMS, ...params };
  return {
    name: 'eval-size',
    check(curve: Curve): Decision {
      const e = curve.eval.find(
        (x) => x.evalTokensPerDomain !== undefined && x.evalTokensPerDomain < p.minTokensPerDomain,
      );
      if (!e) return CONTINUE;
      return {
        action: 'stop',
        rule: 'eval-size',
        message: `eval at step ${e.step} scored ${e.evalTokensPerDomain} val tokens per domain < ${p.minTokensPerDomain}: its val bpb cannot be judged`,
        evidence: {
          step: e.step,
          tokens: e.tokens,
          evalTokensPerDomain: e.evalTokensPerDomain,
          minTokensPerDomain: p.minTokensPerDomain,
        },
      };
    },
  };
}
