/**
 * One fit of L(N, D) = E + A/N^α + B/D^β by Chinchilla's approach 3 (Hoffmann et al. 2022, appendix D.2):
 * minimise the Huber loss (δ = 1e-3) between predicted and observed log-loss, with the prediction written
 * as log L̂ = LSE(a − α·log N, b − β·log D, e) (A = eᵃ, B = eᵇ, E = eᵉ), by L-BFGS from many starts.
 *
 * Starts come from a grid over (α, β) with the linear part (E, A, B ≥ 0) solved exactly for each grid
 * point by non-negative least squares on relative error (variable projection); the best grid points by
 * that criterion start L-BFGS on the Huber objective. The exponents are bounded to [0, EXP_MAX] through a
 * logistic map so that a runaway exponent shows up as "at its bound" rather than as a silent 40.
 *
 * Data are struct-of-arrays (`FitData`) and resamples are weights, so a bootstrap never copies runs.
 */
import { refitHuberGN } from './huber-gn.ts';
import { lbfgs } from './lbfgs.ts';
import { nnlsSmall } from './nnls.ts';
import {
  cellTerms,
  EXP_MAX,
  HUBER_DELTA,
  sigmoid,
  strided,
  type FitData,
  type Theta,
} from './chinchilla-data.ts';

export { EXP_MAX, HUBER_DELTA, makeFitData, strided, type FitData, type Theta } from './chinchilla-data.ts';

export interface LawParams {
  E: number;
  A: number;
  alpha: number;
  B: number;
  beta: number;
}

const logit = (p: number) => Math.log(p / (1 - p));

export function toParams(t: ArrayLike<number>): LawParams {
  return {
    A: Math.exp(t[0]),
    B: Math.exp(t[1]),
    E: Math.exp(t[2]),
    alpha: EXP_MAX * sigmoid(t[3]),
    beta: EXP_MAX * sigmoid(t[4]),
  };
}

export function fromParams(p: LawParams, meanL: number): Theta {
  const floor = 1e-9 * meanL; // a zero linear coefficient starts from a vanishing (not -inf) log
  const clampExp = (x: number) => Math.min(EXP_MAX * 0.999, Math.max(EXP_MAX * 0.001, x));
  return Float64Array.from([
    Math.log(Math.max(p.A, floor)),
    Math.log(Math.max(p.B, floor)),
    Math.log(Math.max(p.E, floor)),
    logit(clampExp(p.alpha) / EXP_MAX),
    logit(clampExp(p.beta) / EXP_MAX),
  ]);
}

/** Mean Huber loss / δ over weighted points, and its gradient in the unconstrained space. */
export function huberObjective(
  data: FitData,
  w: Float64Array | undefined,
  t: Theta,
  grad: Float64Array,
): number {
  const { pred, w1, w2, w3 } = cellTerms(data, t);
  const k = pred.length;
  const h = new Float64Array(k); // Σ w·ψ(r) per cell
  const d = HUBER_DELTA;
  const { logL, cell } = data;
  let f = 0;
  let wsum = 0;
  for (let i = 0; i < logL.length; i++) {
    const wi = w ? w[i] : 1;
    if (wi === 0) continue;
    const c = cell[i];
    const r = pred[c] - logL[i];
    const ar = Math.abs(r);
    f += wi * (ar <= d ? 0.5 * r * r : d * (ar - 0.5 * d));
    h[c] += wi * (ar <= d ? r : r > 0 ? d : -d);
    wsum += wi;
  }
  grad.fill(0);
  for (let c = 0; c < k; c++) {
    grad[0] += h[c] * w1[c];
    grad[1] += h[c] * w2[c];
    grad[2] += h[c] * w3[c];
    grad[3] -= h[c] * w1[c] * data.cellLogN[c];
    grad[4] -= h[c] * w2[c] * data.cellLogD[c];
  }
  const sa = sigmoid(t[3]);
  const sb = sigmoid(t[4]);
  const norm = 1 / (wsum * d);
  for (let j = 0; j < 5; j++) grad[j] *= norm;
  grad[3] *= EXP_MAX * sa * (1 - sa);
  grad[4] *= EXP_MAX * sb * (1 - sb);
  return f * norm;
}

