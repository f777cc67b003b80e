/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), Optuna-style, over a search space's knobs.
 *
 * Why TPE and not a GP: the space mixes categorical switches (optimizer, norm, position, ...) with
 * log-scaled floats and ints; a session gives tens of observations, each noisy (seed noise is often as large
 * as the effects sought); and proposing must be cheap and never fail numerically. TPE handles categoricals
 * natively, needs no kernel hyperparameters to fit on 20 noisy points, only uses the *ranks* of the
 * objective (so noise and rung-to-rung scale differences bend it less than a GP's regression), and each
 * suggestion is O(candidates x observations x knobs). A GP would model interactions better, but with this
 * little data its fitted length-scales would be mostly noise.
 *
 * The sampler is stateless: `suggest` is a pure function of (observations, rng), so a researcher rebuilt on
 * resume, fed the same observations and the same seed, suggests the same points.
 */
import type { Knob } from '../config/search-space.ts';
import type { KnobValue } from './config-diff.ts';
import { estimator, type Estimator } from './parzen.ts';
import type { Rng } from './rng.ts';

export type Point = Record<string, KnobValue>;

/** One evaluated point; `value` is minimised. Infinity = failed/diverged (always in the bad group). */
export interface Observation {
  point: Point;
  value: number;
}

export interface TpeOptions {
  nStartup?: number; // random points before the model is used (Optuna: 10)
  gamma?: number; // share of observations in the good group
  maxGood?: number; // cap on the good group (Optuna: 25)
  nCandidates?: number; // draws from l(x) per suggestion (Optuna: 24)
  priorWeight?: number; // weight of the flat prior component (Optuna: 1)
}

export interface Suggestion {
  point: Point;
  random: boolean; // a startup point: no model behind it
  /** Kernel-regression estimate of the objective at `point` from the observations (not a TPE output). */
  predicted?: number;
  score?: number; // log l(x) - log g(x)
}

/**
 * gamma = 0.25 rather than Optuna's 10 %: with 12-40 noisy observations, 10 % is 1-4 points and l(x)
 * collapses onto whichever runs got lucky seeds; a quarter averages over more of them.
 */
export const TPE_DEFAULTS: Required<TpeOptions> = {
  nStartup: 10,
  gamma: 0.25,
  maxGood: 25,
  nCandidates: 24,
  priorWeight: 1,
};

/** Uniform (log-uniform for log knobs) draw of one knob. */
export function randomValue(knob: Knob, rng: Rng): KnobValue {
  if (knob.type === 'categorical') return knob.choices[rng.int(knob.choices.length)];
  const lo = knob.type === 'int' ? knob.low - 0.5 : knob.low;
  const hi = knob.type === 'int' ? knob.high + 0.5 : knob.high;
  let v = knob.log ? Math.exp(rng.uniform(Math.log(lo), Math.log(hi))) : rng.uniform(lo, hi);
  if (knob.type === 'int') v = Math.round(v);
  return Math.min(knob.high, Math.max(knob.low, v));
}

export class Tpe {
  readonly opts: Required<TpeOptions>;

  constructor(
    readonly knobs: Knob[],
    opts: TpeOptions = {},
  ) {
    this.opts = { ...TPE_DEFAULTS, ...opts };
  }

  randomPoint(rng: Rng): Point {
    return Object.fromEntries(this.knobs.map((k) => [k.path, randomValue(k, rng)]));
  }

  /**
   * The next point to evaluate. `repair` maps a raw draw to the point that would really run (rounding,
   * snapping) or undefined to reject it (invalid config, already tried); rejected draws are replaced.
   * Undefined when no acceptable point turned up.
   */
  suggest(
    observations: Observation[],
    rng: Rng,
    repair: (p: Point) => Point | undefined = (p) => p,
  ): Suggestion | undefined {
    const finite = observations.filter((o) => Number.isFinite(o.value));
    if (observations.length < this.opts.nStartup || finite.length === 0) {
      for (let tries = 0; tries < 50; tries++) {
        const p = repair(this.randomPoint(rng));
        if (p) return { point: p, random: true };
      }
      return undefined;
    }
    // Split: the lowest gamma-quantile is "good"; ties keep observation order, so the split is deterministic.
    const ranked = observations.map((o, i) => ({ o, i })).sort((a, b) => a.o.value - b.o.value || a.i - b.i);
    const nGood = Math.max(
      1,
      Math.min(finite.length, this.opts.maxGood, Math.ceil(this.opts.gamma * observations.length)),
    );
    const good = ranked.slice(0, nGood).map((r) => r.o);
    const bad = ranked.slice(nGood).map((r) => r.o);
    const fit = (obs: Observation[]) =>
      this.knobs.map((k) =>
        estimator(
          k,
          obs.map((o) => o.point[k.path]),
          this.opts.priorWeight,
        ),
      );
    const l = fit(good);
    const g = fit(bad);
    const logDensity = (est: Estimator[], p: Point) =>
      est.reduce((s, e, j) => s + e.logPdf(p[this.knobs[j].path]), 0);

    let best: { point: Point; score: number } | undefined;
    for (
      let tries = 0;
      tries < 4 * this.opts.nCandidates && (tries < this.opts.nCandidates || !best);
      tries++
    ) {
      const raw = Object.fromEntries(this.knobs.map((k, j) => [k.path, l[j].sample(rng)]));
      const p = repair(raw);
      if (!p) continue;
      const score = logDensity(l, p) - logDensity(g, p);
      if (!best || score > best.score) best = { point: p, score };
    }
    if (!best) return undefined;
    return { ...best, random: false, predicted: this.predict(finite, best.point) };
  }

  /**
   * Nadaraya-Watson estimate of the objective at `p`: observations weighted by the product of their
   * per-knob Parzen kernels (the bandwidths TPE uses). Honest about what it is: a local average of what
   * nearby points scored, dominated by the nearest ones.
   */
  predict(observations: Observation[], p: Point): number | undefined {
    const finite = observations.filter((o) => Number.isFinite(o.value));
    if (finite.length === 0) return undefined;
    const ests = this.knobs.map((k) =>
      estimator(
        k,
        finite.map((o) => o.point[k.path]),
        this.opts.priorWeight,
      ),
    );
    const logW = finite.map(() => 0);
    ests.forEach((e, j) => e.logKernels(p[this.knobs[j].path]).forEach((lk, i) => (logW[i] += lk)));
    const m = Math.max(...logW);
    const w = logW.map((x) => Math.exp(x - m));
    const total = w.reduce((a, b) => a + b, 0);
    return finite.reduce((s, o, i) => s + (w[i] / total) * o.value, 0);
  }
}
