/**
 * The regression of a mixture study: domain weights -> a val bpb, RegMix-style (Liu et al. 2024) but
 * with a model small runs can support: ridge regression on features of the weights, the feature set and
 * the penalty chosen by k-fold held-out error. Folds hold out whole mixtures (every seed of a mixture on
 * the same side), so the held-out error is the error on a mixture never seen.
 *
 * Feature sets (w: normalised weights; log features use log(w + 0.01), so a zero weight is finite):
 *   linear       w_i
 *   log          log w_i                         (data-mixing laws: loss is smooth in log-proportions)
 *   log+linear   log w_i, w_i
 *   quadratic    w_i, w_i w_j                    (pairwise interactions)
 *   log+quad     log w_i, w_i, w_i w_j
 * Features are standardised on the training fold; the intercept is not penalised.
 */

export const FEATURE_SETS = ['linear', 'log', 'log+linear', 'quadratic', 'log+quad'] as const;
export type FeatureSet = (typeof FEATURE_SETS)[number];
export const LAMBDAS = [1e-4, 1e-3, 1e-2, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

const EPS = 0.01;

export function features(w: readonly number[], set: FeatureSet): number[] {
  const out: number[] = [];
  if (set === 'log' || set === 'log+linear' || set === 'log+quad')
    for (const x of w) out.push(Math.log(x + EPS));
  if (set !== 'log') for (const x of w) out.push(x);
  if (set === 'quadratic' || set === 'log+quad')
    for (let i = 0; i < w.length; i++) for (let j = i + 1; j < w.length; j++) out.push(w[i] * w[j]);
  return out;
}

/** A fitted ridge model: predict(w) in the target's units. */
export interface RidgeModel {
  set: FeatureSet;
  lambda: number;
  predict(w: readonly number[]): number;
}

/** Solve A x = b for a symmetric positive definite A (Cholesky); A is p x p, row-major. */
function solveSpd(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / L[j * p + j];
    }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * y[k];
    y[i] = s / L[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k];
    x[i] = s / L[i * p + i];
  }
  return x;
}

/** Ridge fit of y on features(X, set) with penalty lambda on the standardised features. */
export function fitRidge(
  X: readonly number[][],
  y: readonly number[],
  set: FeatureSet,
  lambda: number,
): RidgeModel {
  const F = X.map((w) => features(w, set));
  const n = F.length;
  const p = F[0]?.length ?? 0;
  const mu = new Float64Array(p);
  const sd = new Float64Array(p);
  for (const f of F) for (let j = 0; j < p; j++) mu[j] += f[j] / n;
  for (const f of F) for (let j = 0; j < p; j++) sd[j] += (f[j] - mu[j]) ** 2 / n;
  for (let j = 0; j < p; j++) sd[j] = sd[j] > 1e-18 ? Math.sqrt(sd[j]) : 0; // a constant feature drops out
  const ym = y.reduce((a, b) => a + b, 0) / n;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    const z = F[r].map((v, j) => (sd[j] ? (v - mu[j]) / sd[j] : 0));
    for (let i = 0; i < p; i++) {
      b[i] += z[i] * (y[r] - ym);
      for (let j = 0; j < p; j++) A[i * p + j] += z[i] * z[j];
    }
  }
  for (let i = 0; i < p; i++) A[i * p + i] += lambda * n + (sd[i] ? 0 : 1);
  const beta = p ? solveSpd(A, b, p) : new Float64Array(0);
  return {
    set,
    lambda,
    predict(w) {
      const f = features(w, set);
      let s = ym;
      for (let j = 0; j < p; j++) if (sd[j]) s += (beta[j] * (f[j] - mu[j])) / sd[j];
      return s;
    },
  };
}

/** Spearman rank correlation (average ranks for ties); NaN when either side is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (v: readonly number[]) => {
    const idx = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1][0] === idx[i][0]) j++;
      for (let k = i; k <= j; k++) r[idx[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) ** 2;
    db += (rb[i] - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : Number.NaN;
}

/** Held-out error of one target's regression. */
export interface HeldOut {
  rmse: number; // root mean squared error of held-out predictions (bpb)
  spearman: number; // rank correlation of held-out predictions with the measured values (NaN: undefined)
  meanRmse: number; // the same for predicting the training folds' mean: the bar the regression must beat
  folds: number;
  set: FeatureSet; // chosen
  lambda: number; // chosen
}

