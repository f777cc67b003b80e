/**
 * Is a change a real improvement? The one place that says "win". Lower is better (val bpb).
 *
 * A win needs all of:
 *  1. at least `minSeeds` (3) finite results for the candidate and for the baseline;
 *  2. the bootstrap 95 % CI of mean(candidate) - mean(baseline) entirely below 0;
 *  3. the Welch p-value (or the session's multiplicity-adjusted p, `adjustedP`) below `alpha`;
 *  4. a held-out confirmation: `minConfirm` extra candidate seeds NOT used in 1-3, whose mean beats the
 *     baseline mean by at least the smallest improvement the CI claims, i.e.
 *       mean(confirm) - mean(baseline) <= ci95.hi   (ci95.hi < 0 by 2).
 *     This is "agrees in sign" made strict: the unbiased re-estimate must be inside the CI or better.
 *     Why: the decision seeds are the ones that looked good (winner's curse, and a bootstrap CI of 3
 *     seeds is too narrow), the confirmation seeds are not. Measured under no real effect (judge.test.ts,
 *     2000 simulated comparisons, 3-5 seeds a side, 1 confirmation seed): the decision stage passes 2.05 %
 *     of the time and the confirmation keeps two thirds of those: false-win rate 1.4 % at alpha 0.05.
 *  5. the change is not seed-only (`noiseOnly`), which can never be a win.
 * A research session judges sequentially (src/research/core/conclude.ts): it passes `minSeeds: 1`, and
 * as `adjustedP` the Holm-adjusted sequential p-value (sequential.ts), which carries the spending over
 * looks and spends nothing at one seed: a pass rests on two seeds or more (`MIN_PASS_SEEDS`), so a
 * candidate's own spread has been seen before it is trusted to the pooled noise floor.
 *
 * Two guards against a shared, unlucky baseline (3 seeds can land together on one side of the truth and
 * under-state the noise; every candidate then "beats" it):
 *  - `noise`: a session-wide noise floor (sd pooled within configs over all multi-seed results, with its
 *    df). The base side's variance is the pooled one (its own 2-3 seeds estimate it badly either way),
 *    the candidate's the larger of pooled and its own (`floorTest`), so the test's standard error is
 *    never below what that noise floor implies, and the CI is the
 *    wider of the bootstrap CI and the t interval at that standard error.
 *  - `confirmBaseline`: the baseline re-run on the confirmation seeds. Then the confirmation delta is
 *    paired on fresh seeds (mean(confirm) - mean(confirmBaseline)), free of the original baseline's draw
 *    (on a seed-pairing trainer the base's half may be its decision run on a seed the candidate's
 *    decision never ran, `confirmBaselineInBaseline`: the seed's shared part, most of its noise, cancels);
 *    it must show at least half the CI's smallest improvement (a single pair carries ~sqrt(2) sigma of
 *    noise), and all seeds together (decision + confirmation, both sides) must stay significant at the
 *    session's adjusted level.
 * On a trainer whose seeds are shared by every config run on them (one data order per seed), the
 * session passes `blocked` / `blockedAll`: the same contrast on seed blocks (seed-blocks.ts), which
 * then replaces the noise-floor test and the bootstrap CI (both unpaired, both counting the shared
 * part of the seed spread as noise); a candidate whose own spread is larger than the floor keeps the
 * unpaired test. On the reference trainer a config change's look from its third shared seed on is
 * the paired t test on its own differences from the base (paired-seeds.ts), passed the same way.
 * `loss`: CI entirely above 0 and p < alpha (no confirmation needed: a wrongly dropped idea costs little).
 * `pending`: more seeds are needed (1), or the decision stage passed and the confirmation is missing.
 * `inconclusive`: everything else; `reasons` says which test failed.
 */
import { bootstrapDiffCI } from './bootstrap.ts';
import { mean, sampleVariance } from './summary.ts';
import { fUpperP, studentTQuantile, studentTTwoSidedP } from './student-t.ts';
import { welchTest, type WelchResult } from './welch.ts';

export type Verdict = 'win' | 'loss' | 'inconclusive' | 'pending';

export interface JudgeInput {
  baseline: readonly number[];
  candidate: readonly number[];
  /** Held-out confirmation seeds of the candidate, never part of `candidate`. */
  confirm?: readonly number[];
  minSeeds?: number; // default 3 (README.md "Research sessions": >= 3 seeds)
  minConfirm?: number; // default 1 (README.md "Research sessions": a held-out re-run)
  alpha?: number; // default 0.05
  /** Multiplicity-adjusted p for this comparison (see multiple.ts); replaces the raw Welch p in test 3. */
  adjustedP?: number;
  /**
   * The raw p of the look `adjustedP` adjusts (the decision's latest look, taken when its seeds ended:
   * research/core/conclude.ts). The all-seeds test is scaled by adjustedP / lookP, the factor the
   * adjustment applied. Without it the test reads this call's own raw p, which can be far smaller than
   * the look's: a seed-blocked contrast re-fitted after the confirmation has more runs on its seeds.
   */
  lookP?: number;
  /** The change only touches seed / noise keys (see seed-only.ts): never a win. */
  noiseOnly?: boolean;
  /** Session-wide noise floor: within-config sd pooled over every multi-seed result, and its df. */
  noise?: { sd: number; df: number };
  /** The baseline re-run on the confirmation seeds (paired held-out confirmation). */
  confirmBaseline?: readonly number[];
  /**
   * `confirmBaseline` holds the base's own decision runs on seeds the candidate's decision never ran
   * (research/core/trial-steps.ts `scheduleConfirmation`): already in `baseline`, not added to it again.
   */
  confirmBaselineInBaseline?: boolean;
  /**
   * The same contrast on seed blocks (seed-blocks.ts), when the session's runs show a seed effect:
   * replaces the noise-floor test and the bootstrap CI (both unpaired). `blockedAll`: the same with the
   * confirmation seeds added, for the all-seeds test of the confirmation.
   */
  blocked?: SeedBlocked;
  blockedAll?: SeedBlocked;
  resamples?: number; // bootstrap, default 10_000
  seed?: number; // bootstrap RNG seed, default 0
}

