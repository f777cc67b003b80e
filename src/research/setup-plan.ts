/**
 * Planning a session's budget: how fast its start config trains here (history, else a short
 * calibration run), the rung budgets that fit its time budget (or an earlier session's plan of the
 * same family, `historyPlan`), and the screening design those rungs pay for.
 */
import { CALIBRATION_PURPOSE } from '../analysis/runs.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { configHash } from '../config/resolve.ts';
import type { Executor } from '../executors/base.ts';
import { launchRun } from '../runs/launch.ts';
import type { RunRecord, SessionRecord, Store } from '../store/base.ts';
import { mean } from '../stats/summary.ts';
import { seedFamily } from './core/noise-history.ts';
import { LOWER_RUNG_FINAL_EVAL, rungsFor, studyRung } from './core/spec.ts';
import { affordableRows } from '../researchers/screening-design.ts';
import { pastSessions } from './setup.ts';

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
          tags: { purpose: CALIBRATION_PURPOSE, threads },
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
