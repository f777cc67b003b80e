/**
 * The compute multiplier of a change (README, "Analysis"): how much more compute the baseline config
 * needs to reach the candidate's loss, divided by the compute the candidate spent. The baseline's L(C)
 * comes from compute-law.ts over ≥3 budgets of separate fully-decayed runs; compute is the trainer's own
 * FLOP count, so a change that costs more per token is charged for it. "worth 1.23× compute [1.15, 1.31]"
 * means the candidate reached, with C FLOPs, the loss the baseline would reach with 1.23·C.
 *
 * CI: percentile bootstrap over seeds. Baseline runs are resampled within their budget (the budgets are
 * the design, the seeds are the noise), the candidate's runs are resampled, and each resample refits the
 * baseline law and recomputes the multiplier.
 */
import { mulberry32, randInt } from '../stats/rng.ts';
import { computeFor, fitPrepared, prepareCompute, type ComputeLaw } from './compute-law.ts';
import { distinctLevels } from './levels.ts';
import { percentileCI } from './scaling-law.ts';

export interface CostedRun {
  id: string;
  flops: number;
  valBpb: number;
  /** Val tokens per domain its value was scored on, where known: runs scored on another slice are flagged. */
  evalTokensPerDomain?: number;
}

export interface Multiplier {
  ok: true;
  value: number; // Infinity when the candidate beats the baseline's fitted asymptote E
  ci95: [number, number];
  text: string; // "worth 1.23× compute [1.15, 1.31]"
  candidate: { n: number; flops: number; valBpb: number; runIds: string[] };
  baseline: {
    n: number;
    budgets: number[]; // distinct compute levels (FLOPs)
    law: ComputeLaw;
    neededFlops: number; // baseline compute to reach the candidate's loss
    runIds: string[];
  };
  resamples: number;
  warnings: string[];
}

export type MultiplierOutcome = Multiplier | { ok: false; missing: string };

export function computeMultiplier(
  baseline: readonly CostedRun[],
  candidate: readonly CostedRun[],
  opts: { resamples?: number; seed?: number } = {},
): MultiplierOutcome {
  const { resamples = 1000, seed = 0 } = opts;
  const base = baseline.filter(ok);
  const cand = candidate.filter(ok);
  const budgets = distinctLevels(base.map((r) => r.flops));
  const missing: string[] = [];
  if (budgets.length < 3)
    missing.push(`baseline runs at ≥3 compute budgets, fully decayed (have ${budgets.length})`);
  if (cand.length === 0) missing.push('≥1 completed candidate run');
  if (missing.length) return { ok: false, missing: `compute multiplier needs ${missing.join(' and ')}` };

  const level = (f: number) => budgets.findIndex((b) => f <= b * 1.05);
  const groups = budgets.map((_, i) =>
    base.map((r, j) => (level(r.flops) === i ? j : -1)).filter((j) => j >= 0),
  );
  const baseData = prepareCompute(base);
  const estimate = (bw: ArrayLike<number> | undefined, cw: ArrayLike<number> | undefined) => {
    const law = fitPrepared(baseData, bw);
    if (!law) return undefined;
    let f = 0;
    let l = 0;
    let n = 0;
    cand.forEach((r, i) => {
      const wi = cw ? cw[i] : 1;
      f += wi * r.flops;
      l += wi * r.valBpb;
      n += wi;
    });
    const needed = computeFor(law, l / n);
    return { law, flops: f / n, loss: l / n, needed, value: needed / (f / n) };
  };
  const point = estimate(undefined, undefined);
  if (!point) return { ok: false, missing: 'compute multiplier needs ≥2 baseline runs' };

  const rng = mulberry32(seed);
  const bw = new Float64Array(base.length);
  const cw = new Float64Array(cand.length);
  const draws: number[] = [];
  for (let r = 0; r < resamples; r++) {
    bw.fill(0);
    cw.fill(0);
    for (const g of groups) for (let k = 0; k < g.length; k++) bw[g[randInt(rng, g.length)]]++;
    for (let k = 0; k < cand.length; k++) cw[randInt(rng, cand.length)]++;
    const e = estimate(bw, cw);
    if (e) draws.push(e.value);
  }
  // Infinity sorts last and is kept: an upper bound of "unreachable" is honest
  const sorted = draws.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const ci95 = sorted.length >= 2 ? ciWithInf(sorted) : percentileCI([]);

  const warnings: string[] = [];
  const [cMin, cMax] = [budgets[0], budgets[budgets.length - 1]];
  if (!Number.isFinite(point.value))
    warnings.push(
      `the candidate's loss ${point.loss.toFixed(4)} is below the baseline's fitted asymptote E = ${point.law.E.toFixed(4)}: no baseline compute reaches it`,
    );
  else if (point.needed > cMax * 1.5 || point.needed < cMin / 1.5)
    warnings.push(
      `extrapolated: the baseline would need ${point.needed.toExponential(2)} FLOPs, outside its measured range [${cMin.toExponential(2)}, ${cMax.toExponential(2)}]`,
    );
  if (cand.length < 2) warnings.push('one candidate seed: the CI has no seed noise of the candidate in it');
  if (groups.every((g) => g.length < 2))
    warnings.push("one baseline seed per budget: the baseline fit's seed noise is not in the CI");
  if (budgets.length === 3)
    warnings.push('3 baseline budgets for 3 parameters: the fit interpolates exactly');
  const sizes = [...new Set([...base, ...cand].flatMap((r) => r.evalTokensPerDomain ?? []))].sort(
    (a, b) => a - b,
  );
  if (sizes.length > 1)
    warnings.push(
      `runs scored on different eval slices (${sizes.join(', ')} val tokens per domain): a smaller slice is another sample, whose level differs`,
    );

  return {
    ok: true,
    value: point.value,
    ci95,
    text: `worth ${fmtX(point.value)} compute [${fmtX(ci95[0], '')}, ${fmtX(ci95[1], '')}]`,
    candidate: { n: cand.length, flops: point.flops, valBpb: point.loss, runIds: cand.map((r) => r.id) },
    baseline: {
      n: base.length,
      budgets,
      law: point.law,
      neededFlops: point.needed,
      runIds: base.map((r) => r.id),
    },
    resamples: draws.length,
    warnings,
  };
}

const ok = (r: CostedRun) =>
  r.flops > 0 && Number.isFinite(r.flops) && r.valBpb > 0 && Number.isFinite(r.valBpb);

function ciWithInf(sorted: number[]): [number, number] {
  const q = (p: number) => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(sorted.length - 1, lo + 1);
    if (!Number.isFinite(sorted[hi]) || !Number.isFinite(sorted[lo])) return sorted[h - lo < 0.5 ? lo : hi];
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  };
  return [q(0.025), q(0.975)];
}

export function fmtX(x: number, suffix = '×'): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '?';
  return `${x.toFixed(x >= 10 ? 1 : 2)}${suffix}`;
}
