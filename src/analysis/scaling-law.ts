/**
 * The scaling-law fit L(N, D) = E + A/N^α + B/D^β over one config family's fully-decayed runs (README,
 * "Analysis"), with percentile bootstrap CIs on every parameter, the compute-optimal N and D for a given
 * compute, and warnings whenever the data cannot pin the law down.
 *
 * L is final val bpb (tokenizer-invariant), N the trainer's parameter count, D training tokens. The
 * bootstrap resamples runs with replacement (Chinchilla / Epoch AI practice) and refits each resample by
 * Levenberg–Marquardt from the full-data optimum (huber-gn.ts); resamples left with fewer than two sizes or data amounts cannot fit
 * all five parameters and are skipped (counted in `skippedResamples`).
 */
import { mulberry32, randInt } from '../stats/rng.ts';
import { quantileSorted } from '../stats/summary.ts';
import { EXP_MAX, fitChinchilla, makeFitData, toParams, type LawParams } from './chinchilla-fit.ts';
import { computeOptimal } from './compute-optimal.ts';
import { refitHuberGN } from './huber-gn.ts';
import { distinctLevels } from './levels.ts';

export interface ScalingPoint {
  id: string;
  params: number; // N
  tokens: number; // D
  valBpb: number; // L
}

export interface Estimate {
  value: number;
  ci95: [number, number];
}

export interface OptimalAllocation {
  flops: number; // C, with C ≈ 6·N·D
  params: Estimate;
  tokens: Estimate;
}

export interface ScalingFit {
  ok: true;
  E: Estimate;
  A: Estimate;
  alpha: Estimate;
  B: Estimate;
  beta: Estimate;
  /** N_opt ∝ C^a and D_opt ∝ C^b with a = β/(α+β), b = α/(α+β). */
  paramsExponent: Estimate;
  tokensExponent: Estimate;
  optimal: OptimalAllocation[];
  n: number;
  sizes: number[]; // distinct N
  dataAmounts: number[]; // distinct D (within 5 %)
  runIds: string[];
  rmsLogResidual: number;
  converged: boolean;
  resamples: number;
  skippedResamples: number;
  warnings: string[];
}

export type ScalingOutcome = ScalingFit | { ok: false; missing: string };

export interface ScalingOptions {
  resamples?: number; // default 200
  seed?: number; // default 0
  starts?: number; // L-BFGS starts from the grid for the point fit (default 6)
  optimalAt?: number[]; // compute budgets (FLOPs) to report N_opt, D_opt for
}

const KEYS = ['E', 'A', 'alpha', 'B', 'beta'] as const;

export function fitScalingLaw(points: readonly ScalingPoint[], opts: ScalingOptions = {}): ScalingOutcome {
  const { resamples = 200, seed = 0, starts = 6, optimalAt = [] } = opts;
  const pts = points.filter((p) => p.params > 0 && p.tokens > 0 && p.valBpb > 0 && Number.isFinite(p.valBpb));
  const sizes = distinctLevels(pts.map((p) => p.params));
  const amounts = distinctLevels(pts.map((p) => p.tokens));
  const missing: string[] = [];
  if (sizes.length < 2) missing.push(`runs at ≥2 model sizes (have ${sizes.length})`);
  if (amounts.length < 2) missing.push(`runs at ≥2 token budgets (have ${amounts.length})`);
  if (pts.length < 5) missing.push(`≥5 fully-decayed runs for 5 parameters (have ${pts.length})`);
  if (missing.length) return { ok: false, missing: `scaling fit needs ${missing.join(', ')}` };

  const data = makeFitData(pts);
  const point = fitChinchilla(data, undefined, starts);

  // bootstrap: multinomial weights, warm-started from the point fit
  const rng = mulberry32(seed);
  const n = pts.length;
  const w = new Float64Array(n);
  const samples: LawParams[] = [];
  let skipped = 0;
  for (let r = 0; r < resamples; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[randInt(rng, n)]++;
    if (!spans(data.cellLogN, data.cell, w) || !spans(data.cellLogD, data.cell, w)) {
      skipped++;
      continue;
    }
    samples.push(toParams(refitHuberGN(data, w, point.theta).theta));
  }

  const est = (value: number, draws: number[]): Estimate => ({ value, ci95: percentileCI(draws) });
  const p = point.params;
  const fit = Object.fromEntries(
    KEYS.map((k) => [
      k,
      est(
        p[k],
        samples.map((s) => s[k]),
      ),
    ]),
  ) as Record<(typeof KEYS)[number], Estimate>;
  const aExp = (q: LawParams) => q.beta / (q.alpha + q.beta);
  const optimal = optimalAt.map((C) => {
    const o = computeOptimal(p, C);
    const draws = samples.map((s) => computeOptimal(s, C));
    return {
      flops: C,
      params: est(
        o.params,
        draws.map((d) => d.params),
      ),
      tokens: est(
        o.tokens,
        draws.map((d) => d.tokens),
      ),
    };
  });
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const c = data.cell[i];
    const pred =
      p.E + p.A * Math.exp(-p.alpha * data.cellLogN[c]) + p.B * Math.exp(-p.beta * data.cellLogD[c]);
    ss += (Math.log(pred) - data.logL[i]) ** 2;
  }
  const result: ScalingFit = {
    ok: true,
    ...fit,
    paramsExponent: est(aExp(p), samples.map(aExp)),
    tokensExponent: est(
      1 - aExp(p),
      samples.map((s) => 1 - aExp(s)),
    ),
    optimal,
    n,
    sizes,
    dataAmounts: amounts,
    runIds: pts.map((q) => q.id),
    rmsLogResidual: Math.sqrt(ss / n),
    converged: point.converged,
    resamples: samples.length,
    skippedResamples: skipped,
    warnings: [],
  };
  result.warnings = scalingWarnings(result);
  return result;
}

