/**
 * A two-level screening design and its main-effect fit: the way to learn many small, additive effects
 * at once (README "Screening study"). Testing k changes one at a time against a base spends two runs'
 * worth of noise on each; in an orthogonal design every run informs every factor, so with N runs each
 * main effect is estimated with standard error 2 sigma / sqrt(N) instead of sigma sqrt(2 / n) per arm.
 * When most effects sit within one or two noise floors (real pre-training research), that is the
 * difference between finding them and not.
 *
 * The design: rows of the Sylvester–Hadamard matrix of order N = 2^b, H[i][m] = (-1)^popcount(i & m),
 * one column (a non-zero mask m) per factor. Only odd-weight masks are used: the design is then its own
 * fold-over, so no main effect is aliased with a two-factor interaction (resolution IV), up to N / 2
 * factors. Row 0 is "every factor off" (the base itself: its own runs stand in for it); a factor is on
 * in row i when H[i][m] = -1.
 *
 * The fit: ordinary least squares of the response on an intercept and one 0/1 indicator per factor, so
 * each coefficient is "what turning this factor on does", with its standard error from the residual
 * variance (df = runs - k - 1). A factor is selected when its one-sided p-value (a win is a decrease)
 * survives Holm's step-down over the k factors: the family-wise chance that any selected factor is a
 * null or harmful one stays <= alpha, whatever the others are.
 *
 * Effect heredity (`fitScreen`): real changes interact (two changes that each fix the same weakness
 * are worth less together than apart), and in a resolution-IV design a two-factor interaction lands in
 * the residual, inflating every standard error. Interactions are most likely among the factors that
 * are active themselves, so once some are selected the fit is redone with the interactions of every
 * pair of selected factors as extra +/-1 columns. Those columns are orthogonal to the main effects, so
 * the effects do not move; only the residual loses what the interactions explained. Which pairs enter
 * depends on the main effects alone, which are independent of the residual under normal noise, so the
 * t-tests and Holm's guarantee over the main effects hold. Measured on regime (a) of
 * bench/research-efficiency (31 rows at rung 1, seed 1): the interaction RoPE x untied head (+0.055)
 * cut the residual sd from 0.044 to 0.027, and the mixture's -0.034 was then selected.
 *
 * Every row measured (`fitComplete`, used by `fitScreen` when it is given the design's size and row 0,
 * the base, is among the runs): the design is then orthogonal in all N - 1 contrasts, and the main
 * effects are tested against the noise of the residual columns, the interaction chains among them
 * trimmed (analysis/contrast-noise.ts), which heredity cannot name all of. On regime (a)'s screens:
 * standard error 0.0044-0.0067 instead of the regression's 0.0099 or more; on regime (b) the same
 * selections as the regression. The regression is the fallback when a row was lost.
 */
import { holm } from '../stats/multiple.ts';
import { studentTCdf } from '../stats/student-t.ts';
import { adaptiveStandardError, residualLowerP } from './contrast-noise.ts';

const popcount = (x: number): number => {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
};

/** The columns (masks) for k factors in a design of N = 2^b rows: odd weights, lightest first. */
export function designMasks(k: number, rows: number): number[] {
  const b = Math.log2(rows);
  if (!Number.isInteger(b) || b < 2) throw new Error(`a screening design has 2^b >= 4 rows, got ${rows}`);
  if (k < 1 || k > rows / 2) throw new Error(`${rows} rows screen 1 to ${rows / 2} factors, got ${k}`);
  const masks: number[] = [];
  for (let m = 1; m < rows; m++) if (popcount(m) % 2 === 1) masks.push(m);
  masks.sort((a, c) => popcount(a) - popcount(c) || a - c);
  return masks.slice(0, k);
}

/** Row i of the design: which factors are on (row 0: none). */
export function designRow(i: number, masks: readonly number[]): boolean[] {
  return masks.map((m) => popcount(i & m) % 2 === 1);
}

export interface FactorEffect {
  /** Turning the factor on changes the response by this much (negative = better). */
  effect: number;
  se: number;
  t: number;
  /** One-sided p-value for "turning it on lowers the response". */
  p: number;
  /** Holm-adjusted over the factors. */
  adjustedP: number;
  selected: boolean;
}

