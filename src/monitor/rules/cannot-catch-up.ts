/**
 * This run cannot catch up: even the best final val bpb it can plausibly still reach is worse than the
 * baseline band's edge at the end of the budget.
 *
 * Over the last `m` evals (all at or after `minFraction` of the token budget, inside the band's coverage),
 * take the relative gap to the baseline band mean, g = valBpb / band.mean - 1, against x = ln(tokens).
 * The extrapolation is deliberately optimistic for the run:
 *   level     = min(g)                         (its best recent standing, so one bad eval decides nothing)
 *   slope_lo  = OLS slope of g on x - z x se   (the fastest the gap can plausibly be closing)
 *   projected = level + min(0, slope_lo) x (ln budgetTokens - x_last)
 * i.e. the gap keeps closing at the fastest rate the recent evals allow, from the run's best standing, up to
 * the end of the budget. Stop when that projection is still above
 *   margin = max(minGapRel, k x band.std / band.mean)  (band at the last eval).
 * A slow starter closes its gap (negative slope) and is projected level; a spike that recovers has a low
 * level before it and a steeply negative slope after it; a run behind by a constant or growing margin
 * (a frozen layer, a harmful setting) is projected behind, and stopped long before its end.
 * Anneal ahead: a run whose LR is above the baseline's at the same tokens (`lrAheadRatio`, from the
 * reference's LR band) still has more of its decay to come than the baseline, and the decay is where a
 * higher LR wins its gap back (recorded on the bench/curves corpus: warmup-stable-decay runs sit 2.3 %
 * behind the cosine baseline at 70-85 % of the budget and finish level; LR x1.5 runs 1.7 % behind at
 * 2/3). Such a run is given `lrAheadGapRel` (5 %) instead of the margin: gaps that size close in an
 * anneal, an order of magnitude more (an LR 10x too high: 10 %) does not.
 * Needs the reference and a token budget; otherwise continue.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from '../base.ts';
import { lrRatioToBaseline, round } from '../curve.ts';

export interface CannotCatchUpParams {
  m: number; // default 3 evals
  minFraction: number; // default 0.1 of the token budget
  z: number; // default 2 (standard errors on the slope)
  minGapRel: number; // default 0.015 (1.5 % of the band mean)
  k: number; // default 3 band sigmas
  lrAheadRatio: number; // default 1.25: run lr / baseline lr above which the anneal is still ahead
  lrAheadGapRel: number; // default 0.05: the margin for such a run
}

export const DEFAULT_CANNOT_CATCH_UP_PARAMS: CannotCatchUpParams = {
  m: 3,
  minFraction: 0.1,
  z: 2,
  minGapRel: 0.015,
  k: 3,
  lrAheadRatio: 1.25,
  lrAheadGapRel: 0.05,
};

export function cannotCatchUpRule(params: Partial<CannotCatchUpParams> = {}): MonitorRule {
  const p = { ...DEFAULT_CANNOT_CATCH_UP_PARAMS, ...params };
  return {
    name: 'cannot-catch-up',
    check(curve: Curve, reference?: Reference): Decision {
      const budget = curve.budgetTokens;
      if (!reference || !budget || curve.eval.length < p.m) return CONTINUE;
      const last = curve.eval.slice(-p.m);
      if (last[0].tokens < p.minFraction * budget) return CONTINUE;
      const xs: number[] = [];
      const gs: number[] = [];
      let band;
      for (const e of last) {
        band = reference.evalBand(e.tokens);
        if (!band || !(band.mean > 0) || !Number.isFinite(e.valBpb) || !(e.tokens > 0)) return CONTINUE;
        xs.push(Math.log(e.tokens));
        gs.push(e.valBpb / band.mean - 1);
      }
      const sigmaRel = band && Number.isFinite(band.std) ? band.std / band.mean : 0;
      const lrRatio = lrRatioToBaseline(curve, reference);
      const annealAhead = lrRatio !== undefined && lrRatio > p.lrAheadRatio;
      const margin = Math.max(p.minGapRel, p.k * sigmaRel, annealAhead ? p.lrAheadGapRel : 0);
      const level = Math.min(...gs);
      if (!(level > margin)) return CONTINUE;
      const { slope, se } = olsSlope(xs, gs);
      const slopeLo = slope - p.z * se;
      const remaining = Math.log(budget) - xs[xs.length - 1];
      const projected = remaining > 0 ? level + Math.min(0, slopeLo) * remaining : level;
      if (!(projected > margin)) return CONTINUE;
      const e = last[last.length - 1];
      return {
        action: 'stop',
        rule: 'cannot-catch-up',
        message: `val bpb ${round(e.valBpb)} is ${(100 * gs[gs.length - 1]).toFixed(1)} % behind the baseline; even closing at its fastest plausible rate it ends ${(100 * projected).toFixed(1)} % behind (> ${(100 * margin).toFixed(1)} %) (tokens ${e.tokens})`,
        evidence: {
          evals: last.map((x, i) => ({
            step: x.step,
            tokens: x.tokens,
            valBpb: round(x.valBpb),
            gapRel: round(gs[i], 4),
          })),
          level: round(level, 4),
          slopePerLnTokens: round(slope, 4),
          slopeSe: round(se, 4),
          slopeLo: round(slopeLo, 4),
          budgetTokens: budget,
          projectedFinalGapRel: round(projected, 4),
          marginRel: round(margin, 4),
          lrVsBaseline: lrRatio === undefined ? null : round(lrRatio, 3),
        },
      };
    },
  };
}

/** Least-squares slope of y on x and its standard error (infinite with fewer than 3 points). */
export function olsSlope(xs: readonly number[], ys: readonly number[]): { slope: number; se: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (!(sxx > 0)) return { slope: 0, se: Infinity };
  const slope = sxy / sxx;
  if (n < 3) return { slope, se: Infinity };
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i] - my - slope * (xs[i] - mx)) ** 2;
  return { slope, se: Math.sqrt(rss / (n - 2) / sxx) };
}