/** Grid of exponents for the variable-projection starts (Chinchilla's grid was 0, 0.5, ..., 2). */
const EXP_GRID = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 1.25, 1.5, 2, 2.5];

/**
 * For each (α, β) on the grid, E, A, B ≥ 0 minimising Σ w (L − E − A·N^−α − B·D^−β)² / L² (relative
 * error ≈ the log-space residual), ranked by that criterion; the best `keep` become L-BFGS starts.
 */
export function gridStarts(data: FitData, w: Float64Array | undefined, keep: number): Theta[] {
  const n = data.logL.length;
  const L = data.logL.map(Math.exp);
  let meanL = 0;
  for (let i = 0; i < n; i++) meanL += L[i] / n;
  const pow = (logs: Float64Array, p: number) => logs.map((l) => Math.exp(-p * l));
  const xs = EXP_GRID.map((p) => pow(data.cellLogN, p));
  const ys = EXP_GRID.map((p) => pow(data.cellLogD, p));
  const ranked: { q: number; p: LawParams }[] = [];
  const M = new Float64Array(9);
  const v = new Float64Array(3);
  for (let ia = 0; ia < EXP_GRID.length; ia++) {
    for (let ib = 0; ib < EXP_GRID.length; ib++) {
      M.fill(0);
      v.fill(0);
      const x = xs[ia];
      const y = ys[ib];
      for (let i = 0; i < n; i++) {
        const om = (w ? w[i] : 1) / (L[i] * L[i]);
        if (om === 0) continue;
        const f = [1, x[data.cell[i]], y[data.cell[i]]];
        for (let r = 0; r < 3; r++) {
          v[r] += om * L[i] * f[r];
          for (let c = r; c < 3; c++) M[r * 3 + c] += om * f[r] * f[c];
        }
      }
      for (let r = 0; r < 3; r++) for (let c = 0; c < r; c++) M[r * 3 + c] = M[c * 3 + r];
      const { theta, q } = nnlsSmall(M, v, 3);
      ranked.push({
        q,
        p: { E: theta[0], A: theta[1], B: theta[2], alpha: EXP_GRID[ia], beta: EXP_GRID[ib] },
      });
    }
  }
  ranked.sort((a, b) => a.q - b.q);
  return ranked.slice(0, keep).map((r) => fromParams(r.p, meanL));
}

export interface SingleFit {
  theta: Theta;
  params: LawParams;
  objective: number;
  converged: boolean;
}

/** Fit from the given starts (best objective wins). */
export function fitFrom(data: FitData, w: Float64Array | undefined, starts: Theta[]): SingleFit {
  let best: SingleFit | undefined;
  for (const s of starts) {
    const r = lbfgs((t, g) => huberObjective(data, w, t, g), s, {
      maxIter: 300,
      gradTol: 1e-10,
      relTol: 1e-13,
    });
    if (!best || r.f < best.objective) {
      best = { theta: r.x, params: toParams(r.x), objective: r.f, converged: r.converged };
    }
  }
  if (!best) throw new Error('fitFrom needs at least one start');
  return best;
}

/** Above this many points the multi-start search runs on an even subsample, then polishes on all points. */
const SEARCH_POINTS = 1500;

/**
 * The point fit: grid starts, L-BFGS from the best `starts` of them, the best result polished by
 * Levenberg–Marquardt. On large data the basin is chosen on an evenly strided subsample (every k-th run)
 * and only the winner is refined on all points: the starts only pick a basin, and the subsample's optimum
 * is already close to the full one.
 */
export function fitChinchilla(data: FitData, w?: Float64Array, starts = 6): SingleFit {
  const n = data.logL.length;
  if (n <= SEARCH_POINTS || w) {
    const best = fitFrom(data, w, gridStarts(data, w, starts));
    const polished = refitHuberGN(data, w, best.theta);
    return polished.f < best.objective
      ? {
          theta: polished.theta,
          params: toParams(polished.theta),
          objective: polished.f,
          converged: best.converged,
        }
      : best;
  }
  const sub = strided(data, Math.ceil(n / SEARCH_POINTS));
  const basin = fitFrom(sub, undefined, gridStarts(sub, undefined, starts));
  const full = refitHuberGN(data, undefined, basin.theta);
  const polished = fitFrom(data, undefined, [full.theta]);
  return { ...polished, converged: polished.converged || full.converged };
}
