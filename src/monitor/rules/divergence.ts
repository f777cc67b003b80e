/**
 * Divergence: the loss went back above where it started.
 *
 * At initialisation every sensible model predicts roughly uniformly, so the first losses sit near
 * ln(vocab); any run that is learning drops below that within a few steps. Two tests, both on medians
 * so one bad batch decides nothing:
 *  - hard, any time: median(last `tailPoints`) > `factor` x start. 50 % above the uniform-prediction loss
 *    is never a phase of healthy training, warmup included (the trainer's own abort uses 3x on a single
 *    point; we are stricter because we look at a median).
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
  tailPoints: number; // default 5
  factor: number; // default 1.5
  margin: number; // default 0.02 (2 % above start, after warmup)
  pointsIfNoLr: number; // default 20
}

export const DEFAULT_DIVERGENCE_PARAMS: DivergenceParams = {
  headPoints: 3,
  tailPoints: 5,
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
      if (n < p.headPoints + p.tailPoints) return CONTINUE;
      const start = median(lossesIn(train, 0, p.headPoints));
      const tail = lossesIn(train, n - p.tailPoints);
      if (tail.length < p.tailPoints || !Number.isFinite(start)) return CONTINUE; // NaN is nan's business
      const recent = median(tail);
      const last = train[n - 1];
      const evidence = {
        step: last.step,
        tokens: last.tokens,
        start: round(start),
        recentMedian: round(recent),
      };
      if (recent > p.factor * start) {
        return stop(
          `loss median ${recent.toFixed(3)} > ${p.factor} x start ${start.toFixed(3)} at step ${last.step}`,
          {
            ...evidence,
            threshold: round(p.factor * start),
            test: 'hard',
          },
        );
      }
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
