/**
 * Train/val divergence: the train loss says the model is learning, the val loss says it is not. In
 * single-epoch pre-training the two track each other (every batch is unseen data), so a widening gap
 * means the model fits something the val set does not have: a loader repeating a small slice
 * (memorisation), targets leaking into the inputs (a label shift), train data that is not the val
 * distribution.
 *
 * At each eval: gap = valLoss - train loss there (median of the last `trainWindow` train points, in the
 * same nats). With a reference, the baseline's own gap at the same tokens is subtracted (val set and
 * train mixture differ a little; the baseline shows by how much):
 *   baseline gap = evalBand.mean x (valLoss / valBpb of this run) - trainBand.mean
 * Stop when the excess gap exceeds max(`gapAbs`, `gapRel` x valLoss) at each of the last `m` evals, grew
 * from the first to the last of them (still widening, not a one-off), and the val loss itself is rising:
 * the last is more than `riseRel` above the lowest so far. That last condition is the overfitting
 * signature and spares a run trained on a different data mixture, whose train loss sits apart from the
 * val loss while both still fall. A loss spike moves train and val together and leaves the gap alone.
 */
import { median } from '../../stats/summary.ts';
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from '../base.ts';
import { round } from '../curve.ts';

export interface TrainValGapParams {
  trainWindow: number; // default 8 train points
  gapAbs: number; // default 0.5 nats
  gapRel: number; // default 0.1 of the val loss
  m: number; // default 2 consecutive evals
  riseRel: number; // default 0.01: val loss 1 % above its lowest so far
}

export const DEFAULT_TRAIN_VAL_GAP_PARAMS: TrainValGapParams = {
  trainWindow: 8,
  gapAbs: 0.5,
  gapRel: 0.1,
  m: 2,
  riseRel: 0.01,
};

export function trainValGapRule(params: Partial<TrainValGapParams> = {}): MonitorRule {
  const p = { ...DEFAULT_TRAIN_VAL_GAP_PARAMS, ...params };
  return {
    name: 'train-val-gap',
    check(curve: Curve, reference?: Reference): Decision {
      if (curve.eval.length < p.m) return CONTINUE;
      const lowest = Math.min(...curve.eval.map((e) => e.valLoss).filter(Number.isFinite));
      const latest = curve.eval[curve.eval.length - 1].valLoss;
      if (!(latest > lowest * (1 + p.riseRel))) return CONTINUE;
      const rows = [];
      for (const e of curve.eval.slice(-p.m)) {
        const upTo = curve.train.filter((t) => t.tokens <= e.tokens).slice(-p.trainWindow);
        const losses = upTo.map((t) => t.loss).filter(Number.isFinite);
        if (losses.length < p.trainWindow || !Number.isFinite(e.valLoss) || !(e.valBpb > 0)) return CONTINUE;
        const train = median(losses);
        const gap = e.valLoss - train;
        let baseGap = 0;
        const band = reference?.evalBand(e.tokens);
        const trainBand = reference?.trainBand?.(e.tokens);
        if (band && trainBand) baseGap = band.mean * (e.valLoss / e.valBpb) - trainBand.mean;
        const excess = gap - baseGap;
        const threshold = Math.max(p.gapAbs, p.gapRel * e.valLoss);
        if (!(excess > threshold)) return CONTINUE;
        rows.push({
          step: e.step,
          tokens: e.tokens,
          valLoss: round(e.valLoss),
          trainLoss: round(train),
          gap: round(gap),
          baselineGap: round(baseGap),
          excess: round(excess),
          threshold: round(threshold),
        });
      }
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (rows.length > 1 && !(last.excess > first.excess)) return CONTINUE;
      return {
        action: 'stop',
        rule: 'train-val-gap',
        message: `val loss ${last.valLoss} vs train ${last.trainLoss}: gap ${last.gap} is ${last.excess} nats beyond the baseline's and widening (tokens ${last.tokens})`,
        evidence: { evals: rows, lowestValLoss: round(lowest), gapAbs: p.gapAbs, gapRel: p.gapRel },
      };
    },
  };
}
