/**
 * Setting a session up: where it starts (the best confirmed config from earlier sessions, or a
 * preset), how fast that config trains here (history, else a short calibration run), and from that
 * the rung budgets that fit the session's time budget.
 */
import type { TrainConfig } from '../config/train-config.ts';
import { configHash } from '../config/resolve.ts';
import type { Executor } from '../executors/base.ts';
import { launchRun } from '../runs/launch.ts';
import type { RunRecord, SessionRecord, Store } from '../store/base.ts';
import { mean } from '../stats/summary.ts';
import {
  HISTORY_COVERS_DF,
  historyNoise,
  historySeedRuns,
  seedFamily,
  type HistoryNoise,
} from './core/noise-history.ts';
import type { SeedObs } from '../stats/seed-blocks.ts';
import { carriedCandidates, placeable } from './core/carried-base.ts';
import { alsoResultOfRun, resultOfRun } from './core/trial-runs.ts';
import { openTestsOf } from './core/open-tests.ts';
import { admitProposal } from './core/proposals.ts';
import {
  LOWER_RUNG_FINAL_EVAL,
  rungsFor,
  SessionSpec,
  studyRung,
  type CarriedRun,
  type CarriedTest,
} from './core/spec.ts';
import { rungRunConfig } from './io/run-trial.ts';
import { trainerCodeHash } from '../runs/run-dir.ts';
import { affordableRows } from '../researchers/screening-design.ts';

/**
 * The earlier sessions a new session learns from (newest first): its start, its plan, its noise floor
 * and its carried base runs all read these. The CLI lists them once and hands the list to each
 * (every row carries its whole state, so four listings cost four parses of it); alone, each lists them.
 */
export const pastSessions = (store: Store): Promise<SessionRecord[]> => store.listSessions({ limit: 50 });

/**
 * The next session's starting point: the last base of the newest session that re-based (its summary's
 * `baseline.config`, core/base.ts), or, when a newer session only found wins without re-basing (or
 * predates re-basing), of its confirmed findings that carry a full config the one with the largest
 * improvement (their effects share that session's baseline, so they compare). A win that flipped at a
 * larger size of its session's size ladder is not carried forward (README "Research sessions: the size
 * ladder"): neither as a finding nor as the base of a session whose best flipped.
 */
export async function rememberedStart(
  store: Store,
  past?: SessionRecord[],
): Promise<{ config: TrainConfig; source: string } | undefined> {
  const found = (await store.listFindings({ confirmed: true, limit: 50 })).filter(
    (f) => f.config && typeof f.config === 'object' && !f.scale?.ladder?.some((r) => r.verdict === 'flips'),
  );
  for (const s of past ?? (await pastSessions(store))) {
    const sum = s.summary as {
      baseline?: { proposalId?: string; config?: unknown };
      best?: { ladder?: { verdict?: string }[] };
    };
    const b = sum.baseline;
    const flipped = sum.best?.ladder?.some((r) => r.verdict === 'flips');
    if (b?.proposalId && b.proposalId !== 'baseline' && !flipped && b.config && typeof b.config === 'object')
      return { config: b.config as TrainConfig, source: `session:${s.id}:${b.proposalId}` };
    if (found.length && s.id === found[0].sessionId) break; // a newer session's findings come first
  }
  if (!found.length) return undefined;
  const newest = found.filter((f) => f.sessionId === found[0].sessionId);
  const best = newest.reduce((a, f) => ((f.effect ?? 0) < (a.effect ?? 0) ? f : a));
  return { config: best.config as TrainConfig, source: `finding:${best.id}` };
}

/**
 * The noise floor earlier sessions of this config family measured at this full budget (core/
 * noise-history.ts), and the baseline seeds a new session then needs: one fewer (at least 2, for the
 * base's own mean) when that history covers the noise. With it, their full-budget runs and seeds for
 * the seed-blocked test (`historySeedRuns`), when there are any.
 */
export async function sessionHistoryNoise(
  store: Store,
  config: TrainConfig,
  rungTokens: number[],
  baselineSeeds: number,
  sessions?: SessionRecord[],
): Promise<{ historyNoise?: HistoryNoise; historySeedRuns?: SeedObs[]; baselineSeeds: number }> {
  const past = sessions ?? (await pastSessions(store));
  const top = rungTokens[rungTokens.length - 1];
  const h = historyNoise(past, config, top);
  // the seed runs' family is wider (a re-based base is another noise family, same data order)
  const runs = historySeedRuns(past, config, top);
  return {
    ...(h ? { historyNoise: h } : {}),
    ...(runs.length ? { historySeedRuns: runs } : {}),
    baselineSeeds: h && h.df >= HISTORY_COVERS_DF ? Math.max(2, baselineSeeds - 1) : baselineSeeds,
  };
}

