/**
 * Attribution of a multi-knob win to its knobs, from the ablation arms (core/ablation.ts).
 *
 * Knob k's share: Δ(win) − Δ(win without k) = mean over seeds s of win_s − drop(k)_s, paired by seed
 * (the arms run on the win's own seeds, so the base cancels). Its 95 % interval is the paired t
 * interval. Where the session's trainer pairs seeds (core/paired.ts `designPairs`: the seed fixes the
 * data order and, for same-shape configs, the initial weights) and MIN_PAIRS pairs or more ran, it is
 * the judge's paired test (stats/paired-seeds.ts): the differences' own sd, exact for normal
 * differences at n − 1 df, and an arm whose runs are erratic pays for it in its own width. Otherwise
 * the paired sd is never below √2 × the session's pooled noise floor: without a pairing trainer the
 * differences carry two runs' noise, and two pairs give an sd too unstable to trust. With the floor
 * on a pairing trainer, a knob worth −0.0064 on three pairs (−0.0056, −0.0059, −0.0076: sd 0.0010)
 * read as noise (logit softcap 15, bench/research-efficiency regime (a) at 96 full runs, BENCHMARKS.md),
 * and the minimal change dropped it. A knob *carries*
 * part of the win when its interval lies below 0 (removing it hurts); *noise* when the interval
 * holds 0; *hurts* when removing it helps. Add-one-in (the knob alone on the base) is paired with the
 * base's runs on the same seeds.
 *
 * The minimal change keeps the knobs that carry the win (and those not measured). It differs from the
 * win only when a knob was dropped; it is then checked on its own seeds: better than the base (interval
 * below 0) and not worse than the win (its interval against the win does not lie above 0).
 */
import { pairedSd } from '../../stats/paired-seeds.ts';
import { sampleStd, mean } from '../../stats/summary.ts';
import { studentTQuantile } from '../../stats/student-t.ts';
import type { AblationStudy, KnobAttribution, MinimalChange } from './ablation-state.ts';
import { armKey, studyKnobs, winSeeds } from './ablation.ts';
import { pooledNoise } from './conclude.ts';
import { designPairs } from './paired.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { proposalOf, type SessionState } from './state.ts';

export interface Paired {
  delta: number;
  ci95: [number, number];
  n: number;
}

/**
 * What a paired interval's sd may be: never below `sd` (√2 × the pooled noise), unless `own` (the
 * study's runs pair seed by seed) and the paired test may rest on their own sd (stats/paired-seeds.ts
 * `pairedSd`: MIN_PAIRS pairs or more that vary; the file comment).
 */
export interface PairFloor {
  sd: number;
  own: boolean;
}

/** Mean and paired t interval of per-seed differences (undefined below two pairs). */
export function pairedInterval(diffs: number[], floor: PairFloor): Paired | undefined {
  const n = diffs.length;
  if (n < 2) return undefined;
  const m = mean(diffs);
  const sd = (floor.own ? pairedSd(diffs) : undefined) ?? Math.max(sampleStd(diffs), floor.sd);
  const half = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { delta: m, ci95: [m - half, m + half], n };
}

/** Top-rung values of a proposal by seed (ablation arms: their 'ablation' trials only). */
function bySeed(state: SessionState, spec: SessionSpec, proposalId: string): Map<number, number> {
  const top = String(topRung(spec));
  const out = new Map<number, number>();
  for (const t of state.trials) {
    if (t.proposalId !== proposalId) continue;
    const v = t.results[top];
    if (Number.isFinite(v) && !out.has(t.seed)) out.set(t.seed, v);
  }
  return out;
}

/** a_s − b_s over the seeds both have. */
function pairs(a: Map<number, number>, b: Map<number, number>, seeds: number[]): number[] {
  return seeds.filter((s) => a.has(s) && b.has(s)).map((s) => a.get(s)! - b.get(s)!);
}

/**
 * The floor of a study's paired intervals: √2 × the pooled within-config noise (0 before there is
 * one), which the study's own differences replace when the win, its arms and the base pair by design.
 */
export function pairFloor(state: SessionState, spec: SessionSpec, study: AblationStudy): PairFloor {
  const ids = [study.winId, ...study.arms.map((a) => a.proposalId)];
  return {
    sd: Math.SQRT2 * (pooledNoise(state, spec)?.sd ?? 0),
    own: ids.every((id) => designPairs(state, spec, proposalOf(state, id), study.baseId)),
  };
}

const armFor = (study: AblationStudy, keys: string[]) =>
  study.arms.find((a) => armKey(a.keys) === armKey(keys));

