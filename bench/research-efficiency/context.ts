/**
 * What every method shares within a regime: the base config (regime a: the preset bound to the default
 * dataset; regime b: the `small` preset run by the planted trainer), the full-run budget, the FLOPs of one
 * full run, a private FLYWHEEL_HOME + store + executor per method, and `runFull` (one run at the full
 * budget, as Flywheel's top rung runs it: same eval settings, equal FLOPs for a change that costs more
 * per token). Regime b also knows every config's true value (`truthOf`).
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import { DEFAULT_SEARCH_SPACE, sizedToRun, type SearchSpace } from '../../src/config/search-space.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { DatasetMeta } from '../../src/data/format.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import { withMixtureKnobs } from '../../src/researchers/config-diff.ts';
import type { DomainInfo } from '../../src/researchers/idea.ts';
import { bindDataset } from '../../src/runs/dataset.ts';
import { configFlopsPerToken, flopsPerToken } from '../../src/runs/flops.ts';
import { launchRun } from '../../src/runs/launch.ts';
import type { RunRecord, Store } from '../../src/store/base.ts';
import { openStore } from '../../src/store/open.ts';
import type { BenchOptions, Regime } from './options.ts';
import { vocabOf } from '../../src/config/train-config.ts';
import { isFlopMatched } from '../../src/research/core/spec.ts';
import type { RunEvent } from '../../src/runs/events.ts';
import type { RunController } from '../../src/runs/run-controller.ts';
import type { KeptChange } from './planted-accounting.ts';
import { PLANTED_STEP_SECONDS, plantedBase, plantedWorldFor } from './planted-context.ts';
import { truthAtFull, type PlantedWorld } from './planted-world.ts';

export type MethodName = 'random' | 'greedy' | 'tpe' | 'flywheel';

/** The method's incumbent after a run finished, with the FLOPs spent so far (finished runs). */
export interface TracePoint {
  flops: number;
  incumbent: number;
  byBase?: boolean; // the incumbent is the base config's own value (greedy before a keep, Flywheel's baseline)
  changed?: number; // the best value of a changed config so far (the base config left out)
  incumbentTrue?: number; // regime b: the incumbent config's true value at the full budget
}

export interface Pick {
  title: string;
  change: Record<string, unknown>; // diff from the base config (dotted paths)
  config: TrainConfig;
  observed: number | null; // the value the method itself believed
  n: number; // runs behind `observed`
}

export interface MethodResult {
  method: MethodName;
  sessionSeed: number;
  flopsUsed: number;
  runs: number;
  failedRuns: number;
  trace: TracePoint[];
  finalObserved: number | null; // the method's final incumbent (random: best single run)
  pick: Pick;
  /** The changes the method adopted, in its own unit (planted-accounting.ts says which). */
  kept?: KeptChange[];
  wallSeconds: number;
  date?: string; // the day it ran (YYYY-MM-DD)
  extra?: Record<string, unknown>;
}

export interface BenchContext {
  opts: BenchOptions;
  regime: Regime;
  preset: 'small' | 'tiny';
  fullTokens: number; // token budget of one full run (= Flywheel's top rung)
  homeRoot: string; // <work>/<regime>: the methods' FLYWHEEL_HOMEs
  base: TrainConfig; // regime a: the preset bound to the default dataset; b: the planted trainer's
  meta?: DatasetMeta; // regime a
  domains: DomainInfo[];
  space: SearchSpace; // the session's space (default + mixture knobs), as `flywheel research` uses
  baseFlopsPerToken: number;
  fullFlops: number; // FLOPs of one full run of the base config
  budgetFlops: number; // per method
  world?: PlantedWorld; // regime b
  truthOf?: (config: TrainConfig) => number; // regime b: true val bpb at the full budget
  log: (m: string) => void;
}

export async function makeContext(
  opts: BenchOptions,
  regime: Regime,
  log: (m: string) => void,
): Promise<BenchContext> {
  if (regime === 'b') return plantedContext(opts, log);
  process.env.FLYWHEEL_HOME = join(opts.workDir, 'shared'); // the prepared dataset lives here
  const { config, meta } = await bindDataset(resolveConfig({ preset: opts.preset }), log);
  const baseFlopsPerToken = configFlopsPerToken(config);
  const fullFlops = baseFlopsPerToken * opts.fullTokens;
  return {
    opts,
    regime,
    preset: opts.preset,
    fullTokens: opts.fullTokens,
    homeRoot: join(opts.workDir, regime),
    base: config,
    meta,
    domains: meta.domains.map((d) => ({
      name: d.name,
      trainTokens: d.trainTokens,
      unigramBpb: d.unigramBpb,
    })),
    space: withMixtureKnobs(
      sizedToRun(DEFAULT_SEARCH_SPACE, opts.fullTokens, config),
      meta.domains.map((d) => d.name),
    ),
    baseFlopsPerToken,
    fullFlops,
    budgetFlops: fullFlops * opts.budgetRuns,
    log,
  };
}

