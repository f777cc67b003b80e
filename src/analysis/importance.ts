/**
 * Which config knobs explain the variance of final val bpb across all comparable runs (README,
 * "Analysis"): a functional-ANOVA-style decomposition of the variance into first-order effects per knob
 * and pairwise interactions, estimated from the runs themselves.
 *
 * - Comparable: runs with a final val bpb at the same budget on the same dataset and trainer code
 *   (completed, or stopped at a successive-halving rung, which ends with its own final eval). Each such
 *   group's mean is subtracted, so sessions with different budgets pool into one analysis.
 * - Knob j's importance is the share of variance explained by the mean val bpb per level of j (a Sobol
 *   first-order index, estimated by a correlation ratio with the finite-sample bias removed, as ω² does:
 *   (SS_between − (levels − 1)·MS_within) / SS_total). A pair's interaction is the share the pair's joint
 *   levels explain beyond both first-order shares. Numbers are binned by quantile (4 levels).
 * - Uncertainty: percentile bootstrap over runs. `n`: the runs in groups where the knob actually varies.
 *
 * Caveat stated with the result: the runs are observational (a TPE or LLM chose them), so a knob that
 * always moved together with another shares its credit; ablation runs (issue "ablation") settle causes.
 */
import { canonicalJson } from '../config/resolve.ts';
import { mulberry32, randInt } from '../stats/rng.ts';
import { codeKnob, flattenConfig, type CodedKnob } from './knobs.ts';
import type { AnalysisRun } from './runs.ts';
import { percentileCI } from './scaling-law.ts';

export interface KnobImportance {
  key: string;
  importance: number; // share of the variance of (group-centred) val bpb, 0..1
  ci95: [number, number];
  n: number;
  levels: { label: string; n: number; meanDelta: number }[]; // mean val bpb vs the group mean, per level
}

export interface KnobInteraction {
  keys: [string, string];
  importance: number;
  ci95: [number, number];
  n: number;
}

export interface ImportanceReport {
  ok: true;
  n: number;
  groups: number;
  variance: number; // of group-centred val bpb
  knobs: KnobImportance[]; // by importance, largest first
  interactions: KnobInteraction[];
  resamples: number;
  warnings: string[];
}

export type ImportanceOutcome = ImportanceReport | { ok: false; missing: string };

const RUNG_STOP = /^reached the rung/;

export function comparable(r: AnalysisRun): boolean {
  return (
    r.valBpb !== undefined &&
    Number.isFinite(r.valBpb) &&
    (r.status === 'completed' || (r.status === 'stopped' && RUNG_STOP.test(r.statusReason ?? '')))
  );
}

