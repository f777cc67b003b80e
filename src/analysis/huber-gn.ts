/**
 * Refitting a bootstrap resample from a nearby optimum: Levenberg–Marquardt on the same Huber objective
 * as chinchilla-fit.ts, with iteratively reweighted least squares (Huber weight min(1, δ/|r|) per point).
 * Each iteration is one pass over the data (residuals, Jacobian normal equations and objective together)
 * and a 5×5 solve, and from a warm start it converges in a handful of iterations, where L-BFGS needs
 * tens of passes; a step is kept only when the Huber objective itself decreases, so it converges to the
 * same minimum (checked against L-BFGS in chinchilla-fit.test.ts).
 */
import { cellTerms, EXP_MAX, HUBER_DELTA, type FitData, type Theta } from './chinchilla-data.ts';
import { solve } from '../stats/linear-solve.ts';

interface Pass {
  f: number; // mean Huber / δ, as huberObjective
  JtJ: number[][];
  Jtr: number[];
}

function pass(data: FitData, w: Float64Array | undefined, t: Theta): Pass {
  const { pred, w1, w2, w3 } = cellTerms(data, t);
  const k = pred.length;
  const om = new Float64Array(k); // Σ IRLS weight per cell
  const omr = new Float64Array(k); // Σ IRLS weight · residual per cell
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
    const o = wi * (ar <= d ? 1 : d / ar);
    om[c] += o;
    omr[c] += o * r;
    wsum += wi;
  }
  const sa = 1 / (1 + Math.exp(-t[3]));
  const sb = 1 / (1 + Math.exp(-t[4]));
  const ka = EXP_MAX * sa * (1 - sa);
  const kb = EXP_MAX * sb * (1 - sb);
  const M = new Float64Array(25);
  const g = new Float64Array(5);
  const J = new Float64Array(5);
  for (let c = 0; c < k; c++) {
    if (om[c] === 0) continue;
    J[0] = w1[c];
    J[1] = w2[c];
    J[2] = w3[c];
    J[3] = -w1[c] * data.cellLogN[c] * ka;
    J[4] = -w2[c] * data.cellLogD[c] * kb;
    for (let p = 0; p < 5; p++) {
      g[p] += omr[c] * J[p];
      for (let q = p; q < 5; q++) M[p * 5 + q] += om[c] * J[p] * J[q];
    }
  }
  const JtJ = [0, 1, 2, 3, 4].map((p) => [0, 1, 2, 3, 4].map((q) => M[Math.min(p, q) * 5 + Math.max(p, q)]));
  return { f: f / (wsum * d), JtJ, Jtr: Array.from(g) };
}

export function refitHuberGN(
  data: FitData,
  w: Float64Array | undefined,
  start: Theta,
  maxIter = 50,
  tol = 1e-7, // relative decrease of the objective below which it stops
): { theta: Theta; f: number; converged: boolean } {
  let t = Float64Array.from(start);
  let cur = pass(data, w, t);
  let lambda = 1e-3;
  for (let it = 0; it < maxIter; it++) {
    let accepted = false;
    for (let tries = 0; tries < 12 && !accepted; tries++) {
      const A = cur.JtJ.map((row, p) => row.map((v, q) => (p === q ? v * (1 + lambda) + 1e-12 : v)));
      const step = solve(
        A,
        cur.Jtr.map((v) => -v),
      );
      if (!step) {
        lambda *= 10;
        continue;
      }
      const next = Float64Array.from(t, (v, i) => v + step[i]);
      const trial = pass(data, w, next);
      if (Number.isFinite(trial.f) && trial.f <= cur.f) {
        const gain = cur.f - trial.f;
        t = next;
        cur = trial;
        lambda = Math.max(1e-9, lambda / 10);
        accepted = true;
        const moved = step.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        if (gain <= tol * (cur.f + 1e-12) || moved < 1e-7) return { theta: t, f: cur.f, converged: true };
      } else lambda *= 10;
    }
    if (!accepted) return { theta: t, f: cur.f, converged: true }; // no descent step left: a minimum
  }
  return { theta: t, f: cur.f, converged: false };
}
