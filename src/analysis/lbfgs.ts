/**
 * Limited-memory BFGS (Nocedal & Wright, "Numerical Optimization", alg. 7.4 and 7.5) with a backtracking
 * Armijo line search, for the small smooth fits in this folder (5 parameters at most). No npm package
 * in the dependency tree offers an optimiser, and this is ~80 lines, so it is written here.
 *
 * `f(x, grad)` returns the objective and writes its gradient into `grad`. Pure apart from calling `f`.
 */

export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter?: number; // default 200
  memory?: number; // default 8 correction pairs
  gradTol?: number; // stop when max |grad| < gradTol (default 1e-9)
  relTol?: number; // stop when the objective improves by less than relTol * (|f| + 1e-12) (default 1e-12)
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

export function lbfgs(f: Objective, x0: ArrayLike<number>, opts: LbfgsOptions = {}): LbfgsResult {
  const { maxIter = 200, memory = 8, gradTol = 1e-9, relTol = 1e-12 } = opts;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let fx = f(x, g);
  let evaluations = 1;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(memory);
  const d = new Float64Array(n);
  const xn = new Float64Array(n);
  let gn = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  if (!Number.isFinite(fx)) return { x, f: fx, iterations, evaluations, converged };

  for (; iterations < maxIter; iterations++) {
    if (maxAbs(g) < gradTol) {
      converged = true;
      break;
    }
    // two-loop recursion: d = -H g
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], d);
      axpy(-alpha[k], Y[k], d);
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) d[i] *= gamma;
    } else {
      const scale = 1 / Math.max(1, Math.sqrt(dot(g, g)));
      for (let i = 0; i < n; i++) d[i] *= scale;
    }
    for (let k = 0; k < S.length; k++) {
      const beta = rho[k] * dot(Y[k], d);
      axpy(alpha[k] - beta, S[k], d);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // not a descent direction (curvature information went stale): restart from steepest descent
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i];
      slope = -dot(g, g);
    }
    // backtracking Armijo search
    let step = 1;
    let fn = NaN;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < n; i++) xn[i] = x[i] + step * d[i];
      fn = f(xn, gn);
      evaluations++;
      if (Number.isFinite(fn) && fn <= fx + 1e-4 * step * slope) break;
      step *= 0.5;
      fn = NaN;
    }
    if (Number.isNaN(fn)) break; // no decrease along d: a (numerical) minimum
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-16) {
      if (S.length === memory) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const improved = fx - fn;
    x = Float64Array.from(xn);
    [g, gn] = [gn, g];
    fx = fn;
    if (improved <= relTol * (Math.abs(fx) + 1e-12)) {
      converged = true;
      iterations++;
      break;
    }
  }
  return { x, f: fx, iterations, evaluations, converged };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(a: number, x: ArrayLike<number>, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += a * x[i];
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