export interface MainEffectsFit {
  /** 'regression': main effects (and heredity pairs) by least squares; 'contrasts': every row, residual columns' noise. */
  method: 'regression' | 'contrasts';
  runs: number;
  /** Residual df (regression), or the number of residual columns the noise is taken from. */
  df: number;
  /** Residual standard deviation (regression), or the per-run sd the residual columns imply (ASE sqrt(N) / 2). */
  sigma: number;
  intercept: number;
  factors: FactorEffect[];
  /** Two-factor interactions fitted beside the main effects (+/-1 columns: half the contrast). */
  interactions: Array<{ pair: [number, number]; coef: number; se: number }>;
}

/**
 * Fit main effects to runs `{ on, y }` (on[j]: factor j on), with the interactions of `pairs` as +/-1
 * columns. Undefined when the runs cannot estimate them all with some residual df (too few, or a
 * factor never/always on).
 */
export function fitMainEffects(
  runs: ReadonlyArray<{ on: readonly boolean[]; y: number }>,
  k: number,
  alpha = 0.05,
  pairs: ReadonlyArray<[number, number]> = [],
): MainEffectsFit | undefined {
  const ok = runs.filter((r) => r.on.length === k && Number.isFinite(r.y));
  const p = k + 1 + pairs.length;
  const df = ok.length - p;
  if (df < 1) return undefined;
  const X = ok.map((r) => [
    1,
    ...r.on.map((v) => (v ? 1 : 0)),
    ...pairs.map(([a, b]) => (r.on[a] === r.on[b] ? 1 : -1)),
  ]);
  const XtX = Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, c) => X.reduce((s, x) => s + x[a] * x[c], 0)),
  );
  const inv = invert(XtX);
  if (!inv) return undefined;
  const Xty = Array.from({ length: p }, (_, a) => X.reduce((s, x, i) => s + x[a] * ok[i].y, 0));
  const beta = inv.map((row) => row.reduce((s, v, c) => s + v * Xty[c], 0));
  const rss = X.reduce((s, x, i) => s + (ok[i].y - x.reduce((a, v, c) => a + v * beta[c], 0)) ** 2, 0);
  const sigma = Math.sqrt(rss / df);
  const raw = beta.slice(1, k + 1).map((b, j) => {
    const se = sigma * Math.sqrt(inv[j + 1][j + 1]);
    const t = se > 0 ? b / se : b < 0 ? -Infinity : Infinity;
    return { effect: b, se, t, p: studentTCdf(t, df) };
  });
  const adjusted = holm(raw.map((r) => r.p));
  return {
    method: 'regression',
    runs: ok.length,
    df,
    sigma,
    intercept: beta[0],
    factors: raw.map((r, j) => ({
      ...r,
      adjustedP: adjusted[j],
      selected: adjusted[j] < alpha && r.effect < 0,
    })),
    interactions: pairs.map((pair, i) => ({
      pair: [pair[0], pair[1]],
      coef: beta[k + 1 + i],
      se: sigma * Math.sqrt(inv[k + 1 + i][k + 1 + i]),
    })),
  };
}

/** Residual df a heredity refit keeps, at least: fewer makes every t-test weak. */
const MIN_HEREDITY_DF = 6;

/**
 * The screen's fit with effect heredity (see the top of this file): main effects, then, while the
 * selection grows, the interactions of every pair of selected factors (strongest first, while at least
 * MIN_HEREDITY_DF residual df remain). Holm stays over the k main effects.
 */
export function fitScreen(
  runs: ReadonlyArray<{ on: readonly boolean[]; y: number }>,
  k: number,
  alpha = 0.05,
  rows?: number,
): MainEffectsFit | undefined {
  const complete = rows ? fitComplete(runs, k, rows, alpha) : undefined;
  if (complete) return complete;
  let fit = fitMainEffects(runs, k, alpha);
  for (let pass = 0; fit && pass < k; pass++) {
    const pairs = activePairs(fit.factors, alpha);
    const room = fit.runs - (k + 1) - MIN_HEREDITY_DF;
    const use = pairs.slice(0, Math.max(0, room));
    if (use.length <= fit.interactions.length) break; // nothing new to add
    const next = fitMainEffects(runs, k, alpha, use);
    if (!next) break;
    fit = next;
  }
  return fit;
}

