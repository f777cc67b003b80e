/**
 * The data side of the Chinchilla approach-3 fit (chinchilla-fit.ts): runs grouped by (N, D) cell as
 * struct-of-arrays, the per-cell LSE terms, and the constants both the L-BFGS fit and the
 * Gauss–Newton bootstrap refit (huber-gn.ts) share.
 */

export const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));

export const HUBER_DELTA = 1e-3;
export const EXP_MAX = 3;

/**
 * Points grouped by cell: runs at the same (N, D) share one prediction, so each pass computes the
 * transcendental part once per cell and only the residual per run (exact, and ~cells/runs of the work
 * on a store where sizes and budgets are discrete).
 */
export interface FitData {
  logL: Float64Array; // per run
  cell: Int32Array; // per run: index into the cell arrays
  cellLogN: Float64Array;
  cellLogD: Float64Array;
}

export function makeFitData(pts: readonly { params: number; tokens: number; valBpb: number }[]): FitData {
  const index = new Map<string, number>();
  const cellLogN: number[] = [];
  const cellLogD: number[] = [];
  const cell = new Int32Array(pts.length);
  pts.forEach((p, i) => {
    const key = `${p.params}:${p.tokens}`;
    let c = index.get(key);
    if (c === undefined) {
      c = cellLogN.length;
      index.set(key, c);
      cellLogN.push(Math.log(p.params));
      cellLogD.push(Math.log(p.tokens));
    }
    cell[i] = c;
  });
  return {
    logL: Float64Array.from(pts, (p) => Math.log(p.valBpb)),
    cell,
    cellLogN: Float64Array.from(cellLogN),
    cellLogD: Float64Array.from(cellLogD),
  };
}

/** Every `k`-th run, with only the cells they use. */
export function strided(data: FitData, k: number): FitData {
  const remap = new Map<number, number>();
  const logL: number[] = [];
  const cell: number[] = [];
  for (let i = 0; i < data.logL.length; i += k) {
    const c = data.cell[i];
    if (!remap.has(c)) remap.set(c, remap.size);
    logL.push(data.logL[i]);
    cell.push(remap.get(c) as number);
  }
  const old = [...remap.keys()];
  return {
    logL: Float64Array.from(logL),
    cell: Int32Array.from(cell),
    cellLogN: Float64Array.from(old, (c) => data.cellLogN[c]),
    cellLogD: Float64Array.from(old, (c) => data.cellLogD[c]),
  };
}

/** Per-cell prediction log L̂ and its softmax weights (the Jacobian in a, b, e). */
export function cellTerms(data: FitData, t: ArrayLike<number>) {
  const [a, b, e, ua, ub] = [t[0], t[1], t[2], t[3], t[4]];
  const alpha = EXP_MAX * sigmoid(ua);
  const beta = EXP_MAX * sigmoid(ub);
  const k = data.cellLogN.length;
  const pred = new Float64Array(k);
  const w1 = new Float64Array(k);
  const w2 = new Float64Array(k);
  const w3 = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const t1 = a - alpha * data.cellLogN[c];
    const t2 = b - beta * data.cellLogD[c];
    const m = Math.max(t1, t2, e);
    const x1 = Math.exp(t1 - m);
    const x2 = Math.exp(t2 - m);
    const x3 = Math.exp(e - m);
    const s = x1 + x2 + x3;
    pred[c] = m + Math.log(s);
    w1[c] = x1 / s;
    w2[c] = x2 / s;
    w3[c] = x3 / s;
  }
  return { pred, w1, w2, w3 };
}

/** Parameters in the fitted (unconstrained) space: [a, b, e, uα, uβ], α = EXP_MAX·σ(uα). */
export type Theta = Float64Array;