export function knobImportance(
  all: readonly AnalysisRun[],
  opts: { resamples?: number; seed?: number; pairsOf?: number } = {},
): ImportanceOutcome {
  const { resamples = 200, seed = 0, pairsOf = 8 } = opts;
  // group, centre
  const groupOf = new Map<string, number>();
  const gidx: number[] = [];
  const runs: AnalysisRun[] = [];
  for (const r of all) {
    if (!comparable(r)) continue;
    const dir = r.config.data?.dir?.split(/[\\/]/).pop() ?? '';
    const key = `${dir}|${canonicalJson(r.config.budget)}|${r.codeHash ?? ''}`;
    if (!groupOf.has(key)) groupOf.set(key, groupOf.size);
    gidx.push(groupOf.get(key) as number);
    runs.push(r);
  }
  const G = groupOf.size;
  const gsum = new Float64Array(G);
  const gcnt = new Float64Array(G);
  runs.forEach((r, i) => {
    gsum[gidx[i]] += r.valBpb as number;
    gcnt[gidx[i]]++;
  });
  const keepRun = runs.map((_, i) => gcnt[gidx[i]] >= 2);
  const kept = runs.filter((_, i) => keepRun[i]);
  const g = gidx.filter((_, i) => keepRun[i]);
  const y = Float64Array.from(kept, (r, i) => (r.valBpb as number) - gsum[g[i]] / gcnt[g[i]]);
  const n = kept.length;
  if (n < 10)
    return {
      ok: false,
      missing: `importance needs ≥10 comparable runs (same dataset and budget, with a final val bpb); have ${n}`,
    };

  // knobs that vary within some group
  const flat = kept.map((r) => flattenConfig(r.config));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const knobs: { coded: CodedKnob; n: number }[] = [];
  for (const key of keys) {
    const values = flat.map((f) => f.get(key));
    const first = new Map<number, string>();
    const varies = new Set<number>();
    values.forEach((v, i) => {
      const s = String(v);
      const f = first.get(g[i]);
      if (f === undefined) first.set(g[i], s);
      else if (f !== s) varies.add(g[i]);
    });
    if (varies.size === 0) continue;
    knobs.push({ coded: codeKnob(key, values), n: g.filter((x) => varies.has(x)).length });
  }
  if (knobs.length === 0)
    return {
      ok: false,
      missing: `importance needs runs that differ in some knob; all ${n} comparable runs share one config`,
    };

  const main = (w: Float64Array | undefined) =>
    knobs.map((k) => explained(y, w, [k.coded.codes], [k.coded.labels.length]));
  const point = main(undefined);
  const order = point
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .map(([, i]) => i);
  const top = order.slice(0, pairsOf);
  const pairs: [number, number][] = [];
  for (let a = 0; a < top.length; a++) for (let b = a + 1; b < top.length; b++) pairs.push([top[a], top[b]]);
  const inter = (w: Float64Array | undefined, mainShares: number[]) =>
    pairs.map(([a, b]) => {
      const ka = knobs[a].coded;
      const kb = knobs[b].coded;
      const joint = explained(y, w, [ka.codes, kb.codes], [ka.labels.length, kb.labels.length]);
      return Math.max(0, joint - mainShares[a] - mainShares[b]);
    });
  const pointInter = inter(undefined, point);

  const rng = mulberry32(seed);
  const w = new Float64Array(n);
  const drawsMain: number[][] = knobs.map(() => []);
  const drawsInter: number[][] = pairs.map(() => []);
  for (let r = 0; r < resamples; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[randInt(rng, n)]++;
    const m = main(w);
    m.forEach((v, i) => drawsMain[i].push(v));
    inter(w, m).forEach((v, i) => drawsInter[i].push(v));
  }

  let variance = 0;
  for (let i = 0; i < n; i++) variance += (y[i] * y[i]) / n;
  const result: ImportanceReport = {
    ok: true,
    n,
    groups: new Set(g).size,
    variance,
    knobs: order.map((i) => ({
      key: knobs[i].coded.key,
      importance: point[i],
      ci95: percentileCI(drawsMain[i]),
      n: knobs[i].n,
      levels: levelMeans(y, knobs[i].coded),
    })),
    interactions: pairs
      .map(([a, b], i) => ({
        keys: [knobs[a].coded.key, knobs[b].coded.key] as [string, string],
        importance: pointInter[i],
        ci95: percentileCI(drawsInter[i]),
        n: Math.min(knobs[a].n, knobs[b].n),
      }))
      .sort((p, q) => q.importance - p.importance),
    resamples,
    warnings: [],
  };
  if (n < 50) result.warnings.push(`only ${n} comparable runs: importances are rough`);
  if (result.groups > 1)
    result.warnings.push(`${result.groups} groups (dataset x budget) pooled after centring each on its mean`);
  result.warnings.push('observational: knobs that moved together share credit; an ablation settles causes');
  return result;
}

/** Bias-corrected share of Σw·y² explained by the cell means of the joint levels (ω²-style). */
function explained(
  y: Float64Array,
  w: Float64Array | undefined,
  codes: Int32Array[],
  sizes: number[],
): number {
  const cells = sizes.reduce((a, b) => a * b, 1);
  const sw = new Float64Array(cells);
  const sy = new Float64Array(cells);
  let total = 0;
  let wsum = 0;
  let mean = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi === 0) continue;
    let c = codes[0][i];
    for (let k = 1; k < codes.length; k++) c = c * sizes[k] + codes[k][i];
    sw[c] += wi;
    sy[c] += wi * y[i];
    wsum += wi;
    mean += wi * y[i];
  }
  mean /= wsum;
  for (let i = 0; i < y.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi !== 0) total += wi * (y[i] - mean) ** 2;
  }
  if (!(total > 0)) return 0;
  let between = 0;
  let used = 0;
  for (let c = 0; c < cells; c++) {
    if (sw[c] === 0) continue;
    used++;
    between += sw[c] * (sy[c] / sw[c] - mean) ** 2;
  }
  const within = total - between;
  const dfWithin = wsum - used;
  const msWithin = dfWithin > 0 ? within / dfWithin : 0;
  return Math.max(0, (between - (used - 1) * msWithin) / total);
}

function levelMeans(y: Float64Array, k: CodedKnob) {
  const s = new Float64Array(k.labels.length);
  const c = new Float64Array(k.labels.length);
  for (let i = 0; i < y.length; i++) {
    s[k.codes[i]] += y[i];
    c[k.codes[i]]++;
  }
  return k.labels.map((label, l) => ({ label, n: c[l], meanDelta: c[l] ? s[l] / c[l] : NaN }));
}
