/**
 * The size ladder inside a session (README "Research sessions: the size ladder"): what it climbs, the
 * sizes, what its runs cost in seconds and FLOPs (the scheduler keeps that much of the budget free until
 * the ladder is done), and when it is due. Pure; the rule for sizes and verdicts is ladder.ts.
 *
 * Ladder trials (purpose `ladder`) keep their result on `trial.ladder`, never in `trial.results`, so
 * nothing that reads rungs (the noise floor, the Holm family, successive halving, the stack, the
 * compute multiplier's baseline law) ever sees them. Seeds are a range of their own (`ladderSeed`), so a
 * ladder run never stands in for a confirmation seed.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import { vocabOf } from '../../config/train-config.ts';
import { flopsPerToken } from '../../runs/flops.ts';
import { ladderModel, ladderSizes, type LadderEntry, type LadderSize } from './ladder.ts';
import { isFlopMatched, topRung, type SessionSpec } from './spec.ts';
import { baseOf } from './base.ts';
import { BASELINE, proposalOf, type SessionState, type TrialState } from './state.ts';

export type { LadderState } from './ladder.ts';

/**
 * The base a change was judged against (base.ts `baseOf`: it moves when the session re-bases), and its
 * config: the one place the ladder reads it.
 */
export function winBase(state: SessionState, proposalId: string): { id: string; config: TrainConfig } {
  const id = baseOf(state, proposalId);
  return { id, config: proposalOf(state, id).config };
}

/** Ladder seeds: a range no baseline, candidate or confirmation seed uses. */
export const ladderSeed = (spec: SessionSpec, i: number): number => spec.seedBase + 20_000 + i;

/** The sizes a ladder on this base climbs ([] for a trainer without a GPT model to grow). */
export function plannedSizes(spec: SessionSpec, base: TrainConfig, n = spec.ladder): LadderSize[] {
  if (n <= 0 || base.trainer.spec) return [];
  return ladderSizes(base.model, n, spec.rungTokens[topRung(spec)], vocabOf(base), base.train.batchTokens);
}

const runCost = (cost: number) => (isFlopMatched(cost) ? 1 : cost);

/** Seconds one ladder run at this size takes (`sizeTimeRatio`). */
/**
 * A larger model trains slower per FLOP here (CPU, one thread: caches, its larger final eval):
 * measured on the reference machine, a size with r x the FLOPs per token took ~r^1.5 x the time per
 * token (1.77x FLOPs/token: 1.4x its FLOP-proportional estimate).
 */
export const sizeTimeRatio = (flopsRatio: number): number => flopsRatio ** 1.5;

export function sizeSeconds(
  state: SessionState,
  spec: SessionSpec,
  size: LadderSize,
  baseFlopsPerToken: number,
  cost = 1,
): number {
  const tps = state.calibration.tokPerSec ?? spec.tokPerSec ?? 20_000;
  const startup = state.calibration.startupSeconds ?? spec.startupSeconds;
  return (
    (size.tokens * runCost(cost) * sizeTimeRatio(size.flopsPerToken / baseFlopsPerToken)) / tps + startup
  );
}

/** The ladder state's size of a ladder trial. */
export function sizeOf(state: SessionState, t: TrialState): LadderSize {
  const size = state.ladder?.sizes.find((s) => s.step === t.ladder?.step);
  if (!size) throw new Error(`ladder trial ${t.id} has no ladder size`);
  return size;
}

/** A ladder trial's run: its tokens, seconds and FLOPs relative to a base run of as many tokens. */
export function ladderWork(
  state: SessionState,
  spec: SessionSpec,
  t: TrialState,
): { tokens: number; estSeconds: number; flopsScale: number } {
  const l = state.ladder!;
  const size = sizeOf(state, t);
  const cost = proposalOf(state, t.proposalId).cost;
  return {
    tokens: size.tokens,
    estSeconds: sizeSeconds(state, spec, size, l.baseFlopsPerToken, cost),
    flopsScale: size.flopsPerToken / l.baseFlopsPerToken,
  };
}

/** The most of the session's budget (seconds, FLOPs) a ladder may take: the search keeps the rest. */
export const LADDER_SHARE_MAX = 0.75;

function sizesCost(
  state: SessionState,
  spec: SessionSpec,
  sizes: LadderSize[],
  baseFpt: number,
  parallel: number,
  started: boolean,
): { seconds: number; flops: number } {
  let seconds = 0;
  let flops = 0;
  for (const size of sizes) {
    const left = started
      ? state.trials.filter(
          (t) => t.purpose === 'ladder' && t.ladder?.step === size.step && t.status === 'pending',
        ).length
      : 2 * spec.ladderSeeds;
    seconds += Math.ceil(left / Math.max(1, parallel)) * sizeSeconds(state, spec, size, baseFpt);
    flops += left * size.tokens * size.flopsPerToken;
  }
  return { seconds, flops };
}

