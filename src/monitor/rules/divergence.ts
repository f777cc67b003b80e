/**
 * Divergence: the loss went back above where it started.
 *
 * At initialisation every sensible model predicts roughly uniformly, so the first losses sit near
 * ln(vocab); any run that is learning drops below that within a few steps. Two tests, both on medians
 * so one bad batch decides nothing:
 *  - hard, any time: median(last `hardTailPoints`) > `factor` x start. 50 % above the uniform-prediction
 *    loss is never a phase of healthy training, warmup included (the trainer's own abort uses 3x on a
 *    single point; we are stricter because we look at a median). A median of 3 (2 of 3 points that high)
 *    rather than 5: an LR 50x too high blows up within 6-8 steps (bench/curves corpus), so a longer tail
 *    would only ever see the trainer's own abort.
 *  - soft, only after warmup: median(last `tailPoints`) > start x (1 + `margin`). Once the lr has peaked a
 *    healthy run is below its start; one back above it has undone all its progress. A run that has not
 *    learned *yet* (tiny lr) sits at the start, not above it: that is stall / behind-baseline's business.
 * start = median of the first `headPoints` finite losses. Without an lr trace (a foreign trainer) warmup is
 * taken to be over after `pointsIfNoLr` points.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../base.ts';
import { median } from '../../stats/summary.ts';
import { lossesIn, round, warmupEndIndex } from '../curve.ts';

export interface DivergenceParams {
  headPoints: number; // default 3
  tailPoints: number; // default 5 (soft test)
  hardTailPoints: number; // default 3 (hard test)
  factor: number; // default 1.5
  margin: number; // default 0.02 (2 % above start, after warmup)
  pointsIfNoLr: number; // default 20
}

export const DEFAULT_DIVERGENCE_PARAMS: DivergenceParams = {
  headPoints: 3,
  tailPoints: 5,
  hardTailPoints: 3,
  factor: 1.5,
  margin: 0.02,
  pointsIfNoLr: 20,
};

export function divergenceRule(params: Partial<DivergenceParams> = {}): MonitorRule {
  const p = { ...DEFAULT_DIVERGENCE_PARAMS, ...params };
  return {
    name: 'divergence',
    check(curve: Curve): Decision {
      const train = curve.train;
      const n = train.length;
      if (n < p.headPoints + Math.min(p.tailPoints, p.hardTailPoints)) return CONTINUE;
      const start = median(lossesIn(train, 0, p.headPoints));
      if (!Number.isFinite(start)) return CONTINUE; // NaN is nan's business
      const last = train[n - 1];
      const hardTail = lossesIn(train, n - p.hardTailPoints);
      const hard = median(hardTail);
      if (hardTail.length === p.hardTailPoints && hard > p.factor * start) {
        return stop(
          `loss median ${hard.toFixed(3)} > ${p.factor} x start ${start.toFixed(3)} at step ${last.step}`,
          {
            step: last.step,
            tokens: last.tokens,
            start: round(start),
            recentMedian: round(hard),
            threshold: round(p.factor * start),
            test: 'hard',
          },
        );
      }
      if (n < p.headPoints + p.tailPoints) return CONTINUE;
      const tail = lossesIn(train, n - p.tailPoints);
      if (tail.length < p.tailPoints) return CONTINUE;
      const recent = median(tail);
      const evidence = {
        step: last.step,
        tokens: last.tokens,
        start: round(start),
        recentMedian: round(recent),
      };
      const warm = warmupEndIndex(train) ?? p.pointsIfNoLr;
      // Soft test only once the whole tail lies after warmup.
      if (warm < n && n - p.tailPoints >= warm && recent > start * (1 + p.margin)) {
        return stop(
          `loss median ${recent.toFixed(3)} back above start ${start.toFixed(3)} after warmup, step ${last.step}`,
          {
            ...evidence,
            threshold: round(start * (1 + p.margin)),
            warmupEndStep: train[Math.min(warm, n - 1)].step,
            test: 'soft',
          },
        );
      }
      return CONTINUE;
    },
  };
}

function stop(message: string, evidence: Record<string, unknown>): Decision {
  return { action: 'stop', rule: 'divergence', message, evidence };
}