/** A contrast's estimate, standard error and df from the seed-blocked model. */
export interface SeedBlocked {
  delta: number;
  se: number;
  df: number;
  n?: number; // a paired contrast's pairs (paired-seeds.ts); absent for the seed-blocked fit
}

export interface Judgement {
  delta: number; // mean(candidate) - mean(baseline); negative = better
  ci95: [number, number];
  pValue: number; // raw Welch two-sided p (feed these into multiple.ts across the session)
  adjustedP?: number;
  confirmDelta?: number; // mean(confirm) - mean(baseline)
  verdict: Verdict;
  reasons: string[];
  onBlocks?: true; // the decision test was the seed-blocked contrast
}

export function judgeChange(input: JudgeInput): Judgement {
  const { minSeeds = 3, minConfirm = 1, alpha = 0.05, adjustedP, noiseOnly = false } = input;
  const reasons: string[] = [];
  const baseline = finite(input.baseline, 'baseline', reasons);
  const candidate = finite(input.candidate, 'candidate', reasons);
  const confirm = finite(input.confirm ?? [], 'confirmation', reasons);
  // a change that makes its own runs noisier is judged unpaired, by its own spread (floorTest)
  const blocked =
    input.blocked && candidate.length > 0 && baseline.length > 0 && !noisier(candidate, input.noise)
      ? input.blocked
      : undefined;
  const w = blocked
    ? blockedTest(blocked)
    : floorTest(welchTest(baseline, candidate), baseline, candidate, input.noise);
  const ci = blocked
    ? widen({ lo: w.delta, hi: w.delta }, w)
    : widen(bootstrapDiffCI(baseline, candidate, { resamples: input.resamples, seed: input.seed }), w);
  if (blocked)
    reasons.push(
      `${blocked.n ? `on ${blocked.n} paired seeds` : 'on seed blocks'}: delta ${fmt(w.delta)} ± ${fmt(w.se)} (df ${w.df})`,
    );
  const out = (verdict: Verdict, confirmDelta?: number): Judgement => ({
    delta: w.delta,
    ci95: [ci.lo, ci.hi],
    pValue: w.pValue,
    ...(adjustedP === undefined ? {} : { adjustedP }),
    ...(confirmDelta === undefined ? {} : { confirmDelta }),
    verdict,
    reasons,
    ...(blocked ? { onBlocks: true as const } : {}),
  });

  if (candidate.length < minSeeds || baseline.length < minSeeds) {
    reasons.push(
      `need >= ${minSeeds} seeds each (baseline ${baseline.length}, candidate ${candidate.length})`,
    );
    return out('pending');
  }
  if (noiseOnly) {
    reasons.push('the change only touches seed/noise keys: never a win');
    return out('inconclusive');
  }
  const p = adjustedP ?? w.pValue;
  const pName = adjustedP === undefined ? 'p' : 'adjusted p';
  const significant = p < alpha;
  if (!significant) reasons.push(`${pName}=${fmt(p)} >= alpha=${alpha}`);
  if (ci.lo > 0 && significant) {
    reasons.push(`CI [${fmt(ci.lo)}, ${fmt(ci.hi)}] above 0 and ${pName}=${fmt(p)} < ${alpha}: worse`);
    return out('loss');
  }
  if (!(ci.hi < 0)) reasons.push(`CI [${fmt(ci.lo)}, ${fmt(ci.hi)}] does not exclude 0 on the better side`);
  if (!(ci.hi < 0 && significant)) return out('inconclusive');

  reasons.push(`CI [${fmt(ci.lo)}, ${fmt(ci.hi)}] below 0 and ${pName}=${fmt(p)} < ${alpha}`);
  if (confirm.length < minConfirm) {
    reasons.push(`needs a held-out confirmation (${confirm.length}/${minConfirm} seeds)`);
    return out('pending');
  }
  const confirmBase = finite(input.confirmBaseline ?? [], 'confirmation baseline', reasons);
  if (confirmBase.length > 0) {
    // Paired: candidate and baseline on the same held-out seeds. Its own noise is ~sqrt(2) sigma per
    // pair, so it must show at least half the smallest improvement the CI claims, and all seeds together
    // (decision + confirmation, both sides) must stay significant at the session's adjusted level.
    const pairedDelta = mean(confirm) - mean(confirmBase);
    const allBase = input.confirmBaselineInBaseline ? baseline : [...baseline, ...confirmBase];
    const allCand = [...candidate, ...confirm];
    const all =
      input.blockedAll && !noisier(allCand, input.noise)
        ? blockedTest(input.blockedAll)
        : floorTest(welchTest(allBase, allCand), allBase, allCand, input.noise);
    // The decision alone holds the false-win level (a pass is needed before any confirmation); this
    // filter only asks that all seeds stay significant at the level the decision's adjustment set.
    const rawP = input.lookP !== undefined && input.lookP > 0 ? input.lookP : w.pValue;
    const scale = adjustedP !== undefined && rawP > 0 ? Math.max(1, adjustedP / rawP) : 1;
    const allP = Math.min(1, all.pValue * scale);
    if (pairedDelta <= ci.hi / 2 && all.delta < 0 && allP < alpha) {
      reasons.push(
        `paired confirmation delta ${fmt(pairedDelta)} <= ${fmt(ci.hi / 2)}; all seeds: delta ${fmt(all.delta)}, p=${fmt(allP)}`,
      );
      return out('win', pairedDelta);
    }
    reasons.push(
      `paired confirmation delta ${fmt(pairedDelta)} (needs <= ${fmt(ci.hi / 2)}); all seeds p=${fmt(allP)}: not reproduced`,
    );
    return out('inconclusive', pairedDelta);
  }
  const confirmDelta = mean(confirm) - mean(baseline);
  if (confirmDelta <= ci.hi) {
    reasons.push(`confirmation delta ${fmt(confirmDelta)} <= CI upper end ${fmt(ci.hi)}`);
    return out('win', confirmDelta);
  }
  reasons.push(`confirmation delta ${fmt(confirmDelta)} > CI upper end ${fmt(ci.hi)}: not reproduced`);
  return out('inconclusive', confirmDelta);
}