/** Why a fit should not be trusted, in words; empty when nothing is wrong that we can see. */
export function scalingWarnings(f: ScalingFit): string[] {
  const out: string[] = [];
  if (f.sizes.length < 3)
    out.push(`under-determined: only ${f.sizes.length} model sizes (≥3 needed to pin down α)`);
  if (f.dataAmounts.length < 3)
    out.push(`under-determined: only ${f.dataAmounts.length} token budgets (≥3 needed to pin down β)`);
  if (f.n < 10) out.push(`only ${f.n} runs for 5 parameters: the CIs rest on very few points`);
  for (const k of ['alpha', 'beta'] as const) {
    const v = f[k].value;
    if (v < 0.01 * EXP_MAX || v > 0.99 * EXP_MAX)
      out.push(`${k} = ${v.toPrecision(3)} is at its bound [0, ${EXP_MAX}]`);
  }
  // a term whose contribution at the data is negligible went to its bound 0 (e, a or b ran to -inf)
  const maxN = f.sizes[f.sizes.length - 1];
  const maxD = f.dataAmounts[f.dataAmounts.length - 1];
  const terms = {
    E: f.E.value,
    A: f.A.value * Math.pow(maxN, -f.alpha.value),
    B: f.B.value * Math.pow(maxD, -f.beta.value),
  };
  for (const [k, v] of Object.entries(terms)) {
    if (!(v > 1e-4)) out.push(`${k} went to its bound 0: that term is not supported by the data`);
  }
  for (const k of KEYS) {
    const [lo, hi] = f[k].ci95;
    if (!(hi - lo <= Math.abs(f[k].value)))
      out.push(`${k}: 95 % CI [${fmt(lo)}, ${fmt(hi)}] is wider than the value ${fmt(f[k].value)}`);
  }
  if (f.skippedResamples > 0.1 * (f.resamples + f.skippedResamples))
    out.push(`${f.skippedResamples} bootstrap resamples lacked 2 sizes or 2 budgets and were skipped`);
  if (!f.converged) out.push('the optimiser stopped before converging');
  return out;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

export function percentileCI(draws: number[]): [number, number] {
  const s = draws.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length < 2) return [NaN, NaN];
  return [quantileSorted(s, 0.025), quantileSorted(s, 0.975)];
}

/** Does the weighted sample still contain at least two distinct values (per cell) of `x`? */
function spans(x: Float64Array, cell: Int32Array, w: Float64Array): boolean {
  let first = NaN;
  for (let i = 0; i < cell.length; i++) {
    if (w[i] === 0) continue;
    const v = x[cell[i]];
    if (Number.isNaN(first)) first = v;
    else if (Math.abs(v - first) > 0.05) return true;
  }
  return false;
}
