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
 * Features are standardised once over all points (the weights only, never a target), the intercept is
 * not penalised. Every fit is a sum of per-fold Gram matrices, so the nested cross-validation below costs
 * a small p x p solve per (fold, feature set, penalty), not a pass over the runs.
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

/** One feature set over the study's points: standardised rows [1, z] and each fold's Gram matrix. */
export interface Design {
  set: FeatureSet;
  q: number; // columns: intercept + features
  Z: Float64Array; // n x q, row-major
  mu: Float64Array;
  sd: Float64Array; // 0 = a constant feature (dropped)
  gram: Float64Array[]; // per fold: sum of z z^T over its points (q x q)
  fold: readonly number[];
  k: number;
}

export function design(X: readonly number[][], set: FeatureSet, fold: readonly number[], k: number): Design {
  const F = X.map((w) => features(w, set));
  const n = F.length;
  const p = F[0]?.length ?? 0;
  const q = p + 1;
  const mu = new Float64Array(p);
  const sd = new Float64Array(p);
  for (const f of F) for (let j = 0; j < p; j++) mu[j] += f[j] / n;
  for (const f of F) for (let j = 0; j < p; j++) sd[j] += (f[j] - mu[j]) ** 2 / n;
  for (let j = 0; j < p; j++) sd[j] = sd[j] > 1e-18 ? Math.sqrt(sd[j]) : 0;
  const Z = new Float64Array(n * q);
  const gram = Array.from({ length: k }, () => new Float64Array(q * q));
  F.forEach((f, i) => {
    const row = Z.subarray(i * q, (i + 1) * q);
    row[0] = 1;
    for (let j = 0; j < p; j++) row[j + 1] = sd[j] ? (f[j] - mu[j]) / sd[j] : 0;
    const G = gram[fold[i]];
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) G[a * q + b] += row[a] * row[b];
  });
  return { set, q, Z, mu, sd, gram, fold, k };
}

/** Coefficients from the given folds: (G + lambda n I') beta = Z^T y, the intercept unpenalised. */
function solveOn(d: Design, zy: Float64Array[], counts: number[], folds: readonly number[], lambda: number) {
  const { q } = d;
  const A = new Float64Array(q * q);
  const b = new Float64Array(q);
  let n = 0;
  for (const f of folds) {
    const G = d.gram[f];
    for (let i = 0; i < q * q; i++) A[i] += G[i];
    for (let i = 0; i < q; i++) b[i] += zy[f][i];
    n += counts[f];
  }
  for (let j = 1; j < q; j++) A[j * q + j] += d.sd[j - 1] ? lambda * n : 1;
  A[0] += 1e-12;
  return solveSpd(A, b, q);
}

const dot = (Z: Float64Array, i: number, beta: Float64Array, q: number) => {
  let s = 0;
  for (let j = 0; j < q; j++) s += Z[i * q + j] * beta[j];
  return s;
};

/** A target's per-fold sums Z^T y over one design, and the fold sizes. */
function sums(d: Design, y: readonly number[]): { zy: Float64Array[]; counts: number[] } {
  const zy = Array.from({ length: d.k }, () => new Float64Array(d.q));
  const counts = new Array<number>(d.k).fill(0);
  y.forEach((v, i) => {
    const f = d.fold[i];
    counts[f]++;
    for (let j = 0; j < d.q; j++) zy[f][j] += d.Z[i * d.q + j] * v;
  });
  return { zy, counts };
}

/** The design and penalty with the lowest leave-one-fold-out error within `folds` (at least 2). */
function select(designs: Design[], stats: ReturnType<typeof sums>[], y: readonly number[], folds: number[]) {
  let best = { di: 0, lambda: LAMBDAS[0], sse: Infinity };
  designs.forEach((d, di) => {
    for (const lambda of LAMBDAS) {
      let sse = 0;
      for (const g of folds) {
        const beta = solveOn(
          d,
          stats[di].zy,
          stats[di].counts,
          folds.filter((f) => f !== g),
          lambda,
        );
        for (let i = 0; i < y.length; i++) if (d.fold[i] === g) sse += (dot(d.Z, i, beta, d.q) - y[i]) ** 2;
      }
      if (sse < best.sse - 1e-15) best = { di, lambda, sse };
    }
  });
  return best;
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

const rmseOf = (p: readonly number[], y: readonly number[]) =>
  Math.sqrt(p.reduce((s, x, i) => s + (x - y[i]) ** 2, 0) / y.length);

/** The designs of every feature set over one set of points and folds (shared by all targets). */
export function designs(X: readonly number[][], groups: readonly string[], k: number): Design[] {
  const fold = foldsOf(groups, k);
  return FEATURE_SETS.map((set) => design(X, set, fold, k));
}

/**
 * The regression for one target over `ds` (designs()): the feature set and penalty chosen by k-fold
 * held-out RMSE, refitted on all points. The reported held-out error is nested: each fold is predicted
 * by a model whose choice was made on the other folds alone (leave-one-fold-out among them), so the
 * choice among 55 models does not flatter it. Folds never split a mixture.
 */
export function fitTarget(ds: Design[], y: readonly number[]): { model: RidgeModel; heldOut: HeldOut } {
  const { k, fold } = ds[0];
  const stats = ds.map((d) => sums(d, y));
  const all = Array.from({ length: k }, (_, f) => f).filter((f) => stats[0].counts[f] > 0);
  const outer = new Array<number>(y.length).fill(NaN);
  const meanPred = new Array<number>(y.length).fill(NaN);
  for (const f of all) {
    const rest = all.filter((g) => g !== f);
    const c = select(ds, stats, y, rest);
    const d = ds[c.di];
    const beta = solveOn(d, stats[c.di].zy, stats[c.di].counts, rest, c.lambda);
    let sum = 0;
    let n = 0;
    y.forEach((v, i) => {
      if (fold[i] !== f) {
        sum += v;
        n++;
      }
    });
    for (let i = 0; i < y.length; i++)
      if (fold[i] === f) {
        outer[i] = dot(d.Z, i, beta, d.q);
        meanPred[i] = sum / n;
      }
  }
  const c = select(ds, stats, y, all);
  const d = ds[c.di];
  const beta = solveOn(d, stats[c.di].zy, stats[c.di].counts, all, c.lambda);
  return {
    model: {
      set: d.set,
      lambda: c.lambda,
      predict(w) {
        const f = features(w, d.set);
        let s = beta[0];
        for (let j = 0; j < f.length; j++) if (d.sd[j]) s += (beta[j + 1] * (f[j] - d.mu[j])) / d.sd[j];
        return s;
      },
    },
    heldOut: {
      rmse: rmseOf(outer, y),
      spearman: spearman(outer, y),
      meanRmse: rmseOf(meanPred, y),
      folds: all.length,
      set: d.set,
      lambda: c.lambda,
    },
  };
}
