/**
 * What a research session is asked to do. Written once into the session record (immutable), so a
 * resumed session runs by exactly the same rules.
 *
 * Budget units: `budgetSeconds` is wall-clock seconds for the whole session; `budgetFlops` caps the sum
 * of training FLOPs of all its runs. Run budgets are in tokens per successive-halving rung.
 */
import { z } from 'zod';
import { SearchSpace } from '../../config/search-space.ts';
import { TrainConfig } from '../../config/train-config.ts';
import { LADDER_MAX } from './ladder.ts';

/** One earlier full-budget run: its config's hash, its seed, its val bpb (stats/seed-blocks.ts SeedObs). */
const SeedRun = z.object({ group: z.string(), seed: z.number().int(), value: z.number() }).strict();

/** An earlier session's run of the base config at one rung (core/carried-base.ts). */
const CarriedRun = z
  .object({
    seed: z.number().int(),
    rung: z.number().int().min(0),
    value: z.number().finite(),
    law: z.number().finite().optional(), // below the top: its value on the top's eval size (costed-runs.ts)
    runId: z.string().min(1).max(80),
    session: z.string().max(80),
  })
  .strict();
export type CarriedRun = z.infer<typeof CarriedRun>;

/**
 * Val tokens per domain a lower rung's final eval scores at most (io/run-trial.ts `rungRunConfig`):
 * lower rungs rank trials, and a smaller eval keeps their runs cheap. A smaller slice is another sample,
 * whose level differs (BENCHMARKS.md "The compute multiplier on one eval slice"): a base's lower-rung
 * runs also score the top's size, for the compute law (core/costed-runs.ts).
 */
export const LOWER_RUNG_FINAL_EVAL = 4096;

/** Val tokens per domain the final eval of a run at `rung` scores: `full` at the top, capped below. */
export function rungFinalEval(full: number, rung: number, top: number): number {
  return rung < top ? Math.min(full, LOWER_RUNG_FINAL_EVAL) : full;
}

/** The most earlier runs a session's baseline may carry (a few seeds through every rung). */
export const CARRIED_MAX = 32;

/**
 * A test an earlier session on the same base left open, continued here (core/open-tests.ts): the
 * change, the looks it took there (kept for the record; sequential.ts reads none of them), and its
 * top-rung decision runs, each checked against its stored run (setup.ts `carriedTests`).
 */
const CarriedTest = z
  .object({
    session: z.string().max(80),
    proposalId: z.string().max(40),
    title: z.string().max(300),
    hypothesis: z.string().max(4000),
    source: z.string().max(40),
    expectedEffect: z.number().finite(),
    set: z.record(z.string(), z.unknown()),
    key: z.string().max(200),
    looks: z
      .array(z.object({ n: z.number().int().min(1), p: z.number(), delta: z.number() }).strict())
      .min(1)
      .max(20),
    // the number of looks its test was planned with (absent in specs written before: the session's own)
    maxSeeds: z.number().int().min(1).max(20).optional(),
    runs: z.array(CarriedRun).min(1).max(20),
    // it had passed there and the session ended before its held-out confirmation (core/open-tests.ts)
    passed: z.literal(true).optional(),
  })
  .strict();
export type CarriedTest = z.infer<typeof CarriedTest>;
/** The most open tests a session continues (the rest stay where they are, as in any session). */
export const CARRIED_TESTS_MAX = 4;

export const SessionSpec = z
  .object({
    goal: z.literal('valBpb').default('valBpb'),
    baseConfig: TrainConfig, // the resolved config the session starts from
    baseSource: z.string(), // 'preset:small' | 'finding:<id>' | 'run:<id>'
    searchSpace: SearchSpace,
    researcher: z.string(),
    executor: z.string(),
    parallel: z.number().int().min(1),
    budgetSeconds: z.number().positive().optional(),
    budgetFlops: z.number().positive().optional(),
    /** Token budget of each rung, ascending; the last is the full budget a trial is judged at. */
    rungTokens: z.array(z.number().int().positive()).min(1),
    eta: z.number().min(2).default(3), // successive-halving reduction factor
    baselineSeeds: z.number().int().min(2).default(3), // k seeds of the baseline at every rung -> noise floor
    // top-rung seeds the endgame reserve plans for per candidate (decisions are sequential: maxSeeds)
    candidateSeeds: z.number().int().min(3).default(3),
    confirmSeeds: z.number().int().min(1).default(1), // held-out confirmation re-run seeds
    // the most decision seeds a candidate gets: it is looked at after each (src/stats/sequential.ts)
    // (the CLI and the benchmark size it to the session's budget: `decisionLooks` below)
    maxSeeds: z.number().int().min(1).max(20).default(5),
    // the noise floor of earlier sessions of the same config family, dataset and top rung, pooled with
    // this session's (src/research/setup.ts `historyNoise`): capped df, with where it came from
    historyNoise: z
      .object({
        sd: z.number().positive(),
        df: z.number().int().min(1),
        sessions: z.array(z.string()),
        configs: z.number().int().min(1),
        // the runs behind it, one per config and seed (absent in specs written before it kept them)
        runs: z.array(SeedRun).max(400).optional(),
      })
      .optional(),
    // earlier sessions' full-budget runs of the same family with their seeds, for the seed-blocked
    // test (core/noise-history.ts `historySeedRuns`, capped)
    historySeedRuns: z.array(SeedRun).max(64).default([]),
    // the base config's runs earlier sessions made at these very rungs, each checked against its stored
    // run (setup.ts `carriedBaseRuns`): the baseline's trials start with them (core/carried-base.ts)
    carriedBase: z.array(CarriedRun).max(CARRIED_MAX).default([]),
    // tests the last session on this base left open, with their decision runs, each run checked
    // against its stored run (setup.ts `carriedTests`): continued, not started again (core/open-tests.ts)
    carriedTests: z.array(CarriedTest).max(CARRIED_TESTS_MAX).default([]),
    // whether the trainer draws a run's data order (and initial weights) from its seed alone, so a
    // change and its base pair on a shared seed (core/paired.ts); a new session records it
    // (`withPairing`: the reference trainer does), a session written before it is unpaired
    pairedSeeds: z.boolean().optional(),
    alpha: z.number().min(0.001).max(0.5).default(0.05),
    correction: z.enum(['holm', 'bh']).default('holm'),
    seedBase: z.number().int().min(0).default(1000), // trial seeds are seedBase + i (baseline and candidates share them)
    monitor: z.record(z.string(), z.unknown()).default({}), // rule parameters
    noiseKeys: z.array(z.string()).default(['seed']), // config keys that can never make a win on their own
    maxProposals: z.number().int().min(1).default(200),
    sessionSeed: z.number().int().default(0), // researcher randomness
    startupSeconds: z.number().min(0).default(3), // estimated per-run process overhead (refined as runs finish)
    tokPerSec: z.number().positive().optional(), // throughput estimate of the base config (refined as runs finish)
    /** Larger model sizes the best change is re-tested at (core/ladder.ts); 0 = no ladder. */
    ladder: z.number().int().min(0).max(LADDER_MAX).default(0),
    ladderSeeds: z.number().int().min(2).default(2), // seeds a side at every ladder size
  })
  .strict();
