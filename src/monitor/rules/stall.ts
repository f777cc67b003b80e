/**
 * Stall / plateau: the smoothed train loss has demonstrably stopped going down.
 *
 * Over the last `windowFrac` of the points so far (at least `minWindowPoints`, all after warmup), compare
 * the median of the window's first third with the median of its last third (m points each):
 *   improvement = median(first third) - median(last third)
 *   se          = 1.2533 sigma sqrt(2/m)   (standard error of a difference of two medians; sigma from
 *                                            first differences, so the trend does not inflate it)
 * Stalled when even an optimistic reading of the improvement is negligible:
 *   improvement + zNoise x se < relTol x loss level.
 * An upper confidence bound, not the point estimate: a noisy run whose improvement cannot be told from
 * zero is NOT stopped (with 48-step tiny runs the recorded baselines themselves flatten at the unigram
 * loss, improving ~0.2-0.5 % over their second half, and must survive). A quiet run that truly goes
 * nowhere (lr 1e-5: 0.07 % over half the run, sigma 0.004) is stopped. The price is low power on noisy
 * plateaus; behind-baseline and the ASHA rungs catch those.
 * Never during warmup, never before `minFraction` of the token budget (or, without a token budget,
 * before `minPointsIfNoBudget` points), since early plateaus (e.g. at the unigram loss) often break.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../base.ts';
import { median } from '../../stats/summary.ts';
import { diffNoise, lossesIn, progressFraction, round, warmupEndIndex } from '../curve.ts';

export interface StallParams {
  minFraction: number; // default 0.3 of the token budget
  minPointsIfNoBudget: number; // default 200
  windowFrac: number; // default 0.5 of the points so far
  minWindowPoints: number; // default 24
  zNoise: number; // default 2
  relTol: number; // default 0.002 (0.2 % of the loss level over the window)
}

export const DEFAULT_STALL_PARAMS: StallParams = {
  minFraction: 0.3,
  minPointsIfNoBudget: 200,
  windowFrac: 0.5,
  minWindowPoints: 24,
  zNoise: 2,
  relTol: 0.002,
};

export function stallRule(params: Partial<StallParams> = {}): MonitorRule {
  const p = { ...DEFAULT_STALL_PARAMS, ...params };
  return {
    name: 'stall',
    check(curve: Curve): Decision {
      const train = curve.train;
      const n = train.length;
      const frac = progressFraction(curve);
      if (frac === undefined ? n < p.minPointsIfNoBudget : frac < p.minFraction) return CONTINUE;
      const warm = warmupEndIndex(train) ?? 0;
      const w = Math.max(p.minWindowPoints, Math.ceil(p.windowFrac * n));
      if (n - w < warm) return CONTINUE; // the window would reach into warmup
      const xs = lossesIn(train, n - w);
      if (xs.length < p.minWindowPoints) return CONTINUE;
      const m = Math.floor(xs.length / 3);
      const before = median(xs.slice(0, m));
      const after = median(xs.slice(xs.length - m));
      const improvement = before - after;
      const sigma = diffNoise(xs);
      const se = 1.2533 * sigma * Math.sqrt(2 / m);
      const upper = improvement + p.zNoise * se;
      const relevant = p.relTol * Math.abs(after);
      if (!(upper < relevant)) return CONTINUE;
      const from = train[n - w];
      const last = train[n - 1];
      return {
        action: 'stop',
        rule: 'stall',
        message: `loss improved ${improvement.toFixed(4)} (+${p.zNoise} se = ${upper.toFixed(4)}) < ${relevant.toFixed(4)} over steps ${from.step}-${last.step}`,
        evidence: {
          fromStep: from.step,
          toStep: last.step,
          windowPoints: xs.length,
          medianBefore: round(before),
          medianAfter: round(after),
          improvement: round(improvement),
          noiseSigma: round(sigma),
          standardError: round(se),
          upperBound: round(upper),
          relevantImprovement: round(relevant),
          budgetFraction: frac === undefined ? null : round(frac, 3),
        },
      };
    },
  };
}