/**
 * The base config's runs earlier sessions made at exactly these rungs that a new session's baseline
 * starts with (core/carried-base.ts), each checked against its stored run: the result it stands for is
 * the one the session recorded (its trainer reached the budget: core/trial-runs.ts `resultOfRun`), on
 * its seed, the same run config at that rung as this session would launch
 * (io/run-trial.ts `rungRunConfig`, by hash: the session's eval settings, data and trainer command
 * included), its budget those rung tokens, and the same trainer code as a run launched now (a spec
 * trainer's: the files its snapshot plan takes, runs/run-dir.ts `trainerCodeHash`). Those the session's
 * baseline can place (core/carried-base.ts `placeable`).
 */
export async function carriedBaseRuns(
  store: Store,
  config: TrainConfig,
  rungTokens: number[],
  place: { seedBase: number; baselineSeeds: number },
  past?: SessionRecord[],
): Promise<CarriedRun[]> {
  const out: CarriedRun[] = [];
  for (const c of carriedCandidates(past ?? (await pastSessions(store)), config, rungTokens)) {
    const run = await storedRun(store, config, c, rungTokens);
    if (!run) continue;
    // below the top, its score on the top's eval size, read from the run itself (core/costed-runs.ts)
    const law =
      c.rung < rungTokens.length - 1
        ? alsoResultOfRun(run, config.train.finalEvalTokensPerDomain)
        : undefined;
    out.push(law === undefined ? c : { ...c, law });
  }
  return placeable(out, { rungTokens, ...place });
}

/**
 * Whether the store's run `c.runId` is what a carried value claims (`carriedBaseRuns`): the value the
 * trainer reached, on that seed, the run config this session would launch of `config` at that rung
 * at the same token budget, the same trainer code, not marked tampered.
 */
async function isStoredRun(
  store: Store,
  config: TrainConfig,
  c: CarriedRun,
  rungTokens: number[],
): Promise<boolean> {
  return (await storedRun(store, config, c, rungTokens)) !== undefined;
}

/** The store's run behind `c` when it is what `c` claims (`isStoredRun`), else undefined. */
async function storedRun(
  store: Store,
  config: TrainConfig,
  c: CarriedRun,
  rungTokens: number[],
): Promise<RunRecord | undefined> {
  const run = await store.getRun(c.runId);
  const want = rungRunConfig(config, {
    seed: c.seed,
    rung: c.rung,
    tokens: rungTokens[c.rung],
    cost: 1,
    rungTokens,
    baseFlopsPerToken: 0,
  });
  const ok =
    run !== undefined &&
    resultOfRun(run) === c.value &&
    run.seed === c.seed &&
    run.configHash === configHash(want) &&
    run.config.budget?.tokens === rungTokens[c.rung] &&
    run.codeHash === trainerCodeHash(config) &&
    !run.tags.tampered;
  return ok ? run : undefined;
}

/**
 * The tests the last session on `base` left open that this one continues (core/open-tests.ts): each
 * change, admitted again on `base`, must be the config it was tested as (its key), and every one of
 * its decision runs a stored run of that config (`isStoredRun`); a test with a run that is not is
 * left where it is. A change whose runs were FLOP-matched (a shape change of another cost) ran at a
 * FLOP budget, not at the rung's tokens, so its runs are never carried.
 */
export async function carriedTests(
  store: Store,
  base: TrainConfig,
  spec: Pick<SessionSpec, 'rungTokens' | 'alpha' | 'searchSpace' | 'noiseKeys'>,
  past?: SessionRecord[],
): Promise<CarriedTest[]> {
  const out: CarriedTest[] = [];
  for (const test of openTestsOf(past ?? (await pastSessions(store)), base, spec)) {
    const a = admitProposal({ ...test, change: { kind: 'config', set: test.set } }, base, {
      searchSpace: spec.searchSpace,
      noiseKeys: spec.noiseKeys,
      triedKeys: new Map(),
    });
    if (!a.ok || a.key !== test.key) continue;
    let all = true;
    for (const r of test.runs) all &&= await isStoredRun(store, a.config, r, spec.rungTokens);
    if (all) out.push(test);
  }
  return out;
}

/**
 * Everything a new session takes from the earlier sessions in its store (README "Research sessions"):
 * their noise floor at this budget and the baseline seeds that leaves to buy (`sessionHistoryNoise`),
 * the base's runs they made at these rungs (`carriedBaseRuns`), and the tests the last session on this
 * base left open (`carriedTests`). The CLI and bench/research-efficiency's back-to-back sessions both
 * set a session up with it.
 */
