/**
 * What earlier comparable runs say a config is worth (history.ts), combined with what a researcher
 * expects of it: a shrinkage estimate used to rank proposals by expected gain per FLOP.
 *
 * - Evidence: every stored point weighted by its similarity to the proposed config (1 for the same
 *   categorical value and the same number; a Gaussian in the knob's own scale, log for log knobs, with
 *   a tenth of its range as bandwidth; the product over knobs) times the runs behind it. `runs` is the
 *   sum of those weights: 3 seeds of exactly this config count 3, a run that differs in one knob by a
 *   whole bandwidth counts 0.6, a far point counts ~0.
 * - Estimate: the precision-weighted mean of the stated expectation (prior variance max(stated², σ²):
 *   a guess is about as uncertain as it is large, and never surer than one seed's noise) and the local
 *   mean of the evidence (variance σ²/runs), σ being the noise floor at those budgets. No evidence:
 *   the stated expectation unchanged; a few exact seeds: mostly what they measured.
 * - Failures (diverged, failed, stopped by the monitor) gain nothing: the estimate is scaled by the
 *   similarity-weighted share of runs that did not fail.
 */
import type { Knob } from '../config/search-space.ts';
import type { KnobValue } from './config-diff.ts';
import type { History } from './history.ts';
import { numericBounds, toInternal } from './parzen.ts';

export interface HistoryEffect {
  estimate: number; // expected change in val bpb (negative = better)
  stated: number;
  evidence?: { mean: number; runs: number; failedShare: number }; // undefined: no similar run
  sigma: number;
}

/** Similarity in [0, 1] of two points over `knobs`. */
export function similarity(
  a: Record<string, KnobValue>,
  b: Record<string, KnobValue>,
  knobs: readonly Knob[],
): number {
  let s = 1;
  for (const k of knobs) {
    const x = a[k.path];
    const y = b[k.path];
    if (k.type === 'categorical' || typeof x !== 'number' || typeof y !== 'number') {
      if (x !== y) return 0;
      continue;
    }
    const [lo, hi] = numericBounds(k);
    const bw = (hi - lo) / 10;
    const d = (toInternal(k, x) - toInternal(k, y)) / bw;
    s *= Math.exp(-0.5 * d * d);
    if (s < 1e-6) return 0;
  }
  return s;
}

/** The noise floor the history's reference seeds show (pooled), or `fallback`. */
export function historySigma(h: History, fallback: number): number {
  const refs = [...h.reference.values()].filter((r) => r.n >= 2 && r.std > 0);
  if (!refs.length) return fallback;
  const df = refs.reduce((a, r) => a + r.n - 1, 0);
  return Math.sqrt(refs.reduce((a, r) => a + (r.n - 1) * r.std ** 2, 0) / df);
}

/**
 * A stated expectation `stated` combined with a measurement `measured` of variance `variance` by
 * precision: the guess's prior variance is max(stated², `floor`) (about as uncertain as it is large,
 * never surer than `floor`).
 */
export function weighStated(stated: number, measured: number, variance: number, floor: number): number {
  const tau2 = Math.max(stated * stated, floor);
  return (stated / tau2 + measured / variance) / (1 / tau2 + 1 / variance);
}

export function historyEffect(
  point: Record<string, KnobValue>,
  stated: number,
  h: History,
  knobs: readonly Knob[],
  sigma: number,
): HistoryEffect {
  const e0 = Number.isFinite(stated) ? stated : 0;
  let w = 0;
  let wy = 0;
  let wFail = 0;
  for (const o of h.observations) {
    const s = similarity(point, o.point, knobs);
    if (s === 0) continue;
    if (Number.isFinite(o.value)) {
      w += s * o.n;
      wy += s * o.n * o.value;
    } else wFail += s * o.n;
  }
  if (w + wFail < 0.05) return { estimate: e0, stated: e0, sigma };
  const failedShare = wFail / (w + wFail);
  if (w === 0) return { estimate: 0, stated: e0, evidence: { mean: NaN, runs: wFail, failedShare }, sigma };
  const mean = wy / w;
  const s2 = sigma * sigma;
  const post = weighStated(e0, mean, s2 / w, s2);
  return {
    estimate: (1 - failedShare) * post,
    stated: e0,
    evidence: { mean, runs: w + wFail, failedShare },
    sigma,
  };
}
