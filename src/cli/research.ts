/**
 * `flywheel research`: an autonomous research session (ARCHITECTURE.md "A session's data flow").
 * Exit status: 0 when the session ended (completed or stopped), 2 on bad input, 1 when it crashed.
 * The options and their checks are research-options.ts; this file opens the session (new or resumed),
 * sizes its rungs, and turns Ctrl-C into a graceful stop.
 */
import type { Command } from 'commander';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE, sizedRanges, sizedToRun } from '../config/search-space.ts';
import { vocabOf, type TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { FlywheelError } from '../errors.ts';
import type { Executor } from '../executors/base.ts';
import { makeExecutor } from '../executors/index.ts';
import { withMixtureKnobs } from '../researchers/config-diff.ts';
import { SCREEN_SHARE } from '../researchers/screening-design.ts';
import { makeResearcher, RESEARCHER_NAMES } from '../researchers/index.ts';
import type { ResearchSession, SessionDeps } from '../research/session.ts';
import { openSession, reopenSession } from '../research/session-open.ts';
import { fromEarlierSessions, pastSessions, rememberedStart } from '../research/setup.ts';
import { historyPlan, measureThroughput, rungsOfFull, screenSize } from '../research/setup-plan.ts';
import { planWithLadder } from '../research/ladder-plan.ts';
import { decisionLooks, SessionSpec } from '../research/core/spec.ts';
import { maxSeedsOf } from '../research/core/state.ts';
import { SessionView } from '../research/view.ts';
import { bindDataset } from '../runs/dataset.ts';
import type { SessionRecord, Store } from '../store/base.ts';
import { resolveDataArg } from '../data/resolve-data.ts';
import type { DatasetMeta } from '../data/format.ts';
import type { SearchSpace } from '../config/search-space.ts';
import { specSessionStart } from './trainer-start.ts';
import { collect, openCliStore, parseIntOption, printJson } from './common.ts';
import { checkOptions, parseNumber, ruleSpec, type ResearchOptions } from './research-options.ts';

const log = (m: string) => process.stderr.write(`${m}\n`);

export function register(program: Command): void {
  program
    .command('research')
    .description('run an autonomous research session: propose, schedule, monitor, conclude')
    .option('--researcher <name>', `who proposes: ${RESEARCHER_NAMES.join(' | ')}`, 'offline')
    .option(
      '--budget <spec>',
      'session budget: wall time (20m, 600s) and/or FLOPs (1e15flop), comma-separated',
      '20m',
    )
    .option('--parallel <n>', 'runs at once', parseIntOption('--parallel', 1), 2)
    .option('--executor <name>', 'local | slurm', 'local')
    .option('--resume <sessionId>', 'continue a session after a crash or kill')
    .option(
      '--preset <name>',
      'start from this preset instead of the best confirmed config of earlier sessions',
    )
    .option('--set <key=value>', 'override the starting config (repeatable)', collect, [])
    .option(
      '--full-tokens <n>',
      'token budget of a full (top-rung) run; default: sized to the session budget',
      parseNumber('--full-tokens'),
    )
    .option('--rungs <n>', 'successive-halving rungs', parseIntOption('--rungs', 1), 3)
    .option('--eta <n>', 'successive-halving reduction factor', parseNumber('--eta'), 3)
    .option(
      '--seeds <n>',
      'baseline seeds per rung (noise floor) and seeds per candidate',
      parseIntOption('--seeds'),
      3,
    )
    .option(
      '--confirm-seeds <n>',
      'held-out confirmation seeds per candidate (default 1)',
      parseIntOption('--confirm-seeds', 1),
    )
    .option('--alpha <p>', 'significance level of the decision test (default 0.05)', parseNumber('--alpha'))
    .option('--correction <name>', 'multiple-comparison correction: holm | bh (default holm)')
    .option(
      '--monitor <rule.param=value>',
      'monitor rule settings, e.g. spike=false or behindBaseline.m=5 (repeatable)',
      collect,
      [],
    )
    .option('--seed <n>', 'session seed (researcher randomness)', parseIntOption('--seed'), 0)
    .option(
      '--max-proposals <n>',
      'stop asking for ideas after this many proposals',
      parseIntOption('--max-proposals', 1),
    )
    .option(
      '--max-llm-cost <usd>',
      'stop asking the LLM for proposals after this many dollars',
      parseNumber('--max-llm-cost'),
    )
    .option(
      '--ladder <n>',
      'larger model sizes the best change is re-tested at (0-4; default: 2, 1 or 0 as the budget allows)',
      parseIntOption('--ladder', 0),
    )
    .option('--trainer <spec>', "research your own script's knobs, as its trainer spec says")
    .option('--data <dirOrHash>', 'a corpus prepared with flywheel prepare --source (its folder or hash)')
    .option('--unsafe-no-sandbox', 'allow code experiments without bubblewrap (not recommended)')
    .option('--json', 'print one JSON summary object on stdout')
    .action(async (o: ResearchOptions) => {
      const budget = checkOptions(o);
      const store = await openCliStore();
      const executor = await makeExecutor(o.executor, { parallel: o.parallel });
      const ac = new AbortController();
      const release = onInterrupt(ac);
      try {
        const view = new SessionView(process.stderr, 10_000);
        const deps = { store, executor, view, signal: ac.signal };
        const session = o.resume ? await resumeSession(o, deps, o.resume) : await newSession(o, deps, budget);
        log(`session ${session.id}`);
        const summary = await session.run();
        const out = { ...summary, llm: session.deps.researcher.usage?.() ?? null };
        if (o.json) printJson(out);
        else {
          log(`session ${summary.sessionId} ${summary.status}`);
          for (const line of view.lines()) log(line);
        }
      } finally {
        release();
        await executor.close();
        await store.close();
      }
    });
}

/** The first Ctrl-C (or SIGTERM) stops the session gracefully; a second one abandons the runs. */
function onInterrupt(ac: AbortController): () => void {
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      log(
        'flywheel: stopping the session (runs in flight are stopped gracefully; Ctrl-C again to abandon them)',
      );
      ac.abort(new Error('interrupted'));
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

type CliDeps = Omit<SessionDeps, 'researcher'> & { store: Store; executor: Executor };

/** `--resume`: the researcher named in the stored spec, rebuilt; the session settles its orphans. */
async function resumeSession(o: ResearchOptions, deps: CliDeps, id: string): Promise<ResearchSession> {
  const rec = await deps.store.getSession(id);
  if (!rec)
    throw new FlywheelError(
      'not_found',
      `no session with id "${id}" (the dashboard's Sessions page lists them)`,
    );
  const spec = rec.spec as { researcher: string; sessionSeed: number };
  const researcher = await makeResearcher(spec.researcher, {
    seed: spec.sessionSeed,
    store: deps.store,
    maxCostUsd: o.maxLlmCost,
    unsafeNoSandbox: o.unsafeNoSandbox,
    sessionId: rec.id,
  });
  return reopenSession({ ...deps, researcher }, id);
}

/** A new session: its start config (remembered best, or a preset), dataset, researcher and rungs. */
async function newSession(
  o: ResearchOptions,
  deps: CliDeps,
  budget: { seconds?: number; flops?: number },
): Promise<ResearchSession> {
  const dataDir = o.data ? resolveDataArg(o.data) : undefined;
  let config: TrainConfig;
  let meta: DatasetMeta | undefined;
  let remembered: Awaited<ReturnType<typeof rememberedStart>>;
  const past = await pastSessions(deps.store); // read once for all of setup.ts below
  let space: SearchSpace | undefined;
  if (o.trainer) {
    // a spec trainer: its knobs are the search space (README "Bring your own trainer")
    if (o.preset) throw new FlywheelError('bad_input', '--trainer cannot be combined with --preset');
    const start = specSessionStart({ trainer: o.trainer, set: o.set, dataDir });
    ({ config, searchSpace: space } = start);
    log(`starting from ${start.source} (${space.knobs.map((k) => k.path).join(', ')})`);
  } else {
    remembered = o.preset || o.set.length || o.data ? undefined : await rememberedStart(deps.store, past);
    const resolved = remembered
      ? resolveConfig({ base: remembered.config, sets: o.set })
      : resolveConfig({ preset: o.preset ?? 'small', sets: o.set });
    if (dataDir) resolved.data = { ...resolved.data, dir: dataDir };
    ({ config, meta } = await bindDataset(resolved, log));
    log(
      `starting from ${remembered ? remembered.source : `preset ${config.preset}`} (dataset ${meta.hash}, unigram baseline ${meta.unigramBpb.toFixed(4)} bpb)`,
    );
  }
  const domains = meta?.domains ?? [];
  const { rungTokens, tput, ladder } = await sizeRungs(o, deps, config, budget, past);
  // The data-mixture study (README "Data-mixture study") spends a session's first proposals on random
  // mixtures: only a session that pays for enough full runs can afford it beside the search.
  const capacity = fullRunCapacity(config, rungTokens, budget, o.parallel, tput);
  const mixtureStudy = domains.length >= 2 && capacity >= MIXTURE_STUDY_MIN_RUNS;
  if (domains.length >= 2 && o.researcher === 'offline')
    log(
      `mixture study ${mixtureStudy ? 'on' : 'off'}: the budget pays for ~${Math.round(capacity)} full runs (the study needs ${MIXTURE_STUDY_MIN_RUNS})`,
    );
  // The screening study (README "Research sessions: the screening study") measures a design over the
  // library's changes at the study rung (the lowest at least twice the warmup): as large a design as
  // SCREEN_SHARE of the budget pays for, none below 16 rows.
  const { rows: screeningRows, rung: atRung } = screenSize(
    capacity,
    rungTokens,
    config.schedule.warmupTokens,
    budget.seconds ? tput : undefined,
  );
  if (o.researcher === 'offline')
    log(
      screeningRows
        ? `screening study on: ${screeningRows} rows at rung ${atRung} (${rungTokens[atRung]} tokens)`
        : `screening study off: the budget pays for ~${Math.round(capacity)} full runs, too few for 16 rows at rung ${atRung} in ${Math.round(SCREEN_SHARE * 100)} % of it`,
    );
  const researcher = await makeResearcher(o.researcher, {
    seed: o.seed,
    store: deps.store,
    domains: domains.map((d) => ({
      name: d.name,
      trainTokens: d.trainTokens,
      unigramBpb: d.unigramBpb,
    })),
    maxCostUsd: o.maxLlmCost,
    unsafeNoSandbox: o.unsafeNoSandbox,
    mixtureStudy,
    screeningRows,
  });
  // looks per candidate: its seeds and confirmation take at most a fifth of the session (core/spec.ts)
  const maxSeeds = decisionLooks(capacity, o.confirmSeeds ?? 1);
  log(`sequential decisions: up to ${maxSeeds} seeds per candidate (~${Math.round(capacity)} full runs)`);
  // the default space, its warmup and batch ranges sized to this session's full run (config/search-space.ts)
  const searchSpace =
    space ??
    withMixtureKnobs(
      sizedToRun(DEFAULT_SEARCH_SPACE, rungTokens[rungTokens.length - 1], config),
      domains.map((d) => d.name),
    );
  if (!space) log(`search space: ${sizedRanges(searchSpace)} (sized to the full run)`);
  // what earlier sessions in this store already measured: their noise floor, the base's runs, the
  // tests they left open on this base (setup.ts `fromEarlierSessions`)
  const earlier = await fromEarlierSessions(
    deps.store,
    config,
    {
      rungTokens,
      baselineSeeds: o.seeds,
      alpha: SessionSpec.shape.alpha.parse(o.alpha),
      searchSpace,
    },
    past,
  );
  const { historyNoise: h, historySeedRuns, carriedBase, carriedTests } = earlier;
  if (h)
    log(
      `noise floor: ${h.df} df from ${h.sessions.length} earlier session(s) (sd ${h.sd.toFixed(4)}): ${earlier.baselineSeeds} baseline seeds`,
    );
  if (historySeedRuns)
    log(
      `seed blocks: ${historySeedRuns.length} full runs of earlier sessions on the same data order join the fit`,
    );
  if (carriedBase.length)
    log(
      `baseline: ${carriedBase.length} run(s) of this config at these rungs carried from earlier session(s) (seeds ${[...new Set(carriedBase.map((c) => c.seed))].join(', ')})`,
    );
  for (const t of carriedTests)
    log(
      `continuing ${t.title}: left open by session ${t.session} after ${t.runs.length} seed(s) on this base, up to ${maxSeedsOf({ maxSeeds }, t)} seeds`,
    );
  return openSession(
    { ...deps, researcher },
    {
      baseConfig: config,
      baseSource: o.trainer
        ? `trainer:${config.trainer.spec!.name}`
        : (remembered?.source ?? `preset:${config.preset ?? 'custom'}`),
      searchSpace,
      researcher: o.researcher,
      executor: deps.executor.name,
      parallel: o.parallel,
      budgetSeconds: budget.seconds,
      budgetFlops: budget.flops,
      rungTokens,
      ladder,
      maxSeeds,
      ...ruleSpec(o),
      ...earlier,
      tokPerSec: tput?.tokPerSec,
      startupSeconds: tput?.startupSeconds ?? 3,
    },
  );
}

/** Rung budgets: under `--full-tokens`, or sized to the wall-time budget from measured throughput. */
async function sizeRungs(
  o: ResearchOptions,
  deps: CliDeps,
  config: TrainConfig,
  budget: { seconds?: number },
  past: SessionRecord[],
): Promise<{
  rungTokens: number[];
  tput?: { tokPerSec: number; startupSeconds: number };
  ladder: number;
}> {
  const shape = { batchTokens: config.train.batchTokens, eta: o.eta, nRungs: o.rungs };
  if (o.fullTokens) {
    const rungTokens = rungsOfFull(Math.round(o.fullTokens), shape);
    // A wall-time budget needs the throughput even when --full-tokens sizes the runs: how many full
    // runs the session pays for sizes the screening study, the mixture study and the decision looks, and
    // the scheduler's time estimates start from it. Without it a `--budget 8m --full-tokens N` session
    // counted ~0 full runs and ran with neither study.
    if (!budget.seconds) return { rungTokens, ladder: o.ladder ?? 0 };
    const tput = await measureThroughput(deps.store, deps.executor, config, log);
    log(
      `throughput ${Math.round(tput.tokPerSec)} tok/s (${tput.source}), start-up ${tput.startupSeconds.toFixed(1)} s: rungs ${rungTokens.join(' / ')} tokens (--full-tokens)`,
    );
    return { rungTokens, tput, ladder: o.ladder ?? 0 };
  }
  if (!budget.seconds)
    throw new FlywheelError('bad_input', 'without a wall-time --budget, give --full-tokens to size the runs');
  const tput = await measureThroughput(deps.store, deps.executor, config, log);
  // the size ladder's runs share the budget: the rungs are planned with it (research/ladder-plan.ts)
  const plan = (requested: number | undefined) =>
    planWithLadder({
      requested,
      config,
      seeds: SessionSpec.shape.ladderSeeds.parse(undefined),
      budgetSeconds: budget.seconds!,
      parallel: o.parallel,
      tokPerSec: tput.tokPerSec,
      startupSeconds: tput.startupSeconds,
      eta: o.eta,
      nRungs: o.rungs,
    });
  const { rungTokens, n, reason } = plan(o.ladder);
  log(
    `throughput ${Math.round(tput.tokPerSec)} tok/s (${tput.source}), start-up ${tput.startupSeconds.toFixed(1)} s: rungs ${rungTokens.join(' / ')} tokens; ${reason}`,
  );
  // an earlier session's plan, when this one would plan close to it with its ladder: its noise floor,
  // seed runs and base runs then carry over (research/setup-plan.ts `historyPlan`); an asked-for ladder stands
  const earlier = await historyPlan(
    deps.store,
    config,
    shape,
    (ladder) => {
      if (o.ladder !== undefined && o.ladder !== ladder) return undefined;
      if (ladder === n) return rungTokens;
      const other = plan(ladder);
      return other.n === ladder ? other.rungTokens : undefined;
    },
    past,
  );
  if (earlier && (earlier.rungTokens.join() !== rungTokens.join() || earlier.ladder !== n)) {
    log(
      `rungs ${earlier.rungTokens.join(' / ')} tokens, ladder ${earlier.ladder}: an earlier session's plan, so its noise floor, seeds and base runs carry over`,
    );
    return { rungTokens: earlier.rungTokens, tput, ladder: earlier.ladder };
  }
  return { rungTokens, tput, ladder: n };
}

/** Full-budget runs of the base config the session's budget pays for (seconds with `parallel` slots, or FLOPs). */
const MIXTURE_STUDY_MIN_RUNS = 40;
function fullRunCapacity(
  config: TrainConfig,
  rungTokens: number[],
  budget: { seconds?: number; flops?: number },
  parallel: number,
  tput?: { tokPerSec: number; startupSeconds: number },
): number {
  const full = rungTokens[rungTokens.length - 1];
  const bySeconds =
    budget.seconds && tput
      ? (budget.seconds * parallel) / (full / tput.tokPerSec + tput.startupSeconds)
      : Infinity;
  const byFlops = budget.flops
    ? budget.flops / (full * flopsPerToken(config.model, vocabOf(config)))
    : Infinity;
  const c = Math.min(bySeconds, byFlops);
  return Number.isFinite(c) ? c : 0;
}