export async function fromEarlierSessions(
  store: Store,
  base: TrainConfig,
  plan: Pick<SessionSpec, 'rungTokens' | 'baselineSeeds' | 'alpha' | 'searchSpace'> & {
    seedBase?: number;
  },
  past?: SessionRecord[],
): Promise<{
  historyNoise?: HistoryNoise;
  historySeedRuns?: SeedObs[];
  baselineSeeds: number;
  carriedBase: CarriedRun[];
  carriedTests: CarriedTest[];
}> {
  const sessions = past ?? (await pastSessions(store));
  const noise = await sessionHistoryNoise(store, base, plan.rungTokens, plan.baselineSeeds, sessions);
  const seedBase = plan.seedBase ?? SessionSpec.shape.seedBase.parse(undefined);
  const carriedBase = await carriedBaseRuns(
    store,
    base,
    plan.rungTokens,
    { seedBase, baselineSeeds: noise.baselineSeeds },
    sessions,
  );
  const noiseKeys = SessionSpec.shape.noiseKeys.parse(undefined);
  const tests = await carriedTests(store, base, { ...plan, noiseKeys }, sessions);
  return { ...noise, carriedBase, carriedTests: tests };
}

/** How far an earlier session's full budget may sit from the planned one for a session to take it. */
export const SNAP_RANGE = { below: 0.6, above: 1.25 };

/**
 * A wall-time session plans its full budget from the throughput it measures, so two sessions of one
 * family almost never land on the same token count, and an earlier session's noise floor, seed runs
 * and base runs (core/noise-history.ts, core/carried-base.ts) are kept only at the same budgets. So a
 * session takes the plan of the newest earlier session of its seed family (same data, trainer, batch,
 * sequence length) with as many rungs, its full budget and its size ladder, when what this session
 * would plan with that ladder (`planFor`) is within SNAP_RANGE of it: up to 25 % longer runs (about 19
 * of them fit instead of ~24; the screen and the reserve are sized from the taken rungs) or 40 %
 * shorter (more of them). The range is that wide because a plan is that uncertain: on this machine in
 * one evening, calibrations measured 5,971 to 9,543 tok/s, and two sessions in one home planned full
 * budgets 0.72x and 1.13x apart. The ladder is compared like for like because the default ladder rule
 * flips near a throughput threshold: the same 8-minute command planned a ladder at 10,796 tok/s
 * (159,744-token full runs) and none at 11,040 (393,216), and the second session carried nothing.
 * `planFor` returns undefined for a ladder this session may not take (the user asked for another).
 * Undefined when there is none.
 */
export async function historyPlan(
  store: Store,
  config: TrainConfig,
  shape: { batchTokens: number; eta: number; nRungs: number },
  planFor: (ladder: number) => number[] | undefined,
  past?: SessionRecord[],
): Promise<{ rungTokens: number[]; ladder: number } | undefined> {
  for (const s of past ?? (await pastSessions(store))) {
    const rungs = s.spec.rungTokens as number[] | undefined;
    const base = s.spec.baseConfig as TrainConfig | undefined;
    if (!Array.isArray(rungs) || !base || rungs.length !== shape.nRungs) continue;
    const t = rungs[rungs.length - 1];
    if (seedFamily(base, t) !== seedFamily(config, t)) continue;
    const ladder = typeof s.spec.ladder === 'number' ? s.spec.ladder : 0;
    const planned = planFor(ladder);
    if (!planned) continue;
    const top = planned[planned.length - 1];
    if (t >= SNAP_RANGE.below * top && t <= SNAP_RANGE.above * top)
      return { rungTokens: rungsOfFull(t, shape), ladder };
  }
  return undefined;
}

export interface Throughput {
  tokPerSec: number;
  startupSeconds: number;
  source: string; // 'history:<n runs>' | 'calibration:<runId>+<runId>...' (one run per slot)
}

/** A run's seconds outside training: start-up and evaluation. */
const startupOf = (r: RunRecord) => Math.max(0, (r.summary.wallSeconds ?? 0) - (r.summary.trainSeconds ?? 0));

