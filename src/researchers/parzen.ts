/**
 * Parzen estimators for TPE, one knob at a time (as Optuna's independent TPE sampler does).
 * Numeric knobs: a mixture of Gaussians truncated to the knob's range, one per observation plus a broad
 * prior component, in log space for log knobs and with ints treated as continuous then rounded.
 * Categorical knobs: smoothed choice frequencies.
 */
import type { Knob } from '../config/search-space.ts';
import type { KnobValue } from './config-diff.ts';
import type { Rng } from './rng.ts';

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** erf, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): plenty for normalising a kernel. */
function erf(x: number): number {
  const s = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-ax * ax);
  return s * y;
}
const cdf = (z: number) => 0.5 * (1 + erf(z / SQRT2));

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

/** The knob's numeric range in the space the estimator works in. */
export function numericBounds(knob: Knob): [number, number] {
  if (knob.type === 'categorical') throw new Error(`${knob.path} is categorical`);
  const lo = knob.type === 'int' ? knob.low - 0.5 : knob.low;
  const hi = knob.type === 'int' ? knob.high + 0.5 : knob.high;
  return knob.log ? [Math.log(Math.max(lo, 1e-12)), Math.log(hi)] : [lo, hi];
}

export function toInternal(knob: Knob, v: number): number {
  const [lo, hi] = numericBounds(knob);
  const x = knob.type !== 'categorical' && knob.log ? Math.log(Math.max(v, 1e-12)) : v;
  return Math.min(hi, Math.max(lo, x));
}

export function fromInternal(knob: Knob, x: number): number {
  if (knob.type === 'categorical') throw new Error(`${knob.path} is categorical`);
  const v = knob.log ? Math.exp(x) : x;
  return knob.type === 'int'
    ? Math.min(knob.high, Math.max(knob.low, Math.round(v)))
    : Math.min(knob.high, Math.max(knob.low, v));
}

export interface Estimator {
  logPdf(v: KnobValue): number;
  sample(rng: Rng): KnobValue;
  /** Log kernel of each observation (no prior) at v: for kernel regression of the objective. */
  logKernels(v: KnobValue): number[];
}

/**
 * Truncated-Gaussian mixture over observations `xs` (internal space). Bandwidth per point: the larger gap to
 * its sorted neighbours (the range ends bound the outermost), clipped to [range/min(100, n+1), range], as in
 * Optuna. The prior component sits at the middle of the range with the whole range as its width.
 */
export function numericEstimator(knob: Knob, values: number[], priorWeight: number): Estimator {
  const [lo, hi] = numericBounds(knob);
  const range = hi - lo;
  const obs = values.map((v) => toInternal(knob, v));
  const mus = [...obs, (lo + hi) / 2];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
  const sigmas = new Array<number>(mus.length);
  const minS = range / Math.min(100, mus.length + 1);
  order.forEach((idx, r) => {
    const left = r > 0 ? mus[order[r - 1]] : lo;
    const right = r < order.length - 1 ? mus[order[r + 1]] : hi;
    sigmas[idx] = Math.min(range, Math.max(minS, mus[idx] - left, right - mus[idx]));
  });
  sigmas[mus.length - 1] = range; // the prior
  const weights = [...obs.map(() => 1), priorWeight];
  const wSum = weights.reduce((a, b) => a + b, 0);
  const logZ = mus.map((mu, k) =>
    Math.log(Math.max(1e-300, cdf((hi - mu) / sigmas[k]) - cdf((lo - mu) / sigmas[k]))),
  );
  const logK = (x: number, k: number) =>
    -0.5 * ((x - mus[k]) / sigmas[k]) ** 2 - Math.log(sigmas[k]) - LOG_SQRT_2PI - logZ[k];
  return {
    logPdf: (v) => {
      const x = toInternal(knob, v as number);
      return logSumExp(mus.map((_, k) => Math.log(weights[k] / wSum) + logK(x, k)));
    },
    sample: (rng) => {
      const k = rng.choice(weights);
      for (let tries = 0; tries < 100; tries++) {
        const x = mus[k] + sigmas[k] * rng.normal();
        if (x >= lo && x <= hi) return fromInternal(knob, x);
      }
      return fromInternal(knob, Math.min(hi, Math.max(lo, mus[k])));
    },
    logKernels: (v) => {
      const x = toInternal(knob, v as number);
      return obs.map((_, k) => logK(x, k));
    },
  };
}

/** Smoothed frequencies: each observation adds 1 to its choice, the prior spreads `priorWeight` evenly. */
export function categoricalEstimator(
  knob: Knob & { type: 'categorical' },
  values: KnobValue[],
  priorWeight: number,
): Estimator {
  const K = knob.choices.length;
  const idx = (v: KnobValue) => knob.choices.findIndex((c) => c === v);
  const w = knob.choices.map(() => priorWeight / K);
  for (const v of values) if (idx(v) >= 0) w[idx(v)] += 1;
  const total = w.reduce((a, b) => a + b, 0);
  const same = Math.log(0.8);
  const other = Math.log(0.2 / Math.max(1, K - 1));
  return {
    logPdf: (v) => (idx(v) >= 0 ? Math.log(w[idx(v)] / total) : -Infinity),
    sample: (rng) => knob.choices[rng.choice(w)],
    logKernels: (v) => values.map((o) => (o === v ? same : other)),
  };
}

export function estimator(knob: Knob, values: KnobValue[], priorWeight: number): Estimator {
  return knob.type === 'categorical'
    ? categoricalEstimator(knob, values, priorWeight)
    : numericEstimator(knob, values as number[], priorWeight);
}
