/**
 * Behind baseline: the run's eval val bpb is worse than the baseline band at the same token count for
 * `m` consecutive evals, and not catching up.
 *
 * For each of the last `m` evals (all inside the band's coverage and at or after `minFraction` of the
 * token budget), the run is "behind" when
 *   valBpb > band.mean + max(k x sigma, minGapRel x band.mean),   sigma = max(band.std, sigmaFloorAbs).
 * - k x sigma: outside the seed-to-seed spread of the baseline (a single run is compared with single
 *   seeds, so it is the seeds' std, not the std of their mean).
 * - sigma floor: a baseline of identical seeds (std 0, or 2 seeds that happen to agree) must not turn
 *   every tiny difference into a kill.
 * - minGapRel: mid-run gaps of a couple of percent are routinely closed by the end of a schedule (a higher
 *   lr sits higher during the stable phase and gains it back in the decay). Recorded: tiny preset at
 *   lr 3e-2 is 1.5-1.8 % behind the lr 3e-3 baseline at 1/3-1/2 of its budget and finishes ahead. ASHA's
 *   rung comparisons deal with modest gaps; this rule only kills runs that are clearly out of the race.
 * Catching up: if the gap to the band mean shrank to below `catchUpRatio` x its value at the first of the
 * m evals, the run is gaining on the baseline and continues.
 * Anneal ahead: a run whose LR is above `lrAheadRatio` x the baseline's at the same tokens (src/monitor/
 * curve.ts lrRatioToBaseline) gets `lrAheadGapRel` instead of minGapRel: recorded on the bench/curves
 * corpus, warmup-stable-decay runs sit 2-2.5 % behind the cosine baseline for 3 evals at 75-85 % of the
 * budget and finish level.
 * Needs the Reference; without one, or where the band does not cover the tokens, it says continue.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from '../base.ts';
import { lrRatioToBaseline, round } from '../curve.ts';

export interface BehindBaselineParams {
  k: number; // default 3 (sigmas)
  m: number; // default 3 consecutive evals
  sigmaFloorAbs: number; // default 0.002 bpb
  minGapRel: number; // default 0.02 (2 % of the band mean)
  minFraction: number; // default 0.2 of the token budget (ignored when the budget is not in tokens)
  catchUpRatio: number; // default 0.9
  lrAheadRatio: number; // default 1.25
  lrAheadGapRel: number; // default 0.05
}

export const DEFAULT_BEHIND_BASELINE_PARAMS: BehindBaselineParams = {
  k: 3,
  m: 3,
  sigmaFloorAbs: 0.002,
  minGapRel: 0.02,
  minFraction: 0.2,
  catchUpRatio: 0.9,
  lrAheadRatio: 1.25,
  lrAheadGapRel: 0.05,
};

export function behindBaselineRule(params: Partial<BehindBaselineParams> = {}): MonitorRule {
  const p = { ...DEFAULT_BEHIND_BASELINE_PARAMS, ...params };
  return {
    name: 'behind-baseline',
    check(curve: Curve, reference?: Reference): Decision {
      if (!reference || curve.eval.length < p.m) return CONTINUE;
      const last = curve.eval.slice(-p.m);
      if (curve.budgetTokens && last[0].tokens < p.minFraction * curve.budgetTokens) return CONTINUE;
      const lrRatio = lrRatioToBaseline(curve, reference);
      const gapRel = lrRatio !== undefined && lrRatio > p.lrAheadRatio ? p.lrAheadGapRel : p.minGapRel;
      const rows = [];
      for (const e of last) {
        const band = reference.evalBand(e.tokens);
        if (!band || !Number.isFinite(band.mean) || !Number.isFinite(e.valBpb)) return CONTINUE;
        const sigma = Math.max(Number.isFinite(band.std) ? band.std : 0, p.sigmaFloorAbs);
        const threshold = band.mean + Math.max(p.k * sigma, gapRel * band.mean);
        if (!(e.valBpb > threshold)) return CONTINUE;
        rows.push({
          step: e.step,
          tokens: e.tokens,
          valBpb: round(e.valBpb),
          mean: round(band.mean),
          std: round(band.std),
          n: band.n,
          threshold: round(threshold),
        });
      }
      const gapFirst = rows[0].valBpb - rows[0].mean;
      const gapLast = rows[p.m - 1].valBpb - rows[p.m - 1].mean;
      if (gapLast < p.catchUpRatio * gapFirst) return CONTINUE;
      const end = rows[p.m - 1];
      return {
        action: 'stop',
        rule: 'behind-baseline',
        message: `val bpb ${end.valBpb} > baseline band ${end.mean} (threshold ${end.threshold}) for ${p.m} evals, not catching up (tokens ${end.tokens})`,
        evidence: {
          evals: rows,
          gapFirst: round(gapFirst),
          gapLast: round(gapLast),
          k: p.k,
          minGapRel: gapRel,
          lrVsBaseline: lrRatio === undefined ? null : round(lrRatio, 3),
        },
      };
    },
  };
}