export type SessionSpec = z.infer<typeof SessionSpec>;
export type SessionSpecInput = z.input<typeof SessionSpec>;

/** Rung budgets: the full budget divided by eta^k, e.g. [1/9, 1/3, 1] of full for eta=3, 3 rungs. */
export function rungsFor(fullTokens: number, eta: number, n: number): number[] {
  const out: number[] = [];
  for (let k = n - 1; k >= 0; k--) out.push(Math.max(1, Math.round(fullTokens / eta ** k)));
  return out;
}

/**
 * The rung a designed study's points are measured at (Proposal.runAs 'study'): the lowest rung whose
 * budget is at least twice the base's warmup, so that at least half of every point's run is past
 * warmup. A rung that ends inside warmup measures how fast a change warms up (a doubled LR is a faster
 * warmup there, and helps at 6 steps what it hurts at 54), not the change. The top rung when none
 * below it qualifies.
 */
export function studyRung(rungTokens: readonly number[], warmupTokens: number): number {
  const top = rungTokens.length - 1;
  const r = rungTokens.findIndex((t) => t >= 2 * warmupTokens);
  return r < 0 ? top : r;
}

/**
 * The rung a fresh idea's first trial (purpose 'explore') runs at: successive halving's lowest rung. The
 * study rung, for the same reason: a rung that ends inside warmup ranks how fast changes warm up. In
 * regime (a) of bench/research-efficiency rung 0 is 6 steps of an 8-step warmup; logit softcap 15 was
 * left behind there on two session seeds (+0.008 and +0.016), while on the third, at the full budget, it
 * measured -0.009 on two seeds. Never the top rung while there are two: halving needs a rung below the
 * one it promotes to.
 */
export function exploreRung(spec: Pick<SessionSpec, 'rungTokens' | 'baseConfig'>): number {
  const r = studyRung(spec.rungTokens, spec.baseConfig.schedule.warmupTokens);
  return Math.min(r, Math.max(0, spec.rungTokens.length - 2));
}

/** The index of the top rung: the full budget a trial is judged at. */
export const topRung = (spec: Pick<SessionSpec, 'rungTokens'>): number => spec.rungTokens.length - 1;

/**
 * A change whose cost per token differs from the baseline's by more than 5 % runs FLOP-matched: it gets
 * the baseline's FLOPs, not its tokens (io/run-trial.ts), and its curve is read at equal compute.
 */
export const isFlopMatched = (cost: number): boolean => Math.abs(cost - 1) > 0.05;

/** The share of a session's full runs one candidate's decision seeds and confirmation may take. */
export const DECISION_SHARE = 0.2;
/** Fewest and most looks a candidate gets (SessionSpec `maxSeeds`; src/stats/sequential.ts). */
export const MIN_LOOKS = 3;
export const MAX_LOOKS = 5;

/**
 * The number of sequential looks (`maxSeeds`) a session of `capacityRuns` full runs gives each
 * candidate: its decision seeds plus its paired confirmation (2 x `confirmSeeds` runs) may take at most
 * DECISION_SHARE of the session, between MIN_LOOKS and MAX_LOOKS. Fixed when the session is created (the
 * spending schedule must not move once a candidate has been looked at).
 *
 * Why sized, not always 5: alpha is spent over the looks a candidate may get, so five looks spend
 * 12.5 % of it at the first look that may pass (two seeds, src/stats/sequential.ts) and three spend
 * 35 %. In a 24-run session (bench/research-efficiency), with five looks a 2.6-noise-floor follow-up
 * needed a third seed, and the run that cost left no room for its held-out confirmation; the fourth
 * and fifth looks were budget the session never had. A long session keeps all five.
 */
export function decisionLooks(capacityRuns: number, confirmSeeds = 1): number {
  if (!Number.isFinite(capacityRuns)) return MAX_LOOKS;
  const fit = Math.floor(DECISION_SHARE * capacityRuns) - 2 * confirmSeeds;
  return Math.min(MAX_LOOKS, Math.max(MIN_LOOKS, fit));
}