/**
 * The test against the session's noise floor (pooled within-config sd, with its df). The base side's
 * variance is the pooled one: the base's own 2-3 seeds estimate it far worse (an unlucky spread either
 * way made the Welch test either over-confident or powerless), and they are part of the pool anyway.
 * The candidate side's is its own when an F-test says it is larger than the pooled one (p < 0.05), so a
 * change that makes training noisier is not judged with the calm configs' noise (df then by
 * Welch–Satterthwaite); 2-3 seeds' own spread is too noisy to use otherwise. Never more
 * confident than the noise floor allows: SE >= sd * sqrt(1/nb + 1/nc). Without a noise floor: Welch.
 */
function floorTest(
  w: WelchResult,
  base: readonly number[],
  cand: readonly number[],
  noise?: { sd: number; df: number },
): WelchResult {
  const nb = base.length;
  const nc = cand.length;
  if (!noise || !(noise.sd > 0) || !(noise.df >= 1) || nb < 1 || nc < 1) return w;
  const pooled = noise.sd ** 2;
  const own = nc >= 2 ? sampleVariance(cand) : NaN;
  const vb = pooled / nb;
  const wider = noisier(cand, noise);
  const vc = (wider ? own : pooled) / nc;
  const se = Math.sqrt(vb + vc);
  const df = wider ? (vb + vc) ** 2 / (vb ** 2 / noise.df + vc ** 2 / (nc - 1)) : noise.df;
  const t = w.delta / se;
  return { delta: w.delta, t, df, se, pValue: studentTTwoSidedP(t, df) };
}

/** The candidate's own spread is larger than the noise floor (F test, p < 0.05; needs 2 seeds). */
function noisier(cand: readonly number[], noise?: { sd: number; df: number }): boolean {
  if (!noise || !(noise.sd > 0) || !(noise.df >= 1) || cand.length < 2) return false;
  const own = sampleVariance(cand);
  const pooled = noise.sd ** 2;
  return own > pooled && fUpperP(own / pooled, cand.length - 1, noise.df) < 0.05;
}

/** The t test of a seed-blocked contrast. */
function blockedTest(b: SeedBlocked): WelchResult {
  const t = b.delta / b.se;
  return { delta: b.delta, t, df: b.df, se: b.se, pValue: studentTTwoSidedP(t, b.df) };
}

/** The wider of the bootstrap CI and the t interval at the (floored) standard error. */
function widen(boot: { lo: number; hi: number }, w: WelchResult): { lo: number; hi: number } {
  if (!Number.isFinite(w.se) || !Number.isFinite(w.df)) return boot;
  const half = studentTQuantile(0.975, w.df) * w.se;
  return { lo: Math.min(boot.lo, w.delta - half), hi: Math.max(boot.hi, w.delta + half) };
}

function finite(xs: readonly number[], name: string, reasons: string[]): number[] {
  const ok = xs.filter(Number.isFinite);
  if (ok.length < xs.length) reasons.push(`dropped ${xs.length - ok.length} non-finite ${name} value(s)`);
  return ok;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : String(x);
}
