/**
 * LR-schedule sanity, from the `lr` the trainer logs with every train point. Two schedule bugs leave a run
 * training at the wrong LR for most of its budget while its loss still looks plausible:
 *
 * - dead LR: the LR fell to ~0 (each of the last `zeroPoints` points at or below `zeroFrac` x the peak so
 *   far) before `deadBeforeFraction` of the token budget. Nothing after that point can train, so the rest
 *   of the budget is wasted. Healthy schedules end at minLrFrac x peak (0.1 by default), and even a cosine
 *   to exactly 0 is above 1 % of its peak until ~94 % of the run.
 * - warmup that never ends: the LR is still rising at `warmupMaxFraction` of the budget AND the run is
 *   clearly behind the baseline band at its latest eval (val bpb above mean + max(k sigma, minGapRel x mean)).
 *   A long warmup alone is a legitimate choice; one that has also cost the run its place in the race is not.
 *   Without a reference band this half of the rule says continue.
 * Needs a token budget and an lr trace; without either, continue.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule, type Reference } from '../base.ts';
import { progressFraction, round, warmupEndIndex } from '../curve.ts';

export interface LrScheduleParams {
  zeroFrac: number; // default 0.01 of the peak LR so far
  zeroPoints: number; // default 5 consecutive points
  deadBeforeFraction: number; // default 0.9 of the token budget
  warmupMaxFraction: number; // default 0.25 of the token budget
  k: number; // default 3 sigmas (warmup test's "clearly behind")
  minGapRel: number; // default 0.02 of the band mean
  sigmaFloorAbs: number; // default 0.002 bpb
}

export const DEFAULT_LR_SCHEDULE_PARAMS: LrScheduleParams = {
  zeroFrac: 0.01,
  zeroPoints: 5,
  deadBeforeFraction: 0.9,
  warmupMaxFraction: 0.25,
  k: 3,
  minGapRel: 0.02,
  sigmaFloorAbs: 0.002,
};

export function lrScheduleRule(params: Partial<LrScheduleParams> = {}): MonitorRule {
  const p = { ...DEFAULT_LR_SCHEDULE_PARAMS, ...params };
  return {
    name: 'lr-schedule',
    check(curve: Curve, reference?: Reference): Decision {
      const train = curve.train;
      const frac = progressFraction(curve);
      const n = train.length;
      if (frac === undefined || n < p.zeroPoints || train.some((t) => t.lr === undefined)) return CONTINUE;
      const last = train[n - 1];
      let peak = 0;
      for (const t of train) peak = Math.max(peak, t.lr!);
      const tail = train.slice(n - p.zeroPoints);
      if (peak > 0 && frac < p.deadBeforeFraction && tail.every((t) => t.lr! <= p.zeroFrac * peak)) {
        return {
          action: 'stop',
          rule: 'lr-schedule',
          message: `lr ${last.lr!.toPrecision(3)} <= ${p.zeroFrac} x peak ${peak.toPrecision(3)} at ${(100 * frac).toFixed(0)} % of the budget: the rest cannot train`,
          evidence: {
            test: 'dead-lr',
            step: last.step,
            tokens: last.tokens,
            budgetFraction: round(frac, 3),
            peakLr: round(peak),
            recentLr: tail.map((t) => round(t.lr!)),
          },
        };
      }
      if (frac < p.warmupMaxFraction || warmupEndIndex(train) !== n || !reference) return CONTINUE;
      const e = curve.eval.at(-1);
      const band = e && reference.evalBand(e.tokens);
      if (!e || !band || !Number.isFinite(band.mean)) return CONTINUE;
      const sigma = Math.max(Number.isFinite(band.std) ? band.std : 0, p.sigmaFloorAbs);
      const threshold = band.mean + Math.max(p.k * sigma, p.minGapRel * band.mean);
      if (!(e.valBpb > threshold)) return CONTINUE;
      return {
        action: 'stop',
        rule: 'lr-schedule',
        message: `lr still warming up (${last.lr!.toPrecision(3)}) at ${(100 * frac).toFixed(0)} % of the budget and val bpb ${e.valBpb.toFixed(4)} > band threshold ${threshold.toFixed(4)}`,
        evidence: {
          test: 'endless-warmup',
          step: last.step,
          tokens: last.tokens,
          budgetFraction: round(frac, 3),
          lr: round(last.lr!),
          firstLr: round(train[0].lr!),
          evalTokens: e.tokens,
          valBpb: round(e.valBpb),
          bandMean: round(band.mean),
          bandStd: round(band.std),
          threshold: round(threshold),
        },
      };
    },
  };
}