/** One entry per knob the win sets: ablated knobs with their share, the others as skipped. */
export function attribute(state: SessionState, spec: SessionSpec, study: AblationStudy): KnobAttribution[] {
  const win = proposalOf(state, study.winId);
  const set = studyKnobs(state, study);
  const all = Object.keys(set);
  const winV = winSeeds(state, spec, win.id);
  const baseV = bySeed(state, spec, study.baseId);
  const floor = pairFloor(state, spec, study);
  const out: KnobAttribution[] = [];
  for (const key of [...study.knobs, ...all.filter((k) => !study.knobs.includes(k))]) {
    const skip = study.skipped.find((s) => s.key === key);
    if (skip || !study.knobs.includes(key)) {
      out.push({
        key,
        value: set[key],
        delta: null,
        ci95: null,
        n: 0,
        verdict: 'skipped',
        reason: skip?.reason ?? 'not ablated',
      });
      continue;
    }
    const drop = armFor(
      study,
      all.filter((k) => k !== key),
    );
    const share = drop
      ? pairedInterval(pairs(winV, bySeed(state, spec, drop.proposalId), study.seeds), floor)
      : undefined;
    const solo = armFor(study, [key]);
    const alone = solo
      ? pairedInterval(pairs(bySeed(state, spec, solo.proposalId), baseV, study.seeds), floor)
      : undefined;
    out.push({
      key,
      value: set[key],
      delta: share?.delta ?? null,
      ci95: share?.ci95 ?? null,
      n: share?.n ?? 0,
      verdict: !share ? 'skipped' : share.ci95[1] < 0 ? 'carries' : share.ci95[0] > 0 ? 'hurts' : 'noise',
      ...(alone ? { alone } : {}),
      ...(share ? {} : { reason: 'its leave-one-out arm has fewer than two paired seeds' }),
    });
  }
  return out;
}

/**
 * The minimal change the attribution allows, or the keys of an arm still to run to check it.
 * Knobs that carry the win, and knobs never measured, are kept; noise and harmful knobs are dropped.
 */
export function minimalChange(
  state: SessionState,
  spec: SessionSpec,
  study: AblationStudy,
  attribution: KnobAttribution[],
): MinimalChange | { needsArm: string[] } {
  const set = studyKnobs(state, study);
  const dropped = attribution.filter((a) => a.verdict === 'noise' || a.verdict === 'hurts').map((a) => a.key);
  const kept = Object.keys(set).filter((k) => !dropped.includes(k));
  const whole = (note: string): MinimalChange => ({ set, keys: Object.keys(set), verified: true, note });
  if (!attribution.some((a) => a.verdict !== 'skipped'))
    return whole('no knob was measured (the study stopped first): the whole change is kept');
  if (dropped.length === 0)
    return whole('every knob taken apart carries part of the win: the whole change is kept');
  if (kept.length === 0)
    return whole(
      'no knob carries the win on its own beyond the noise (they may stand in for each other): the whole change is kept',
    );
  const arm = armFor(study, kept);
  if (!arm) return { needsArm: kept };
  return checkMinimal(state, spec, study, arm.proposalId, kept);
}

/** Check the minimal change on its arm's seeds: better than the base, not worse than the win. */
export function checkMinimal(
  state: SessionState,
  spec: SessionSpec,
  study: AblationStudy,
  armId: string,
  keys: string[],
): MinimalChange {
  const all = studyKnobs(state, study);
  const set = Object.fromEntries(keys.map((k) => [k, all[k]]));
  const floor = pairFloor(state, spec, study);
  const arm = bySeed(state, spec, armId);
  const vsBase = pairedInterval(pairs(arm, bySeed(state, spec, study.baseId), study.seeds), floor);
  const vsWin = pairedInterval(pairs(arm, winSeeds(state, spec, study.winId), study.seeds), floor);
  if (!vsBase || !vsWin)
    return { set, keys, verified: null, note: 'not checked: its runs have fewer than two paired seeds' };
  const better = vsBase.ci95[1] < 0;
  const notWorse = vsWin.ci95[0] <= 0;
  return {
    set,
    keys,
    verified: better && notWorse,
    note:
      better && notWorse
        ? `checked on ${vsBase.n} seeds: better than the base and not worse than the whole win`
        : !better
          ? `failed its check: not better than the base on ${vsBase.n} seeds; the whole change is kept`
          : `failed its check: worse than the whole win on ${vsWin.n} seeds; the whole change is kept`,
    delta: vsBase.delta,
    ci95: vsBase.ci95,
  };
}