/** Fold of each point: whole mixtures (by `groups`) dealt round-robin in a fixed shuffled order. */
export function foldsOf(groups: readonly string[], k: number, seed = 1): number[] {
  const ids = [...new Set(groups)].sort();
  let s = seed >>> 0;
  for (let i = ids.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const fold = new Map(ids.map((id, i) => [id, i % k]));
  return groups.map((g) => fold.get(g) as number);
}

function cvPredictions(
  X: readonly number[][],
  y: readonly number[],
  fold: readonly number[],
  k: number,
  fit: (Xt: number[][], yt: number[]) => (w: readonly number[]) => number,
): number[] {
  const pred = new Array<number>(y.length);
  for (let f = 0; f < k; f++) {
    const tr = fold.map((x, i) => (x === f ? -1 : i)).filter((i) => i >= 0);
    if (tr.length === y.length || tr.length === 0) continue;
    const m = fit(
      tr.map((i) => X[i] as number[]),
      tr.map((i) => y[i]),
    );
    fold.forEach((x, i) => {
      if (x === f) pred[i] = m(X[i]);
    });
  }
  return pred;
}

const rmseOf = (p: readonly number[], y: readonly number[]) =>
  Math.sqrt(p.reduce((s, x, i) => s + (x - y[i]) ** 2, 0) / y.length);

/** The feature set and penalty with the lowest k-fold held-out RMSE on these points. */
function select(
  X: readonly number[][],
  y: readonly number[],
  groups: readonly string[],
  k: number,
): { set: FeatureSet; lambda: number; rmse: number } {
  const kk = Math.min(k, new Set(groups).size);
  const fold = foldsOf(groups, kk);
  let best: { set: FeatureSet; lambda: number; rmse: number } | undefined;
  for (const set of FEATURE_SETS)
    for (const lambda of LAMBDAS) {
      const pred = cvPredictions(X, y, fold, kk, (Xt, yt) => {
        const m = fitRidge(Xt, yt, set, lambda);
        return (w) => m.predict(w);
      });
      const rmse = rmseOf(pred, y);
      if (!best || rmse < best.rmse - 1e-12) best = { set, lambda, rmse };
    }
  return best!;
}

/**
 * The regression for one target: the feature set and penalty chosen by k-fold held-out RMSE, refitted
 * on all points. The reported held-out error is nested: each outer fold is predicted by a model whose
 * choice was made on the other folds alone, so the choice among 55 models does not flatter it.
 * `groups` names each point's mixture (folds never split one).
 */
export function fitTarget(
  X: readonly number[][],
  y: readonly number[],
  groups: readonly string[],
  k: number,
): { model: RidgeModel; heldOut: HeldOut } {
  const fold = foldsOf(groups, k);
  const outer = new Array<number>(y.length);
  for (let f = 0; f < k; f++) {
    const tr = fold.map((x, i) => (x === f ? -1 : i)).filter((i) => i >= 0);
    if (tr.length === y.length || tr.length === 0) continue;
    const Xt = tr.map((i) => X[i] as number[]);
    const yt = tr.map((i) => y[i]);
    const c = select(
      Xt,
      yt,
      tr.map((i) => groups[i]),
      k,
    );
    const m = fitRidge(Xt, yt, c.set, c.lambda);
    fold.forEach((x, i) => {
      if (x === f) outer[i] = m.predict(X[i]);
    });
  }
  const meanPred = cvPredictions(X, y, fold, k, (_Xt, yt) => {
    const m = yt.reduce((a, b) => a + b, 0) / yt.length;
    return () => m;
  });
  const chosen = select(X, y, groups, k);
  return {
    model: fitRidge(X, y, chosen.set, chosen.lambda),
    heldOut: {
      rmse: rmseOf(outer, y),
      spearman: spearman(outer, y),
      meanRmse: rmseOf(meanPred, y),
      folds: k,
      set: chosen.set,
      lambda: chosen.lambda,
    },
  };
}