/** tok/s of this config at this thread count from earlier completed runs, else a short calibration run. */
export async function measureThroughput(
  store: Store,
  executor: Executor,
  config: TrainConfig,
  log: (m: string) => void,
): Promise<Throughput> {
  const hash = configHash(config);
  const threads = String(
    Math.max(1, Math.floor((await import('node:os')).availableParallelism() / executor.capacity)),
  );
  const past = (
    await store.listRuns({ configHash: hash, status: ['completed', 'stopped'], limit: 20, fields: 'list' })
  ).filter(
    (r) =>
      r.tags.threads === threads &&
      typeof r.summary.tokPerSec === 'number' &&
      typeof r.summary.wallSeconds === 'number',
  );
  if (past.length >= 2) {
    return {
      tokPerSec: mean(past.map((r) => r.summary.tokPerSec as number)),
      startupSeconds: mean(past.map(startupOf)),
      source: `history:${past.length}`,
    };
  }
  // every slot at once, as the session will run them: alone on the machine, one run measured 7,766
  // tok/s and 2.3 s of start-up, while the session's own concurrent runs trained at ~7,100 tok/s with
  // 3.5 s of start-up and evaluation each, and a 64-row screen sized on the first numbers ended at 74 %
  // of an 8-minute session instead of the ~61 % planned (BENCHMARKS.md, "Research session checks")
  const slots = Math.max(1, executor.capacity);
  log(
    `calibrating: ${slots} 5 s run(s) of the base config at once, one per slot (${threads} thread(s) each), to size the rungs`,
  );
  // every run ends (settled) before a failure is reported: none is left running behind the error
  const settled = await Promise.allSettled(
    Array.from({ length: slots }, async (_, seed) => {
      const lease = await executor.acquire();
      try {
        const c = structuredClone(config);
        c.budget = { seconds: 5 };
        c.seed = seed;
        // evals as session runs do them (small periodic slices, a capped final eval), so the measured
        // per-run overhead is the one sessions will see
        c.train.evalTokensPerDomain = Math.min(c.train.evalTokensPerDomain, 512);
        c.train.finalEvalTokensPerDomain = Math.min(c.train.finalEvalTokensPerDomain, LOWER_RUNG_FINAL_EVAL);
        c.train.evalEveryTokens = c.train.batchTokens * 16;
        const ctl = await launchRun({
          store,
          config: c,
          tags: { purpose: 'calibration', threads },
          executorName: executor.name,
          startProcess: (a) => executor.start(lease, a),
        });
        return await ctl.done;
      } finally {
        lease.release();
      }
    }),
  );
  const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
  if (failed) throw failed.reason;
  const runs = settled.map((x) => (x as PromiseFulfilledResult<RunRecord>).value);
  for (const run of runs) {
    const tps = run.summary.tokPerSec;
    if (typeof tps !== 'number' || !(tps > 0)) {
      throw new Error(
        `calibration run ${run.id} ended ${run.status} without a throughput: ${run.statusReason ?? ''}`,
      );
    }
  }
  return {
    tokPerSec: mean(runs.map((r) => r.summary.tokPerSec as number)),
    startupSeconds: mean(runs.map(startupOf)),
    source: `calibration:${runs.map((r) => r.id).join('+')}`,
  };
}

/**
 * Rung budgets for a session of `budgetSeconds` on `parallel` slots. The session must afford the
 * baseline's k seeds through every rung (~1.44 full runs each, ~4.3 in all), exploration from its first rung,
 * promotions, and the endgame (a candidate's extra seeds and paired confirmation, ~5 full runs): we
 * size the full (top-rung) run so that about `fullRunsPerSession` (24) of them fit.
 */
export function planRungs(opts: {
  budgetSeconds: number;
  parallel: number;
  tokPerSec: number;
  startupSeconds: number;
  batchTokens: number;
  eta: number;
  nRungs: number;
  fullRunsPerSession?: number;
}): number[] {
  const slotSeconds = opts.budgetSeconds * opts.parallel;
  const perFull = slotSeconds / (opts.fullRunsPerSession ?? 24) - opts.startupSeconds;
  const minFull = opts.batchTokens * 4 * opts.eta ** (opts.nRungs - 1);
  const full = Math.max(
    minFull,
    Math.round((perFull * opts.tokPerSec) / opts.batchTokens) * opts.batchTokens,
  );
  return rungsOfFull(full, opts);
}

/** The rung budgets under a full (top-rung) budget, each a whole number of batches (at least one). */
export function rungsOfFull(
  full: number,
  opts: { batchTokens: number; eta: number; nRungs: number },
): number[] {
  return rungsFor(full, opts.eta, opts.nRungs).map((t) =>
    Math.max(opts.batchTokens, Math.round(t / opts.batchTokens) * opts.batchTokens),
  );
}

/**
 * The design a session can pay for, and the rung its rows run at (the engine's study rung): rows cost
 * their tokens' share of a full run, or, when `tput` is given (a wall-time budget), their seconds'
 * share, start-up included. `capacity` is the session's budget in full runs.
 */
export function screenSize(
  capacity: number,
  rungTokens: readonly number[],
  warmupTokens: number,
  tput?: { tokPerSec: number; startupSeconds: number },
): { rows: number; rung: number } {
  const rung = studyRung(rungTokens, warmupTokens);
  const full = rungTokens[rungTokens.length - 1];
  let cost = rungTokens[rung] / full;
  if (tput) {
    const seconds = (tokens: number) => tokens / tput.tokPerSec + tput.startupSeconds;
    cost = Math.max(cost, seconds(rungTokens[rung]) / seconds(full));
  }
  return { rows: affordableRows(capacity, cost), rung };
}
