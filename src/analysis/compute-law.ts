/**
 * Loss as a function of training compute for one config: L(C) = E + A·C^−α, fitted over separate
 * fully-decayed runs at different budgets (never one run's intermediate points, which sit on a schedule
 * that had not decayed yet). Least squares on L, with the linear part (E, A ≥ 0) solved exactly for each α
 * (variable projection): a grid over α, then golden-section refinement between the best grid point's
 * neighbours. C is normalised by the geometric mean `C0` of the runs' compute so that the linear solve is
 * well conditioned; `A` is reported for raw FLOPs (A = A₀·C0^α).
 */
export interface ComputePoint {
  flops: number;
  valBpb: number;
}

export interface ComputeLaw {
  E: number;
  A: number; // for C in FLOPs
  alpha: number;
  C0: number; // normalisation: L = E + A0·(C/C0)^−α with A0 = A·C0^−α
  sse: number;
}

const ALPHA_GRID = Array.from({ length: 24 }, (_, i) => 0.01 * Math.pow(300, i / 23)); // 0.01 .. 3

/** Runs grouped by exact compute: the least-squares fit only needs Σw, Σw·L, Σw·L² per compute level. */
export interface ComputeData {
  logC: Float64Array; // per cell: log(C / C0)
  C0: number;
  cellOf: Int32Array; // per run
  L: Float64Array; // per run
}

export function prepareCompute(pts: readonly ComputePoint[]): ComputeData {
  const index = new Map<number, number>();
  const flops: number[] = [];
  const cellOf = Int32Array.from(pts, (p) => {
    let c = index.get(p.flops);
    if (c === undefined) {
      index.set(p.flops, (c = flops.length));
      flops.push(p.flops);
    }
    return c;
  });
  const C0 = Math.exp(pts.reduce((s, p) => s + Math.log(p.flops), 0) / Math.max(1, pts.length));
  return {
    logC: Float64Array.from(flops, (f) => Math.log(f / C0)),
    C0,
    cellOf,
    L: Float64Array.from(pts, (p) => p.valBpb),
  };
}

/** Weighted fit (`w`: resample counts; undefined = all 1). Undefined when fewer than 2 points carry weight. */
export function fitComputeLaw(pts: readonly ComputePoint[], w?: ArrayLike<number>): ComputeLaw | undefined {
  return fitPrepared(prepareCompute(pts), w);
}

export function fitPrepared(data: ComputeData, w?: ArrayLike<number>): ComputeLaw | undefined {
  const k = data.logC.length;
  const W = new Float64Array(k);
  const WL = new Float64Array(k);
  let yy = 0;
  let wsum = 0;
  for (let i = 0; i < data.L.length; i++) {
    const wi = w ? w[i] : 1;
    const c = data.cellOf[i];
    W[c] += wi;
    WL[c] += wi * data.L[i];
    yy += wi * data.L[i] * data.L[i];
    wsum += wi;
  }
  if (wsum < 2) return undefined;
  const at = (alpha: number) => solveLinear(data.logC, W, WL, yy, alpha);
  let bi = 0;
  const grid = ALPHA_GRID.map(at);
  for (let i = 1; i < grid.length; i++) if (grid[i].sse < grid[bi].sse) bi = i;
  let lo = ALPHA_GRID[Math.max(0, bi - 1)];
  let hi = ALPHA_GRID[Math.min(grid.length - 1, bi + 1)];
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = at(x1);
  let f2 = at(x2);
  for (let it = 0; it < 40 && hi - lo > 1e-4 * hi; it++) {
    if (f1.sse <= f2.sse) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = at(x1);
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = at(x2);
    }
  }
  const best = [grid[bi], f1, f2].reduce((a, b) => (b.sse < a.sse ? b : a));
  const C0 = data.C0;
  return { E: best.E, A: best.A0 * Math.pow(C0, best.alpha), alpha: best.alpha, C0, sse: best.sse };
}

function solveLinear(logC: Float64Array, W: Float64Array, WL: Float64Array, yy: number, alpha: number) {
  const M = [0, 0, 0, 0];
  const v = [0, 0];
  for (let c = 0; c < logC.length; c++) {
    if (W[c] === 0) continue;
    const x = Math.exp(-alpha * logC[c]);
    M[0] += W[c];
    M[1] += W[c] * x;
    M[3] += W[c] * x * x;
    v[0] += WL[c];
    v[1] += WL[c] * x;
  }
  // 2×2 non-negative least squares in closed form: the free solution, else the better single term
  const q = (E: number, A: number) =>
    E * E * M[0] + 2 * E * A * M[1] + A * A * M[3] - 2 * (E * v[0] + A * v[1]);
  const det = M[0] * M[3] - M[1] * M[1];
  let E = det > 1e-14 * M[0] * M[3] ? (v[0] * M[3] - v[1] * M[1]) / det : -1;
  let A0 = det > 1e-14 * M[0] * M[3] ? (v[1] * M[0] - v[0] * M[1]) / det : -1;
  if (!(E >= 0 && A0 >= 0)) {
    const onlyE = Math.max(0, v[0] / M[0]);
    const onlyA = M[3] > 0 ? Math.max(0, v[1] / M[3]) : 0;
    [E, A0] = q(onlyE, 0) <= q(0, onlyA) ? [onlyE, 0] : [0, onlyA];
  }
  return { E, A0, alpha, sse: yy + q(E, A0) };
}

export function lossAt(law: ComputeLaw, flops: number): number {
  return law.E + law.A * Math.pow(flops, -law.alpha);
}

/** Compute at which the law reaches `loss`; Infinity when `loss` is at or below the asymptote E. */
export function computeFor(law: ComputeLaw, loss: number): number {
  if (!(loss > law.E)) return Infinity;
  return Math.pow((loss - law.E) / law.A, -1 / law.alpha);
}