/**
 * How many sizes the ladder can climb at the throughput measured so far: the largest n <= `--ladder`
 * whose runs take at most LADDER_SHARE_MAX of the session's budget (seconds and FLOPs). A loaded
 * machine climbs fewer sizes rather than none that would finish; the journal says so.
 */
export function affordableSizes(state: SessionState, spec: SessionSpec, parallel: number): LadderSize[] {
  const base = winBase(state, BASELINE).config;
  const all = plannedSizes(spec, base);
  const baseFpt = flopsPerToken(base.model, vocabOf(base));
  for (let n = all.length; n > 0; n--) {
    const c = sizesCost(state, spec, all.slice(0, n), baseFpt, parallel, false);
    const secondsOk = spec.budgetSeconds === undefined || c.seconds <= LADDER_SHARE_MAX * spec.budgetSeconds;
    const flopsOk = spec.budgetFlops === undefined || c.flops <= LADDER_SHARE_MAX * spec.budgetFlops;
    if (secondsOk && flopsOk) return all.slice(0, n);
  }
  return [];
}

/**
 * What the ladder still needs: seconds (`parallel` runs at a time, size by size) and FLOPs of its runs
 * that have not started. Before the ladder is due, its whole cost at the sizes it can afford; 0 once it
 * is done or skipped, or without a ladder.
 */
export function ladderReserve(
  state: SessionState,
  spec: SessionSpec,
  parallel: number,
): { seconds: number; flops: number } {
  const l = state.ladder;
  if (!spec.ladder || (l && l.status !== 'running')) return { seconds: 0, flops: 0 };
  if (l) return sizesCost(state, spec, l.sizes, l.baseFlopsPerToken, parallel, true);
  const base = winBase(state, BASELINE).config;
  const baseFpt = flopsPerToken(base.model, vocabOf(base));
  return sizesCost(state, spec, affordableSizes(state, spec, parallel), baseFpt, parallel, false);
}

/**
 * Is the ladder due now? When the session is idle (nothing else to run), or when what is left of the
 * budget is its reserve plus one full run (the slack for estimates that were too low).
 */
export function ladderDue(
  state: SessionState,
  spec: SessionSpec,
  secondsLeft: number,
  parallel: number,
  opts: { idle: boolean; flops?: { left: number; perToken: number } },
): boolean {
  if (!spec.ladder || state.ladder) return false;
  if (opts.idle) return true;
  const r = ladderReserve(state, spec, parallel);
  const fullTokens = spec.rungTokens[topRung(spec)];
  const tps = state.calibration.tokPerSec ?? spec.tokPerSec ?? 20_000;
  const full = fullTokens / tps + (state.calibration.startupSeconds ?? spec.startupSeconds);
  if (secondsLeft <= r.seconds + full) return true;
  const f = opts.flops;
  return f !== undefined && f.left <= r.flops + fullTokens * f.perToken;
}

/**
 * A ladder run's config (io/run-trial.ts): the proposal's own model grown by the ladder rule to the
 * size's step (so a change to the model shape keeps its shape), the size's tokens, or for a change that
 * runs FLOP-matched the base's FLOPs at that size; evals spread over the run as on a rung.
 */
export function ladderRunConfig(c: TrainConfig, state: SessionState, t: TrialState): TrainConfig {
  const size = sizeOf(state, t);
  const p = proposalOf(state, t.proposalId);
  c.model = ladderModel(p.config.model, size.step);
  c.budget = isFlopMatched(p.cost) ? { flops: size.tokens * size.flopsPerToken } : { tokens: size.tokens };
  c.train.evalEveryTokens = Math.max(c.train.batchTokens, Math.round(size.tokens / 6));
  c.train.checkpointAtStable = false;
  return c;
}

/** FLOPs per token the trainer should report for a ladder run of this proposal (code-guard's check). */
export function ladderFlopsPerToken(state: SessionState, t: TrialState): number {
  return sizeOf(state, t).flopsPerToken * proposalOf(state, t.proposalId).cost;
}

/** The ladder of a proposal for the session summary (`best.ladder`), or why it has none. */
export function ladderOf(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
): { ladder: LadderEntry[] | null; reason?: string; base?: { params: number; delta: number } } {
  const l = state.ladder;
  if (!spec.ladder) return { ladder: null, reason: 'this session ran no size ladder (--ladder 0)' };
  if (!l) return { ladder: null, reason: 'the size ladder is not due yet' };
  if (l.status === 'skipped') return { ladder: null, reason: `no size ladder: ${l.reason}` };
  if (l.proposalId !== proposalId)
    return { ladder: null, reason: `the size ladder climbed ${l.proposalId}, not this change` };
  return {
    ladder: l.entries,
    ...(l.baseParams ? { base: { params: l.baseParams, delta: l.baseDelta } } : {}),
  };
}
