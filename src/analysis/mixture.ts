/**
 * Data-mixture study (README, "Data-mixture study"), RegMix-style (Liu et al. 2024, "RegMix: Data
 * Mixture as Regression for Language Model Pre-training"): from comparable runs that differ in their
 * domain weights (mixture-data.ts), fit a regression from the weights to each domain's val bpb and to
 * the overall val bpb (mixture-fit.ts: ridge on features of the weights, chosen by held-out error),
 * report each target's nested k-fold held-out error, and predict the best mixture: many Dirichlet
 * samples inside the range of weights the runs covered, scored by the overall model, and the mean of the
 * top-k (averaging keeps the prediction away from the model's noisiest corner, as RegMix does).
 *
 * Pure: runs in, report out. The prediction is a hypothesis; only real runs, judged like any change,
 * say whether it is better (the research engine proposes it as one).
 */
import { mulberry32, randNormal, type Rng } from '../stats/rng.ts';
import { mixtureData, mixtureId, type MixtureRun, type TrainTokensOf } from './mixture-data.ts';
import { designs, fitTarget, type HeldOut, type RidgeModel } from './mixture-fit.ts';

export interface MixtureReport {
  ok: true;
  runs: number; // points the regression rests on
  mixtures: number; // distinct mixtures among them
  domains: string[];
  group: string;
  predicted: {
    weights: Record<string, number>;
    valBpb: number; // the overall model's prediction at `weights`
    byDomain: Record<string, number>; // each domain model's prediction (when fitted)
  };
  heldOut: { valBpb: HeldOut; byDomain: Record<string, HeldOut> };
  /** The measured mixture with the lowest mean val bpb (over its seeds), for comparison. */
  bestObserved: { weights: Record<string, number>; valBpb: number; n: number; runIds: string[] };
  runIds: string[];
  candidates: number; // simplex samples scored
  topK: number;
  warnings: string[];
}

export type MixtureOutcome = MixtureReport | { ok: false; missing: string };

export interface MixtureOptions {
  trainTokensOf?: TrainTokensOf;
  /** Fit every domain's bpb too ('all', default), or only the overall val bpb (what a proposal needs). */
  targets?: 'all' | 'overall';
  candidates?: number; // simplex samples (default 20,000)
  topK?: number; // averaged (default 100)
  folds?: number; // default 5 (fewer when there are fewer mixtures)
  seed?: number;
}

/** Distinct mixtures a study needs: enough to hold some out and still fit (at least 5, about K + 1). */
export const minMixtures = (domains: number) => Math.max(5, Math.min(domains + 1, 10));

/** A Gamma(shape, 1) draw (Marsaglia-Tsang; shape < 1 by the boost u^(1/shape)). */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(Math.max(rng(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = randNormal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(Math.max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + Math.log(v)))
      return d * v;
  }
}

/** A Dirichlet draw with concentration `alpha` per component. */
export function dirichlet(rng: Rng, alpha: readonly number[]): number[] {
  const g = alpha.map((a) => gamma(rng, Math.max(a, 1e-3)));
  const s = g.reduce((a, b) => a + b, 0);
  return s > 0 ? g.map((x) => x / s) : alpha.map(() => 1 / alpha.length);
}

const named = (domains: readonly string[], w: readonly number[]) =>
  Object.fromEntries(domains.map((d, i) => [d, Number(w[i].toFixed(4))]));

