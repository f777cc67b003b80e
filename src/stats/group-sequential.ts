/**
 * Exact group-sequential boundaries for correlated looks (the Armitage–McPherson–Rowe recursion), so
 * that alpha spending (sequential.ts) spends what it is given instead of a union bound's share of it.
 *
 * A candidate's looks are cumulative: look k compares the mean of its first n_k seeds with the mean of
 * its base's nb_k seeds, and the seeds of look j < k are all in look k. With one noise sd, the estimate
 * Δ_k has variance σ²(1/n_k + 1/nb_k), and cov(Δ_j, Δ_k) = var(Δ_k) whenever both sides are nested. So
 * the looks' z statistics have the canonical joint distribution of a Brownian motion observed at the
 * information levels I_k = 1 / (1/n_k + 1/nb_k): corr(Z_j, Z_k) = sqrt(I_j / I_k). Looks two seeds
 * apart are correlated 0.8-0.9, which the union bound ignores. With the session's spending
 * (sequential.ts: passes from the second seed), the last of three looks may reject at 65 % of the
 * level under the union bound and at 93 % with these boundaries; the last of five at 35 % and 85-89 %
 * (same spending, same overall level under the null).
 *
 * The boundaries at level gamma: look k's two-sided critical value c_k is the one at which the chance,
 * under no effect, of crossing at look k without having crossed before is gamma times the spending
 * function's increment g(t_k) - g(t_{k-1}). The recursion carries the density of the not-yet-crossed
 * paths from look to look on a grid (Simpson's rule). The sequential p-value is the smallest gamma at
 * which some observed look crossed its boundary (bisection on gamma; the boundaries fall as gamma
 * grows). Each look's p-value is mapped to a z on the normal scale (a look is a t-test on the pooled
 * noise floor; the usual nominal-p boundary reading).
 *
 * Where the canonical form does not hold (a look judged on seed blocks, a look without its base's seed
 * count, information that does not grow), sequential.ts keeps the union bound, which needs no model of
 * the dependence.
 */
import { normalCdf } from './student-t.ts';

/** Grid points per look (odd, for Simpson's rule). 81 and 241 agree to 1e-3 on the nominal levels. */
const GRID = 81;

const SQRT2PI = Math.sqrt(2 * Math.PI);
const phi = (x: number) => Math.exp(-0.5 * x * x) / SQRT2PI;