/** Regime b: the `small` preset at its reference budget, trained by the planted trainer (no dataset). */
function plantedContext(opts: BenchOptions, log: (m: string) => void): BenchContext {
  const world = plantedWorldFor(opts);
  process.env.FLYWHEEL_PLANTED_WORLD = JSON.stringify(world); // planted_trainer.py reads it
  process.env.FLYWHEEL_PLANTED_STEP_SECONDS ??= PLANTED_STEP_SECONDS;
  const base = plantedBase();
  const baseFlopsPerToken = configFlopsPerToken(base);
  const fullFlops = baseFlopsPerToken * world.refTokens;
  return {
    opts,
    regime: 'b',
    preset: 'small',
    fullTokens: world.refTokens,
    homeRoot: join(opts.workDir, 'b'),
    base,
    domains: [],
    space: sizedToRun(DEFAULT_SEARCH_SPACE, world.refTokens, base),
    baseFlopsPerToken,
    fullFlops,
    budgetFlops: fullFlops * opts.budgetRuns,
    world,
    truthOf: (c) => truthAtFull(world, base, c),
    log,
  };
}

/**
 * A private FLYWHEEL_HOME (its own store, so no tried-idea memory leaks between methods or seeds),
 * emptied first: a method run again in the same --work (--methods, or a session cut off) must not
 * find the earlier attempt's runs and sessions, which its researcher and a later back-to-back session
 * would read as history.
 */
export interface MethodEnv {
  home: string;
  store: Store;
  executor: LocalExecutor;
  close(): Promise<void>;
}

export async function methodEnv(ctx: BenchContext, name: string, parallel: number): Promise<MethodEnv> {
  const home = join(ctx.homeRoot, name);
  rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  // launchRun reads FLYWHEEL_HOME for run dirs; the methods run one after another, never interleaved.
  process.env.FLYWHEEL_HOME = home;
  const peak = join(ctx.opts.workDir, 'shared', 'device-peak.json'); // the trainer's MFU calibration: measure once
  if (existsSync(peak) && !existsSync(join(home, 'device-peak.json')))
    copyFileSync(peak, join(home, 'device-peak.json'));
  const store = await openStore({ home });
  const executor = new LocalExecutor({ parallel, gpus: [] });
  return {
    home,
    store,
    executor,
    close: async () => {
      await executor.close();
      await store.close();
      if (!existsSync(peak) && existsSync(join(home, 'device-peak.json')))
        copyFileSync(join(home, 'device-peak.json'), peak);
    },
  };
}

/** FLOPs/token of `config` relative to the base config. */
export const relCost = (ctx: BenchContext, config: TrainConfig) =>
  flopsPerToken(config.model, vocabOf(ctx.base)) / ctx.baseFlopsPerToken;

/** The config of a full-budget run, mirroring src/research/io/run-trial.ts `runConfigFor` at the top rung. */
export function fullRunConfig(ctx: BenchContext, config: TrainConfig, seed: number): TrainConfig {
  const c = structuredClone(config);
  c.seed = seed;
  const cost = relCost(ctx, config);
  c.budget = isFlopMatched(cost) ? { flops: ctx.fullFlops } : { tokens: ctx.fullTokens };
  c.train.evalEveryTokens = Math.max(c.train.batchTokens, Math.round(ctx.fullTokens / 6));
  c.train.evalTokensPerDomain = Math.min(c.train.evalTokensPerDomain, 512);
  c.train.checkpointAtStable = false;
  delete c.resume;
  return c;
}

export interface FullRun {
  runId: string;
  status: RunRecord['status'];
  value?: number; // final val bpb, when the trainer reached its budget
  flops: number;
}

export interface FullRunOptions {
  evalEveryTokens?: number;
  /** Every event of the run as it lands (TPE+ASHA prunes from here with `run.stop`). */
  onEvent?: (e: RunEvent, run: RunController) => void;
}

/** One full-budget run on a slot of `env.executor`; resolves when it has ended. */
export async function runFull(
  ctx: BenchContext,
  env: MethodEnv,
  config: TrainConfig,
  seed: number,
  tags: Record<string, string>,
  opts: FullRunOptions = {},
): Promise<FullRun> {
  const lease = await env.executor.acquire();
  try {
    const c = fullRunConfig(ctx, config, seed);
    if (opts.evalEveryTokens) c.train.evalEveryTokens = opts.evalEveryTokens;
    const ctl = await launchRun({
      store: env.store,
      config: c,
      onEvent: opts.onEvent,
      tags: { ...tags, threads: String(lease.threads ?? '') },
      executorName: env.executor.name,
      startProcess: (a) => env.executor.start(lease, a),
    });
    const run = await ctl.done;
    const v = run.summary.valBpb;
    const done = run.summary.trainerStatus === 'completed' || run.status === 'completed';
    const flops =
      run.summary.flops ?? (run.summary.tokens ?? 0) * ctx.baseFlopsPerToken * relCost(ctx, config);
    return {
      runId: run.id,
      status: run.status,
      value: done && typeof v === 'number' && Number.isFinite(v) ? v : undefined,
      flops,
    };
  } finally {
    lease.release();
  }
}

export const fmtBpb = (v: number | null | undefined) =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : '—';
