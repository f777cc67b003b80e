/**
 * Non-negative least squares for up to three unknowns, exactly: minimise θᵀMθ − 2θᵀv over θ ≥ 0 by
 * trying every active set (at most 2³ − 1 subsystems) and keeping the best feasible solution. Used for
 * the linear part of the scaling-law fits (E, A, B ≥ 0 for fixed exponents: variable projection).
 */
import { solve } from '../stats/linear-solve.ts';

/** `M` is the k×k normal matrix (row-major), `v` the right-hand side; returns θ ≥ 0 and the quadratic's value. */
export function nnlsSmall(
  M: ArrayLike<number>,
  v: ArrayLike<number>,
  k: number,
): { theta: number[]; q: number } {
  let best: number[] = new Array(k).fill(0);
  let bestQ = 0; // θ = 0
  for (let mask = 1; mask < 1 << k; mask++) {
    const idx: number[] = [];
    for (let i = 0; i < k; i++) if (mask & (1 << i)) idx.push(i);
    const sub = idx.map((i) => idx.map((j) => M[i * k + j]));
    const rhs = idx.map((i) => v[i]);
    const sol = solve(sub, rhs);
    if (!sol || sol.some((x) => !(x >= 0))) continue;
    const theta = new Array(k).fill(0);
    idx.forEach((i, t) => (theta[i] = sol[t]));
    const q = quad(M, v, theta, k);
    if (q < bestQ) {
      bestQ = q;
      best = theta;
    }
  }
  return { theta: best, q: bestQ };
}

function quad(M: ArrayLike<number>, v: ArrayLike<number>, t: number[], k: number): number {
  let q = 0;
  for (let i = 0; i < k; i++) {
    q -= 2 * t[i] * v[i];
    for (let j = 0; j < k; j++) q += t[i] * M[i * k + j] * t[j];
  }
  return q;
}