/** z with P(|Z| >= z) = p (two-sided), by bisection on the normal tail. */
export function twoSidedZ(p: number): number {
  if (!(p > 0)) return Infinity;
  if (p >= 1) return 0;
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (2 * normalCdf(-mid) > p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Simpson weights for GRID points over [-b, b]. */
function simpson(b: number): { xs: Float64Array; ws: Float64Array } {
  const xs = new Float64Array(GRID);
  const ws = new Float64Array(GRID);
  const h = (2 * b) / (GRID - 1);
  for (let i = 0; i < GRID; i++) {
    xs[i] = -b + i * h;
    ws[i] = (h / 3) * (i === 0 || i === GRID - 1 ? 1 : i % 2 ? 4 : 2);
  }
  return { xs, ws };
}

/** Where no look has crossed yet: grid points, Simpson weights and the paths' density there. */
interface Alive {
  xs: Float64Array;
  ws: Float64Array;
  f: Float64Array;
}

/**
 * The critical value (z scale) at information `info` for which the paths in `alive` (observed at
 * `prevInfo`) cross with probability `share`: Newton's method on the boundary b = c sqrt(info), kept
 * inside a bisection bracket.
 */
function nextBoundary(alive: Alive, prevInfo: number, info: number, share: number): number {
  const { xs, ws, f } = alive;
  const sdD = Math.sqrt(info - prevInfo);
  const sdI = Math.sqrt(info);
  const crossAndSlope = (b: number): [number, number] => {
    let m = 0;
    let d = 0;
    for (let i = 0; i < GRID; i++) {
      const lo = (-b - xs[i]) / sdD;
      const hi = (xs[i] - b) / sdD;
      m += ws[i] * f[i] * (normalCdf(lo) + normalCdf(hi));
      d -= (ws[i] * f[i] * (phi(lo) + phi(hi))) / sdD;
    }
    return [m, d];
  };
  if (share <= 0) return Infinity;
  if (share >= crossAndSlope(0)[0]) return 0;
  let lo = 0;
  let hi = 12 * sdI;
  let b = twoSidedZ(share) * sdI; // the marginal test's boundary: a good start
  for (let i = 0; i < 50; i++) {
    const [m, d] = crossAndSlope(b);
    if (Math.abs(m - share) < 1e-10 * share) break;
    if (m > share) lo = b;
    else hi = b;
    const step = b - (m - share) / d;
    b = d < 0 && step > lo && step < hi ? step : (lo + hi) / 2;
    if (hi - lo < 1e-10) break;
  }
  return b / sdI;
}

/** The density of the paths that did not cross at a look with boundary c (z scale). */
function survive(alive: Alive | undefined, prevInfo: number, info: number, c: number): Alive {
  const sdI = Math.sqrt(info);
  const { xs, ws } = simpson(Math.min(c, 12) * sdI);
  if (!alive) return { xs, ws, f: xs.map((s) => phi(s / sdI) / sdI) };
  const sdD = Math.sqrt(info - prevInfo);
  const f = xs.map((s) => {
    let d = 0;
    for (let i = 0; i < GRID; i++) d += alive.ws[i] * alive.f[i] * phi((s - alive.xs[i]) / sdD);
    return d / sdD;
  });
  return { xs, ws, f };
}

/**
 * Two-sided critical values (z scale) at level `gamma` for looks at information levels `info`
 * (strictly increasing) spending `spent[k]` (cumulative share of gamma by look k, non-decreasing, last
 * <= 1). Infinity where a look may spend nothing; 0 where it may spend everything left. `stop`: end
 * early once it returns true for a look's boundary (the paths' density is not carried past it).
 */
export function boundaries(
  info: readonly number[],
  spent: readonly number[],
  gamma: number,
  stop: (k: number, c: number) => boolean = () => false,
): number[] {
  const out: number[] = [];
  let alive: Alive | undefined;
  for (let k = 0; k < info.length; k++) {
    const share = gamma * (spent[k] - (k ? spent[k - 1] : 0));
    const c = !alive
      ? share >= 1
        ? 0
        : share <= 0
          ? Infinity
          : twoSidedZ(share)
      : nextBoundary(alive, info[k - 1], info[k], share);
    out.push(c);
    if (stop(k, c) || k === info.length - 1) break;
    alive = survive(alive, k ? info[k - 1] : 0, info[k], c);
  }
  return out;
}

/**
 * The sequential p-value of looks with two-sided p-values `ps` at information levels `info` and
 * cumulative spending shares `spent` (all one per look, in order): the smallest level at which some
 * look crossed its boundary, 1 when none would at level 1. It lies between min_k p_k / spent_k (no
 * look's nominal level exceeds what was spent by then) and the union bound's min_k p_k / (its share).
 */
export function exactSequentialP(
  ps: readonly number[],
  info: readonly number[],
  spent: readonly number[],
): number {
  const zs = ps.map(twoSidedZ);
  if (zs.some((z, k) => z === Infinity && spent[k] > 0)) return 0; // p = 0 at a look that may pass
  const crossed = (gamma: number) => {
    let hit = false;
    boundaries(info, spent, gamma, (k, c) => (hit = zs[k] >= c));
    return hit;
  };
  if (!crossed(1)) return 1;
  const share = (k: number) => spent[k] - (k ? spent[k - 1] : 0);
  let lo = Math.max(-700, Math.log(Math.min(1, ...ps.map((p, k) => p / spent[k]))));
  let hi = Math.log(Math.min(1, ...ps.map((p, k) => (share(k) > 0 ? p / share(k) : Infinity))));
  if (!crossed(Math.exp(hi))) hi = 0;
  // bisection on log(gamma): the p-value to 0.1 % of itself
  while (hi - lo > 1e-3) {
    const mid = (lo + hi) / 2;
    if (crossed(Math.exp(mid))) hi = mid;
    else lo = mid;
  }
  return Math.exp(hi);
}
