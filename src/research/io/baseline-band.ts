/**
 * The baseline band at a rung for the behind-baseline monitor rule: the periodic evals of the baseline
 * seeds that finished that rung (final evals use a larger slice and are left out). A promoted WSD run's
 * curve starts at its checkpoint, so the stable part of the previous rung's run is prepended.
 * The seeds' train points (loss and lr) give the train-loss and LR bands, so the rules that compare a
 * run's LR with the baseline's (a WSD run in its stable phase, a higher peak LR) give it its extra room.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import { buildReference, type Reference } from '../../monitor/index.ts';
import type { MetricPoint, Store } from '../../store/base.ts';
import { bandBase, baseRunsAt } from '../core/base.ts';
import type { SessionState } from '../core/state.ts';

export async function baselineBand(
  store: Store,
  state: SessionState,
  base: TrainConfig,
  rung: number,
): Promise<Reference | undefined> {
  // the newest base with two runs at this rung (core/base.ts: an older base's band is laxer)
  const trials = baseRunsAt(state, bandBase(state, rung), rung);
  if (trials.length < 2) return undefined;
  const curves = [];
  const trains = [];
  for (const t of trials) {
    const m = await store.getMetrics(t.rungRuns[String(rung)]);
    const pts = m.eval.filter((p) => !p.final).map((p) => ({ tokens: p.tokens, valBpb: p.valBpb }));
    const train = m.train.map(trainPoint);
    if (rung > 0 && t.rungRuns[String(rung - 1)] && base.schedule.name === 'wsd') {
      const prev = await store.getMetrics(t.rungRuns[String(rung - 1)]);
      const cut = pts.length ? pts[0].tokens : Infinity;
      pts.unshift(
        ...prev.eval
          .filter((p) => p.tokens < cut && !p.final)
          .map((p) => ({ tokens: p.tokens, valBpb: p.valBpb })),
      );
      const trainCut = train.length ? train[0].tokens : Infinity;
      train.unshift(...prev.train.filter((p) => p.tokens < trainCut).map(trainPoint));
    }
    curves.push(pts);
    trains.push(train);
  }
  return buildReference({ eval: curves, train: trains });
}

function trainPoint(p: MetricPoint) {
  return { tokens: p.tokens, loss: p.loss, lr: p.lr };
}
