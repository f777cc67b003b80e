/**
 * Ablation of multi-knob wins (README "Research sessions"). A confirmed win that changes several knobs
 * at once (a TPE draw, a stack of wins, a researcher's bundle) is one opaque change until it is taken
 * apart: which knobs carry it, and which ride along as noise? The engine runs leave-one-out arms (the
 * win minus one knob, for each knob) and, when it is cheap (few knobs), add-one-in arms (one knob alone
 * on the base), all at the full budget on the win's own seeds, so each arm pairs seed by seed with the
 * win (or the base). ablation-stats.ts turns those pairs into an attribution per knob and the minimal
 * change that carries the win.
 *
 * This file is the plan: which knobs (most important first, at most MAX_ABLATION_KNOBS; the rest are
 * journaled as skipped and stay set in every arm), which arms, which seeds, and how many runs the
 * scheduler keeps in reserve for it. Pure: transitions/ablated.ts applies it to a draft.
 *
 * Arm trials have their own purpose ('ablation'): they are measurements, never judged, never in the
 * noise floor, the Holm family, successive halving or the stack (conclude.ts, scheduler.ts, stack.ts).
 */
import { isMixtureKey } from '../../config/keys.ts';
import { canonicalJson, getPath } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { onlyNoisePaths } from '../../stats/seed-only.ts';
import type { AblationArm, AblationStudy } from './ablation-state.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { capacityRuns } from './run-cost.ts';
import { baseOf } from './base.ts';
import { BASELINE, proposalOf, type ProposalState, type SessionState } from './state.ts';

export const ABLATION_SOURCE = 'ablation';
/** Knobs taken apart per win, at most: each costs one arm of `seeds` full-budget runs. */
export const MAX_ABLATION_KNOBS = 4;
/** Add-one-in arms only up to this many knobs (with two they are the leave-one-out arms themselves). */
export const ALONE_MAX_KNOBS = 3;
/** Seeds per arm, at most (the win's own top-rung seeds, decision and confirmation). */
export const MAX_ABLATION_SEEDS = 5;
/**
 * Seeds per arm, at least. Two pairs leave the paired t interval one degree of freedom (t 12.7): in
 * the README demo, RoPE's and the untied head's shares of a −0.105 stack came out −0.013 ± 0.066 and
 * −0.046 ± 0.066, both "noise", and the minimal change built on that failed its own check: 6 of the
 * session's ~24 full runs for nothing. Three pairs give two (t 4.3), about a third of the width.
 */
export const MIN_ABLATION_SEEDS = 3;
/**
 * A session's ablations together take at most this share of the full runs its budget pays for
 * (run-cost.ts `capacityRuns`; `ablationRunsLeft`). Past it the plan drops the add-one-in arms, then its smallest moves
 * (down to 2 knobs), then seeds (down to MIN_ABLATION_SEEDS); a short session that cannot pay even that
 * skips the ablation and says so. Without the cap a 4-knob stack's 8 arms x 2 seeds took a third of a 24-run
 * session (BENCHMARKS.md, regime (a)), and a 2-knob ablation on 2 seeds a side there called both knobs
 * noise; a session of ~24 full runs now leaves it to the screen's fit or a longer session.
 */
export const ABLATION_SHARE = 0.15;

/**
 * Full-budget runs left of the session's ablation share: the share less the arms' runs already
 * scheduled. Per ablation, a session of 48 full runs spent 11.8 of them (25 %) taking apart its screened
 * stack and then the stack without its pace changes (bench/research-efficiency regime (a) at 48 full runs), runs its
 * later candidates lacked.
 */
export function ablationRunsLeft(state: SessionState, spec: SessionSpec, perToken?: number): number {
  // arms cancelled before they ran (transitions/ablated.ts `stopLeftBehind`) spent nothing
  const spent = state.trials.filter((t) => t.purpose === 'ablation' && t.status !== 'cancelled').length;
  return Math.max(0, ABLATION_SHARE * capacityRuns(state, spec, perToken) - spent);
}

/** Arms for `knobs` knobs: leave-one-out, plus add-one-in when `alone` (with two they coincide). */
const armCount = (knobs: number, alone: boolean) => knobs + (alone && knobs > 2 ? knobs : 0);

/**
 * The largest plan under `maxRuns` full runs, starting from `knobs` knobs (add-one-in arms up to
 * ALONE_MAX_KNOBS) on `seeds` seeds; undefined when 2 knobs on MIN_ABLATION_SEEDS seeds do not fit.
 */
export function fitPlan(
  knobs: number,
  seeds: number,
  maxRuns: number,
): { knobs: number; alone: boolean; seeds: number } | undefined {
  if (seeds < MIN_ABLATION_SEEDS) return undefined;
  const tries: Array<{ knobs: number; alone: boolean; seeds: number }> = [];
  if (knobs <= ALONE_MAX_KNOBS) tries.push({ knobs, alone: true, seeds });
  for (let k = knobs; k >= 2; k--) tries.push({ knobs: k, alone: false, seeds });
  for (let s = seeds - 1; s >= MIN_ABLATION_SEEDS; s--) tries.push({ knobs: 2, alone: false, seeds: s });
  return tries.find((t) => armCount(t.knobs, t.alone) * t.seeds <= maxRuns);
}

