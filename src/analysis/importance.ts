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

/** The comparison group importance pools within: dataset folder, budget and trainer code. */
export function importanceGroup(r: AnalysisRun): string {
  const dir = r.config.data?.dir?.split(/[\\/]/).pop() ?? '';
  return `${dir}|${budgetKey(r.config.budget)}|${r.codeHash ?? ''}`;
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
    const key = importanceGroup(r);
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

  // knobs that vary within some group. A config's knobs depend only on what configHash covers
  // (src/config/resolve.ts: seed, budget and execution settings are out of both), so they are read
  // once per distinct config, and "varies within a group" is decided over distinct (group, config) pairs.
  const uOf = new Map<string, number>();
  const flat: Map<string, string | number | boolean>[] = [];
  const u = Int32Array.from(kept, (r) => {
    let k = uOf.get(r.configHash);
    if (k === undefined) {
      uOf.set(r.configHash, (k = flat.length));
      flat.push(flattenConfig(r.config));
    }
    return k;
  });
  const cellOf = new Map<string, [number, number]>(); // distinct (group, config)
  for (let i = 0; i < n; i++) cellOf.set(`${g[i]}:${u[i]}`, [g[i], u[i]]);
  const cells = [...cellOf.values()];
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  const knobs: { coded: CodedKnob; n: number }[] = [];
  for (const key of keys) {
    const uv = flat.map((f) => f.get(key));
    const first = new Map<number, string>();
    const varies = new Set<number>();
    for (const [gi, ui] of cells) {
      const s = String(uv[ui]);
      const f = first.get(gi);
      if (f === undefined) first.set(gi, s);
      else if (f !== s) varies.add(gi);
    }
    if (varies.size === 0) continue;
    const values = Array.from(u, (ui) => uv[ui]);
    knobs.push({ coded: codeKnob(key, values), n: g.filter((x) => varies.has(x)).length });
  }
  if (knobs.length === 0)
    return {
      ok: false,
      missing: `importance needs runs that differ in some knob; all ${n} comparable runs share one config`,
    };

  // Runs with the same levels of every knob are one pattern: each pass (point estimate or resample)
  // sums weights and y per pattern once, O(runs), and every knob's and pair's share is read off the
  // pattern table, O(patterns) each, instead of a pass over all runs per knob and pair.
  const pat = patterns(knobs.map((k) => k.coded.codes));
  const P = pat.codes[0]?.length ?? 0;
  const sw = new Float64Array(P);
  const sy = new Float64Array(P);
  const syy = new Float64Array(P);
  const tally = (i: number) => {
    const p = pat.of[i];
    sw[p]++;
    sy[p] += y[i];
    syy[p] += y[i] * y[i];
  };
  const clear = () => {
    sw.fill(0);
    sy.fill(0);
    syy.fill(0);
  };
  const table = { sw, sy, syy };
  const sizes = knobs.map((k) => k.coded.labels.length);
  const main = () => knobs.map((_, j) => explained(table, [pat.codes[j]], [sizes[j]]));
  clear();
  for (let i = 0; i < n; i++) tally(i);
  const point = main();
  const order = point
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .map(([, i]) => i);
  const top = order.slice(0, pairsOf);
  const pairs: [number, number][] = [];
  for (let a = 0; a < top.length; a++) for (let b = a + 1; b < top.length; b++) pairs.push([top[a], top[b]]);
  const inter = (mainShares: number[]) =>
    pairs.map(([a, b]) => {
      const joint = explained(table, [pat.codes[a], pat.codes[b]], [sizes[a], sizes[b]]);
      return Math.max(0, joint - mainShares[a] - mainShares[b]);
    });
  const pointInter = inter(point);

  // Percentile bootstrap over runs: each resample is n draws with replacement (multinomial weights),
  // tallied straight into the pattern table.
  const rng = mulberry32(seed);
  const drawsMain: number[][] = knobs.map(() => []);
  const drawsInter: number[][] = pairs.map(() => []);
  for (let r = 0; r < resamples; r++) {
    clear();
    for (let i = 0; i < n; i++) tally(randInt(rng, n));
    const m = main();
    m.forEach((v, i) => drawsMain[i].push(v));
    inter(m).forEach((v, i) => drawsInter[i].push(v));
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

/** Runs grouped by their joint levels: `of[i]` is run i's pattern, `codes[j][p]` knob j's level in pattern p. */
function patterns(codes: Int32Array[]): { of: Int32Array; codes: Int32Array[] } {
  const n = codes[0]?.length ?? 0;
  const index = new Map<string, number>();
  const of = new Int32Array(n);
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    let key = '';
    for (const c of codes) key += `${c[i]},`;
    let p = index.get(key);
    if (p === undefined) {
      index.set(key, (p = first.length));
      first.push(i);
    }
    of[i] = p;
  }
  return { of, codes: codes.map((c) => Int32Array.from(first, (i) => c[i])) };
}

/**
 * Bias-corrected share of the total sum of squares explained by the cell means of the joint levels
 * (ω²-style), from per-pattern sums of weight, w·y and w·y².
 */
function explained(
  t: { sw: Float64Array; sy: Float64Array; syy: Float64Array },
  codes: Int32Array[],
  sizes: number[],
): number {
  const cells = sizes.reduce((a, b) => a * b, 1);
  const cw = new Float64Array(cells);
  const cy = new Float64Array(cells);
  let wsum = 0;
  let ysum = 0;
  let yy = 0;
  for (let p = 0; p < t.sw.length; p++) {
    const w = t.sw[p];
    if (w === 0) continue;
    let c = codes[0][p];
    for (let k = 1; k < codes.length; k++) c = c * sizes[k] + codes[k][p];
    cw[c] += w;
    cy[c] += t.sy[p];
    wsum += w;
    ysum += t.sy[p];
    yy += t.syy[p];
  }
  const offset = (ysum * ysum) / wsum;
  const total = yy - offset;
  if (!(total > 0)) return 0;
  let between = -offset;
  let used = 0;
  for (let c = 0; c < cells; c++) {
    if (cw[c] === 0) continue;
    used++;
    between += (cy[c] * cy[c]) / cw[c];
  }
  const within = total - between;
  const dfWithin = wsum - used;
  const msWithin = dfWithin > 0 ? within / dfWithin : 0;
  return Math.max(0, (between - (used - 1) * msWithin) / total);
}

/** The budget as a group key: canonical JSON, short-cut for the usual one-field budgets. */
function budgetKey(b: AnalysisRun['config']['budget']): string {
  if (!b) return '';
  const ks = Object.keys(b);
  if (ks.length === 1) return `${ks[0]}=${String((b as Record<string, unknown>)[ks[0]])}`;
  return canonicalJson(b);
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