export function mixtureStudy(runs: readonly MixtureRun[], o: MixtureOptions = {}): MixtureOutcome {
  const data = mixtureData(runs, o.trainTokensOf);
  if (!data || data.domains.length < 2)
    return {
      ok: false,
      missing:
        'a mixture study needs comparable runs (same dataset, model and budget, with a final val bpb per domain) on a dataset with at least 2 domains; none found',
    };
  const K = data.domains.length;
  const need = minMixtures(K);
  if (data.mixtures < need)
    return {
      ok: false,
      missing: `a mixture study over ${K} domains needs ≥${need} distinct mixtures of comparable runs (same dataset, model and budget, differing only in data.mixture.*); have ${data.mixtures} in ${data.points.length} runs`,
    };
  const pts = data.points;
  const X = pts.map((p) => p.weights);
  const groups = X.map(mixtureId);
  const folds = Math.max(2, Math.min(o.folds ?? 5, data.mixtures));
  const ds = designs(X, groups, folds); // shared by every target fitted on all points
  const overall = fitTarget(
    ds,
    pts.map((p) => p.valBpb),
  );
  const domainModels = new Map<string, { model: RidgeModel; heldOut: HeldOut }>();
  if ((o.targets ?? 'all') === 'all')
    data.domains.forEach((d, i) => {
      const have = pts.map((p, j) => [p.byDomain[i], j] as const).filter((e) => e[0] !== undefined);
      if (new Set(have.map(([, j]) => groups[j])).size < need) return;
      const sub =
        have.length === pts.length
          ? ds
          : designs(
              have.map(([, j]) => X[j]),
              have.map(([, j]) => groups[j]),
              folds,
            );
      domainModels.set(
        d,
        fitTarget(
          sub,
          have.map(([v]) => v as number),
        ),
      );
    });

  // search: Dirichlet samples around the runs' mixtures, kept inside the range each weight was seen at
  const lo = data.domains.map((_, i) => Math.min(...X.map((w) => w[i])));
  const hi = data.domains.map((_, i) => Math.max(...X.map((w) => w[i])));
  const centre = data.domains.map((_, i) => X.reduce((s, w) => s + w[i], 0) / X.length);
  const rng = mulberry32(o.seed ?? 7);
  const want = o.candidates ?? 20_000;
  const scored: { w: number[]; y: number }[] = [];
  for (let t = 0; t < want * 4 && scored.length < want; t++) {
    // concentrations from broad (0.5 K) to tight (16 K) around the centre, and the uniform simplex
    const conc = [0.5, 2, 8, 32][t % 4] * K;
    const w =
      t % 5 === 4
        ? dirichlet(
            rng,
            centre.map(() => 1),
          )
        : dirichlet(
            rng,
            centre.map((c) => c * conc),
          );
    if (w.some((x, i) => x < lo[i] - 1e-9 || x > hi[i] + 1e-9)) continue;
    scored.push({ w, y: overall.model.predict(w) });
  }
  for (const w of X) scored.push({ w, y: overall.model.predict(w) }); // the runs' own mixtures compete too
  scored.sort((a, b) => a.y - b.y);
  const topK = Math.min(o.topK ?? 100, scored.length);
  const top = scored.slice(0, topK);
  const mean = data.domains.map((_, i) => top.reduce((s, c) => s + c.w[i], 0) / topK);
  const sum = mean.reduce((a, b) => a + b, 0);
  const best = mean.map((x) => x / sum);

  // the best measured mixture (mean over its seeds)
  const byMix = new Map<string, { w: number[]; v: number[]; ids: string[] }>();
  pts.forEach((p, i) => {
    const e = byMix.get(groups[i]) ?? { w: p.weights, v: [], ids: [] };
    e.v.push(p.valBpb);
    e.ids.push(p.runId);
    byMix.set(groups[i], e);
  });
  const obs = [...byMix.values()]
    .map((e) => ({ ...e, m: e.v.reduce((a, b) => a + b, 0) / e.v.length }))
    .sort((a, b) => a.m - b.m)[0];

  const warnings: string[] = [];
  if (!(overall.heldOut.rmse < overall.heldOut.meanRmse))
    warnings.push(
      `the regression predicts held-out mixtures no better than their mean (RMSE ${overall.heldOut.rmse.toFixed(4)} vs ${overall.heldOut.meanRmse.toFixed(4)}): the mixtures tried move val bpb less than the noise, so the prediction is weak`,
    );
  if (data.skipped.length) warnings.push(`${data.skipped.length} run(s) left out: ${data.skipped[0]}`);
  if (data.otherGroups)
    warnings.push(
      `${data.otherGroups} other group(s) of comparable runs also vary the mixture; the largest was used`,
    );
  if (scored.length < want / 2)
    warnings.push(`only ${scored.length} simplex samples fell inside the weights' observed range`);
  return {
    ok: true,
    runs: pts.length,
    mixtures: data.mixtures,
    domains: data.domains,
    group: data.group,
    predicted: {
      weights: named(data.domains, best),
      valBpb: overall.model.predict(best),
      byDomain: Object.fromEntries([...domainModels].map(([d, m]) => [d, m.model.predict(best)])),
    },
    heldOut: {
      valBpb: overall.heldOut,
      byDomain: Object.fromEntries([...domainModels].map(([d, m]) => [d, m.heldOut])),
    },
    bestObserved: { weights: named(data.domains, obs.w), valBpb: obs.m, n: obs.v.length, runIds: obs.ids },
    runIds: pts.map((p) => p.runId),
    candidates: scored.length,
    topK,
    warnings,
  };
}
