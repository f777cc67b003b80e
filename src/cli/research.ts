/**
 * `flywheel research`: an autonomous research session (DESIGN.md "Research loop").
 * Exit status: 0 when the session ended (completed or stopped), 2 on bad input, 1 when it crashed.
 */
import type { Command } from 'commander';
import { parseBudget, resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import { FlywheelError } from '../errors.ts';
import { makeExecutor } from '../executors/index.ts';
import { checkResearcherEnv, makeResearcher, RESEARCHER_NAMES } from '../researchers/index.ts';
import { withMixtureKnobs } from '../researchers/config-diff.ts';
import { ResearchSession } from '../research/session.ts';
import { measureThroughput, planRungs, rememberedStart } from '../research/setup.ts';
import { SessionView } from '../research/view.ts';
import { bindDataset } from '../runs/dataset.ts';
import { resolveDataArg } from '../data/resolve-data.ts';
import type { DatasetMeta } from '../data/format.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { SearchSpace } from '../config/search-space.ts';
import { specSessionStart } from './trainer-start.ts';
import { collect, openCliStore, parseIntOption, printJson } from './common.ts';

interface ResearchOptions {
  researcher: string;
  budget: string;
  parallel: number;
  executor: string;
  resume?: string;
  preset?: string;
  set: string[];
  fullTokens?: number;
  rungs: number;
  eta: number;
  seeds: number;
  seed: number;
  maxLlmCost?: number;
  maxProposals?: number;
  unsafeNoSandbox?: boolean;
  trainer?: string;
  data?: string;
  json?: boolean;
}

const parseNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new FlywheelError('bad_input', `${name} must be a positive number, got "${v}"`);
  return n;
};

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
    .option('--trainer <spec>', "research your own script's knobs, as its trainer spec says")
    .option('--data <dirOrHash>', 'a corpus prepared with flywheel prepare --source (its folder or hash)')
    .option('--unsafe-no-sandbox', 'allow code experiments without bubblewrap (not recommended)')
    .option('--json', 'print one JSON summary object on stdout')
    .action(async (o: ResearchOptions) => {
      if (!RESEARCHER_NAMES.includes(o.researcher)) {
        throw new FlywheelError(
          'bad_input',
          `--researcher ${o.researcher}: use one of ${RESEARCHER_NAMES.join(', ')}`,
        );
      }
      if (!o.resume) checkResearcherEnv(o.researcher); // a missing API key fails before any dataset work
      if (o.parallel < 1) throw new FlywheelError('bad_input', `--parallel must be >= 1, got ${o.parallel}`);
      if (o.seeds < 3)
        throw new FlywheelError('bad_input', `--seeds must be >= 3 (a win needs >= 3 seeds), got ${o.seeds}`);
      if (o.rungs < 1 || o.rungs > 6)
        throw new FlywheelError('bad_input', `--rungs must be 1..6, got ${o.rungs}`);
      const budget = parseBudget(o.budget);
      if (budget.tokens)
        throw new FlywheelError(
          'bad_input',
          '--budget for a session is wall time and/or FLOPs (tokens are per run)',
        );
      const log = (m: string) => process.stderr.write(`${m}\n`);
      const store = await openCliStore();
      const executor = await makeExecutor(o.executor, { parallel: o.parallel });
      const ac = new AbortController();
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
      try {
        const view = new SessionView(process.stderr, 10_000);
        let session: ResearchSession;
        if (o.resume) {
          const rec = await store.getSession(o.resume);
          if (!rec)
            throw new FlywheelError(
              'not_found',
              `no session with id "${o.resume}" (the dashboard's Sessions page lists them)`,
            );
          const spec = rec.spec as {
            baseConfig: Record<string, unknown>;
            researcher: string;
            sessionSeed: number;
          };
          const researcher = await makeResearcher(spec.researcher, {
            seed: spec.sessionSeed,
            store,
            maxCostUsd: o.maxLlmCost,
            unsafeNoSandbox: o.unsafeNoSandbox,
            sessionId: rec.id,
          });
          session = await ResearchSession.resume(
            { store, executor, researcher, view, signal: ac.signal },
            o.resume,
          );
        } else {
          const dataDir = o.data ? resolveDataArg(o.data) : undefined;
          let config: TrainConfig;
          let meta: DatasetMeta | undefined;
          let remembered: Awaited<ReturnType<typeof rememberedStart>>;
          let space: SearchSpace | undefined;
          if (o.trainer) {
            // a spec trainer: its knobs are the search space (README "Bring your own trainer")
            if (o.preset) throw new FlywheelError('bad_input', '--trainer cannot be combined with --preset');
            const start = specSessionStart({ trainer: o.trainer, set: o.set, dataDir });
            ({ config, searchSpace: space } = start);
            log(`starting from ${start.source} (${space.knobs.map((k) => k.path).join(', ')})`);
          } else {
            remembered = o.preset || o.set.length || o.data ? undefined : await rememberedStart(store);
            const resolved = remembered
              ? resolveConfig({ base: remembered.config, sets: o.set })
              : resolveConfig({ preset: o.preset ?? 'small', sets: o.set });
            if (dataDir) resolved.data = { ...resolved.data, dir: dataDir };
            ({ config, meta } = await bindDataset(resolved, log));
            log(
              `starting from ${remembered ? remembered.source : `preset ${config.preset}`} (dataset ${meta.hash}, unigram baseline ${meta.unigramBpb.toFixed(4)} bpb)`,
            );
          }
          const researcher = await makeResearcher(o.researcher, {
            seed: o.seed,
            store,
            domains: (meta?.domains ?? []).map((d) => ({
              name: d.name,
              trainTokens: d.trainTokens,
              unigramBpb: d.unigramBpb,
            })),
            maxCostUsd: o.maxLlmCost,
            unsafeNoSandbox: o.unsafeNoSandbox,
          });
          let rungTokens: number[];
          let tput: { tokPerSec: number; startupSeconds: number; source: string } | undefined;
          if (o.fullTokens) {
            const full = Math.round(o.fullTokens);
            rungTokens = Array.from({ length: o.rungs }, (_, i) =>
              Math.max(config.train.batchTokens, Math.round(full / o.eta ** (o.rungs - 1 - i))),
            );
          } else {
            if (!budget.seconds)
              throw new FlywheelError(
                'bad_input',
                'without a wall-time --budget, give --full-tokens to size the runs',
              );
            tput = await measureThroughput(store, executor, config, log);
            rungTokens = planRungs({
              budgetSeconds: budget.seconds,
              parallel: o.parallel,
              tokPerSec: tput.tokPerSec,
              startupSeconds: tput.startupSeconds,
              batchTokens: config.train.batchTokens,
              eta: o.eta,
              nRungs: o.rungs,
            });
            log(
              `throughput ${Math.round(tput.tokPerSec)} tok/s (${tput.source}), start-up ${tput.startupSeconds.toFixed(1)} s: rungs ${rungTokens.join(' / ')} tokens`,
            );
          }
          session = await ResearchSession.create(
            { store, executor, researcher, view, signal: ac.signal },
            {
              baseConfig: config,
              baseSource: o.trainer
                ? `trainer:${config.trainer.spec!.name}`
                : (remembered?.source ?? `preset:${config.preset ?? 'custom'}`),
              searchSpace:
                space ??
                withMixtureKnobs(
                  DEFAULT_SEARCH_SPACE,
                  (meta?.domains ?? []).map((d) => d.name),
                ),
              researcher: o.researcher,
              executor: executor.name,
              parallel: o.parallel,
              budgetSeconds: budget.seconds,
              budgetFlops: budget.flops,
              rungTokens,
              eta: o.eta,
              baselineSeeds: o.seeds,
              candidateSeeds: o.seeds,
              sessionSeed: o.seed,
              ...(o.maxProposals ? { maxProposals: o.maxProposals } : {}),
              tokPerSec: tput?.tokPerSec,
              startupSeconds: tput?.startupSeconds ?? 3,
            },
          );
        }
        log(`session ${session.id}`);
        const summary = await session.run();
        const usage = session.deps.researcher.usage?.();
        const out = { ...summary, llm: usage ?? null };
        if (o.json) printJson(out);
        else {
          log(`session ${summary.sessionId} ${summary.status}`);
          for (const line of view.lines()) log(line);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await executor.close();
        await store.close();
      }
    });
}
