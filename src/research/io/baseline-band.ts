/**
 * The baseline band at a rung for the behind-baseline monitor rule: the periodic evals of the baseline
 * seeds that finished that rung (final evals use a larger slice and are left out). A promoted WSD run's
 * curve starts at its checkpoint, so the stable part of the previous rung's run is prepended.
 * The seeds' train points (loss and lr) give the train-loss and LR bands, so the rules that compare a
 * run's LR with the baseline's (a WSD run in its stable phase, a higher peak LR) give it its extra room.
 * A re-based base with one run at the rung gives the band's level, and the newest base with two its
 * spread (core/base.ts `bandBases`, monitor/reference.ts `onLevel`).
 */
import type { TrainConfig } from '../../config/train-config.ts';
import { buildReference, onLevel, type Reference } from '../../monitor/index.ts';
import type { MetricPoint, Store } from '../../store/base.ts';
import { bandBases, baseRunsAt } from '../core/base.ts';
import type { SessionState, TrialState } from '../core/state.ts';

export async function baselineBand(
  store: Store,
  state: SessionState,
  base: TrainConfig,
  rung: number,
): Promise<Reference | undefined> {
  const { level, spread } = bandBases(state, rung);
  const trials = baseRunsAt(state, spread, rung);
  if (trials.length < 2) return undefined;
  const seeds = await Promise.all(trials.map((t) => curvesOf(store, t, base, rung)));
  const curves = { eval: seeds.map((s) => s.eval), train: seeds.map((s) => s.train) };
  if (level === spread) return buildReference(curves);
  const [one] = baseRunsAt(state, level, rung);
  return buildReference(onLevel(curves, await curvesOf(store, one, base, rung)));
}

/** One base trial's periodic evals and train points at a rung (a WSD rung with its stable part). */
async function curvesOf(store: Store, t: TrialState, base: TrainConfig, rung: number) {
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
  return { eval: pts, train };
}

function trainPoint(p: MetricPoint) {
  return { tokens: p.tokens, loss: p.loss, lr: p.lr };
}