/**
 * The base a win was judged against (base.ts `baseOf`; the base moves when the session re-bases): its
 * proposal id and config.
 */
export function winBase(state: SessionState, winId: string): { baseId: string; config: TrainConfig } {
  const baseId = baseOf(state, winId);
  return { baseId, config: proposalOf(state, baseId).config };
}

/** The knobs a config change sets (undefined for a code change: its edits cannot be split by key). */
export function winKnobs(p: ProposalState): Record<string, unknown> | undefined {
  return p.change.kind === 'config' ? p.change.set : undefined;
}

/** What an ablation takes apart (`set`, applied to the config of `baseId`). */
export interface AblationTarget {
  baseId: string;
  set: Record<string, unknown> | undefined; // undefined: a code change
}

/**
 * What ablating `win` takes apart: its own change against the base it was judged against, unless that
 * base is itself a config win of the session and `win` sets some of its knobs back to the values
 * under it (the screen's pace check: the screened stack without its pace changes). Then it is the
 * stack the session keeps, against the config that stack replaced: the pace check's own knobs only
 * say that dropping them paid, which its win already says. Found in bench/research-efficiency regime
 * (a) at 96 full runs (BENCHMARKS.md): the stack that ended as the base was never taken apart.
 */
export function ablationTarget(state: SessionState, win: ProposalState): AblationTarget {
  let baseId = baseOf(state, win.id);
  let set = winKnobs(win);
  while (set && baseId !== BASELINE) {
    const stack = winKnobs(proposalOf(state, baseId));
    const under = baseOf(state, baseId);
    const below = proposalOf(state, under).config;
    const atBelow = ([k, v]: [string, unknown]) => canonicalJson(getPath(below, k)) === canonicalJson(v);
    if (!stack || !Object.entries(set).some((e) => e[0] in stack && atBelow(e))) break;
    set = Object.fromEntries(Object.entries({ ...stack, ...set }).filter((e) => !atBelow(e)));
    baseId = under;
  }
  return { baseId, set };
}

/** The knobs a study takes apart, with the values the win sets (`ablationTarget`). */
export function studyKnobs(state: SessionState, study: AblationStudy): Record<string, unknown> {
  return study.set ?? winKnobs(proposalOf(state, study.winId)) ?? {};
}

/** A multi-knob config win that nobody has ablated yet, and that is not an arm itself. */
export function ablatable(state: SessionState, p: ProposalState): string | undefined {
  if (p.id === BASELINE || p.ablationOf) return `${p.id} is not a change of this session`;
  if (p.verdict !== 'win' || !p.confirmed) return `${p.id} is not a confirmed win`;
  const t = ablationTarget(state, p);
  if (!t.set) return `${p.id} is a code change: its edits cannot be split by knob`;
  const what = t.baseId === baseOf(state, p.id) ? p.id : `${p.id} with the stack it trimmed`;
  if (Object.keys(t.set).length < 2) return `${what} changes one knob: there is nothing to take apart`;
  if (state.ablations?.some((a) => a.winId === p.id)) return `${p.id} is already ablated`;
  return undefined;
}

/**
 * How much a knob's value moves from the base: categorical changes first (a different optimizer or
 * schedule), then numbers by |log ratio| (a 3x LR move before a 1.1x beta2 move).
 */
function moveSize(base: unknown, v: unknown): number {
  if (typeof base === 'number' && typeof v === 'number' && base > 0 && v > 0)
    return Math.abs(Math.log(v / base));
  return typeof base === 'number' && typeof v === 'number' ? Math.abs(v - base) : 100;
}

/** The win's top-rung results by seed (decision and confirmation trials). */
export function winSeeds(state: SessionState, spec: SessionSpec, winId: string): Map<number, number> {
  const top = String(topRung(spec));
  const out = new Map<number, number>();
  for (const t of state.trials) {
    if (t.proposalId !== winId || t.purpose === 'ablation') continue;
    const v = t.results[top];
    if (Number.isFinite(v)) out.set(t.seed, v);
  }
  return out;
}

export interface AblationPlan {
  knobs: string[];
  skipped: Array<{ key: string; reason: string }>;
  seeds: number[];
  arms: Array<Omit<AblationArm, 'proposalId'> & { set: Record<string, unknown> }>;
}

const sorted = (keys: string[]) => [...keys].sort();
export const armKey = (keys: string[]) => sorted(keys).join('\n');

/**
 * A data mixture's weights are one distribution: an arm without one domain's weight is a mixture
 * nobody proposed (that domain back at its default share, the others renormalised around it), and its
 * difference is no part of the win. In an 8-minute session, the stack of equal domain weights and five
 * other changes lost the `data.mixture.code` key in one arm and measured "−0.3172" for it, five times
 * the whole win. So the weights stay in every arm and in the minimal change, not measured; a mixture
 * is judged whole (the mixture study, README "Data-mixture study").
 */