/** Which factor pairs are active either way (two-sided Holm over the factors), strongest first. */
function activePairs(factors: readonly FactorEffect[], alpha: number): Array<[number, number]> {
  // active either way (a harmful change interacts too)
  const twoSided = holm(factors.map((f) => 2 * Math.min(f.p, 1 - f.p)));
  const active = factors
    .map((f, j) => ({ j, t: f.t, on: twoSided[j] < alpha }))
    .filter((x) => x.on)
    .sort((a, b) => Math.abs(b.t) - Math.abs(a.t))
    .map((x) => x.j);
  const pairs: Array<[number, number]> = [];
  for (let a = 0; a < active.length; a++) for (let b = 0; b < a; b++) pairs.push([active[b], active[a]]);
  return pairs;
}

/** Residual columns the noise estimate needs, at least (a median of fewer is mostly luck). */
const MIN_RESIDUAL_COLUMNS = 6;

/**
 * Every row of the `rows`-row design measured once (row 0, the base, included): all N - 1 contrasts;
 * each main effect is tested against the adaptive standard error of the residual columns (the
 * contrasts no factor uses, analysis/contrast-noise.ts), one-sided, Holm over the k factors.
 * Undefined when a row is missing or measured twice, or too few columns are left over (then the
 * regression above is used). The interactions of active pairs are reported from their contrast (half
 * of it, as a +/-1 column's coefficient); in a fraction each is aliased with others of its chain.
 */
export function fitComplete(
  runs: ReadonlyArray<{ on: readonly boolean[]; y: number }>,
  k: number,
  rows: number,
  alpha = 0.05,
): MainEffectsFit | undefined {
  if (rows < 8 || k > rows / 2 || rows - 1 - k < MIN_RESIDUAL_COLUMNS) return undefined;
  const masks = designMasks(k, rows);
  const rowOf = new Map<string, number>();
  for (let i = 0; i < rows; i++) rowOf.set(designRow(i, masks).map(Number).join(''), i);
  const y: Array<number | undefined> = Array.from({ length: rows }, () => undefined);
  for (const r of runs) {
    const i = r.on.length === k ? rowOf.get(r.on.map(Number).join('')) : undefined;
    if (i === undefined || y[i] !== undefined || !Number.isFinite(r.y)) return undefined;
    y[i] = r.y;
  }
  if (y.some((v) => v === undefined)) return undefined;
  const ys = y as number[];
  // contrast of column m: mean(y where the column is "on") - mean(y where it is "off")
  const contrast = (m: number) => ys.reduce((s, v, i) => s + (popcount(i & m) % 2 ? v : -v), 0) / (rows / 2);
  const all = Array.from({ length: rows - 1 }, (_, m) => contrast(m + 1));
  const main = new Set(masks);
  const residual = all.filter((_, m) => !main.has(m + 1));
  const se = adaptiveStandardError(residual);
  if (!(se > 0)) return undefined;
  const raw = masks.map((m) => {
    const effect = all[m - 1];
    const t = effect / se;
    return { effect, se, t, p: residualLowerP(t, residual.length) };
  });
  const adjusted = holm(raw.map((r) => r.p));
  const factors = raw.map((r, j) => ({
    ...r,
    adjustedP: adjusted[j],
    selected: adjusted[j] < alpha && r.effect < 0,
  }));
  return {
    method: 'contrasts',
    runs: rows,
    df: residual.length,
    sigma: (se * Math.sqrt(rows)) / 2,
    intercept: ys[0],
    factors,
    interactions: activePairs(factors, alpha).map(([a, b]) => ({
      pair: [a, b] as [number, number],
      // the +/-1 column "both on or both off" is minus the column masks[a] ^ masks[b]
      coef: -all[(masks[a] ^ masks[b]) - 1] / 2,
      se: se / 2,
    })),
  };
}

/** Gauss–Jordan inverse with partial pivoting; undefined when singular. */
function invert(A: number[][]): number[][] | undefined {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    if (!(Math.abs(M[piv][c]) > 1e-9)) return undefined;
    [M[c], M[piv]] = [M[piv], M[c]];
    const d = M[c][c];
    for (let j = 0; j < 2 * n; j++) M[c][j] /= d;
    for (let r = 0; r < n; r++) {
      if (r === c || M[r][c] === 0) continue;
      const f = M[r][c];
      for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row) => row.slice(n));
}