const MIXTURE_WHOLE = 'a data-mixture weight (the mixture is judged whole, not one weight at a time)';

/** The arms that take `win` apart against `base` (undefined, with a reason, when there is nothing to run). */
export function ablationPlan(
  state: SessionState,
  spec: SessionSpec,
  win: ProposalState,
  base: TrainConfig,
  maxRuns = Infinity,
  set: Record<string, unknown> = winKnobs(win) ?? {},
): AblationPlan | { missing: string } {
  const skipped: AblationPlan['skipped'] = [];
  const moved: Array<{ key: string; size: number }> = [];
  for (const [key, v] of Object.entries(set)) {
    const b = getPath(base, key);
    if (canonicalJson(b) === canonicalJson(v)) skipped.push({ key, reason: 'same value as the base' });
    else if (onlyNoisePaths([key], spec.noiseKeys))
      skipped.push({ key, reason: 'a noise key (never a win alone)' });
    else if (isMixtureKey(key)) skipped.push({ key, reason: MIXTURE_WHOLE });
    else moved.push({ key, size: moveSize(b, v) });
  }
  moved.sort((a, b) => b.size - a.size || a.key.localeCompare(b.key));
  if (moved.length < 2) return { missing: `${win.id} moves fewer than two knobs that can be taken apart` };
  const allSeeds = [...winSeeds(state, spec, win.id).keys()]
    .sort((a, b) => a - b)
    .slice(0, MAX_ABLATION_SEEDS);
  if (allSeeds.length < MIN_ABLATION_SEEDS)
    return { missing: `${win.id} has fewer than ${MIN_ABLATION_SEEDS} full-budget seeds to pair with` };
  const want = Math.min(MAX_ABLATION_KNOBS, moved.length);
  const size = fitPlan(want, allSeeds.length, maxRuns);
  if (!size)
    return {
      missing: `taking ${win.id} apart needs at least ${2 * MIN_ABLATION_SEEDS} full-budget runs (2 knobs x ${MIN_ABLATION_SEEDS} seeds), more than the ${maxRuns.toFixed(1)} left of the session's ablation share (${Math.round(ABLATION_SHARE * 100)} % of the full runs it pays for)`,
    };
  const knobs = moved.slice(0, size.knobs).map((m) => m.key);
  for (const m of moved.slice(size.knobs))
    skipped.push({
      key: m.key,
      reason:
        size.knobs < want
          ? `over the session's ablation share (${Math.round(ABLATION_SHARE * 100)} % of its budget; smaller move)`
          : `over the cap of ${MAX_ABLATION_KNOBS} knobs (smaller move)`,
    });
  const seeds = allSeeds.slice(0, size.seeds);
  const all = Object.keys(set);
  const arms: AblationPlan['arms'] = [];
  const seen = new Set<string>();
  const add = (keys: string[], role: AblationArm['role']) => {
    const k = armKey(keys);
    if (keys.length === 0 || seen.has(k)) return;
    seen.add(k);
    arms.push({ keys: sorted(keys), role, set: Object.fromEntries(sorted(keys).map((x) => [x, set[x]])) });
  };
  for (const k of knobs)
    add(
      all.filter((x) => x !== k),
      'drop',
    ); // the skipped knobs stay in every arm
  if (size.alone) for (const k of knobs) add([k], 'alone');
  return { knobs, skipped, seeds, arms };
}

/** Full-budget runs a plan costs. */
export const planRuns = (p: AblationPlan): number => p.arms.length * p.seeds.length;

/**
 * Full-budget runs to keep free for ablation: the arms scheduled and not started (the engine's wait
 * while a candidate is on its way to a verdict: scheduler.ts `nextWork`), and an ablation that may
 * still come: the largest multi-knob candidate now at the top rung (it may be confirmed) whose
 * ablation is not scheduled yet. Only one: a short session ablates its best multi-knob win, not every one.
 */
export function ablationReserveRuns(state: SessionState, spec: SessionSpec, perToken?: number): number {
  const cap = ablationRunsLeft(state, spec, perToken);
  const top = topRung(spec);
  const waiting = state.trials.filter((t) => t.purpose === 'ablation' && t.status === 'pending').length;
  let most = 0;
  for (const p of state.proposals) {
    if (p.id === BASELINE || p.ablationOf || p.change.kind !== 'config') continue;
    if (state.ablations?.some((a) => a.winId === p.id)) continue;
    const live = p.status === 'active' || (p.verdict === 'win' && p.confirmed);
    if (!live) continue;
    const atTop = state.trials.some((t) => t.proposalId === p.id && t.rung === top);
    const apart = Object.keys(ablationTarget(state, p).set ?? {}).filter((k) => !isMixtureKey(k));
    const knobs = Math.min(MAX_ABLATION_KNOBS, apart.length);
    if (!atTop || knobs < 2) continue;
    const size = fitPlan(knobs, Math.min(MAX_ABLATION_SEEDS, spec.candidateSeeds + spec.confirmSeeds), cap);
    if (size) most = Math.max(most, armCount(size.knobs, size.alone) * size.seeds);
  }
  return waiting + most;
}
