/**
 * `flywheel run`: one training run of the reference trainer, of a script the user brings (`--trainer
 * SPEC`, README "Bring your own trainer"), or a stored run's exact config and code (`--from`; code that
 * is not the reference trainer runs sandboxed, see run-from.ts). The loud-failure monitor rules watch it
 * live unless `--no-monitor` (src/runs/run-monitor.ts). Exit status: 0 when the trainer reported an end
 * (completed, diverged, stopped), 1 when the run failed or was lost; bad input exits 2 before anything
 * starts.
 */
import type { Command } from 'commander';
import { resolveConfig } from '../config/resolve.ts';
import { resolveSpecConfig } from '../config/spec-config.ts';
import { loadTrainerSpec } from '../config/trainer-spec.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { DatasetMeta } from '../data/format.ts';
import { resolveDataArg } from '../data/resolve-data.ts';
import { FlywheelError } from '../errors.ts';
import { bindDataset } from '../runs/dataset.ts';
import { launchRun } from '../runs/launch.ts';
import { ProgressLine } from '../runs/progress.ts';
import { RunMonitor } from '../runs/run-monitor.ts';
import { basename } from 'node:path';
import type { RunRecord } from '../store/base.ts';
import { collect, openCliStore, parseIntOption, printJson } from './common.ts';
import { fromRun } from './run-from.ts';

interface RunOptions {
  preset?: string;
  set: string[];
  budget?: string;
  seed?: number;
  from?: string;
  unsafeNoSandbox?: boolean;
  threads?: number;
  trainer?: string;
  data?: string;
  monitor: boolean;
  json?: boolean;
}

/** " ± 0.0123 (se)" for a standard error, nothing without one. */
export const seText = (se: number | undefined) =>
  typeof se === 'number' && Number.isFinite(se) ? ` ± ${se.toFixed(4)} (se)` : '';

export function runJson(r: RunRecord, extra: Record<string, unknown> = {}) {
  const s = r.summary;
  return {
    runId: r.id,
    status: r.status,
    reason: r.statusReason ?? '',
    valBpb: s.valBpb ?? null,
    valLoss: s.valLoss ?? null,
    valBpbByDomain: s.valBpbByDomain ?? {},
    valBpbSe: s.valBpbSe ?? null, // standard errors over the scored eval windows
    valBpbByDomainSe: s.valBpbByDomainSe ?? {},
    tokens: s.tokens ?? 0,
    flops: s.flops ?? 0,
    params: s.params ?? null,
    flopsPerToken: s.flopsPerToken ?? null,
    tokPerSec: s.tokPerSec ?? null,
    mfu: s.mfu ?? null,
    steps: s.steps ?? null,
    trainSeconds: s.trainSeconds ?? null,
    wallSeconds: s.wallSeconds ?? null,
    seed: r.seed,
    preset: r.preset ?? null,
    configHash: r.configHash,
    parentRunId: r.parentRunId ?? null,
    runDir: r.runDir,
    ...extra,
  };
}

export function register(program: Command): void {
  program
    .command('run')
    .description('train once: a preset with overrides, or a stored run again (--from)')
    .option('--preset <name>', 'tiny | small | gpt2-124m (default tiny)')
    .option('--set <key=value>', 'override a config path, e.g. model.depth=6 (repeatable)', collect, [])
    .option('--budget <spec>', 'stop at the first of: 60s | 5m | 2e6tok | 1e13flop (comma-separated)')
    .option('--seed <n>', 'random seed', parseIntOption('--seed'))
    .option('--from <runId>', "re-run a stored run's exact config and code")
    .option(
      '--unsafe-no-sandbox',
      'let code that is not the reference trainer (a --from run of agent code) run without bubblewrap (not recommended)',
    )
    .option('--threads <n>', 'CPU threads for torch', parseIntOption('--threads', 1))
    .option('--trainer <spec>', 'run your own script, as its trainer spec says (flywheel.trainer.json)')
    .option('--data <dirOrHash>', 'a corpus prepared with flywheel prepare --source (its folder or hash)')
    .option('--no-monitor', 'do not stop the run on NaN/inf or divergence')
    .option('--json', 'print one JSON object with the result on stdout')
    .action(async (o: RunOptions) => {
      const store = await openCliStore();
      try {
        if (o.trainer && (o.from || o.preset))
          throw new FlywheelError('bad_input', '--trainer cannot be combined with --from or --preset');
        const from = o.from ? await fromRun(store, o.from, Boolean(o.unsafeNoSandbox)) : undefined;
        const base = from?.base;
        const log = (m: string) => process.stderr.write(`${m}\n`);
        const dataDir = o.data ? resolveDataArg(o.data) : undefined;
        let config: TrainConfig;
        let meta: DatasetMeta | undefined;
        if (o.trainer) {
          const spec = loadTrainerSpec(o.trainer);
          config = resolveSpecConfig({ spec, sets: o.set, budget: o.budget, seed: o.seed, dataDir });
          if (o.threads) config.train.threads = o.threads;
        } else {
          const sets = [...o.set];
          if (o.threads) sets.push(`train.threads=${o.threads}`);
          const resolved = resolveConfig({ preset: o.preset, base, sets, budget: o.budget, seed: o.seed });
          if (dataDir) resolved.data = { ...resolved.data, dir: dataDir };
          // a stored spec run (--from) brings its own data: no corpus to bind
          if (resolved.trainer.spec) config = resolved;
          else ({ config, meta } = await bindDataset(resolved, log));
        }
        if (from?.rungNote && o.budget) log(from.rungNote);
        const progress = new ProgressLine(config);
        if (from && from.isolation !== 'reference')
          log(
            `run --from ${o.from}: not the reference trainer's code; ${from.isolation === 'bwrap' ? 'sandboxed' : 'UNSANDBOXED (--unsafe-no-sandbox)'}, integrity-checked`,
          );
        const monitor = o.monitor ? new RunMonitor(config.budget.tokens) : undefined;
        const fromLaunch = from?.launch(config);
        const ctl = await launchRun({
          store,
          config,
          ...fromLaunch,
          unsafeNoSandbox: from ? from.isolation === 'none' : Boolean(o.unsafeNoSandbox),
          tags: o.from ? { reproduces: o.from } : {},
          onEvent: (e, run) => {
            progress.update(e);
            monitor?.onEvent(e, run);
          },
          // the sandbox's explanation of a failure first, then the monitor's word on a stop it made
          mapStatus: (s) => {
            const explained = fromLaunch?.mapStatus ? { ...s, ...fromLaunch.mapStatus(s) } : s;
            return monitor ? monitor.mapStatus(explained) : explained;
          },
        });
        const what = config.trainer.spec
          ? `trainer ${config.trainer.spec.name}`
          : (config.preset ?? 'custom');
        log(`run ${ctl.runId} started (${what}${meta ? `, dataset ${meta.hash}` : ''}, ${ctl.runDir})`);
        let interrupts = 0;
        const onSignal = () => {
          interrupts++;
          if (interrupts === 1) ctl.stop('interrupted by user');
          else ctl.proc?.kill();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const rec = await ctl.done;
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        progress.done();
        if (monitor?.decision)
          log(
            `flywheel: the monitor stopped run ${rec.id}: ${monitor.decision.rule}: ${monitor.decision.message}`,
          );
        const out = runJson(rec, {
          unigramBpb: meta?.unigramBpb ?? null,
          dataHash: meta?.hash ?? (config.data.dir ? basename(config.data.dir) : null),
          ...(config.trainer.spec ? { trainer: config.trainer.spec.name, knobs: config.knobs ?? {} } : {}),
          ...(monitor?.decision
            ? {
                monitor: {
                  rule: monitor.decision.rule,
                  message: monitor.decision.message,
                  evidence: monitor.decision.evidence,
                },
              }
            : {}),
        });
        if (o.json) printJson(out);
        else {
          log(`run ${rec.id}: ${rec.status}${rec.statusReason ? ` (${rec.statusReason})` : ''}`);
          if (out.valBpb !== null) {
            log(
              `  val bpb ${Number(out.valBpb).toFixed(4)}${meta ? ` (unigram baseline ${meta.unigramBpb.toFixed(4)})` : ''}`,
            );
            for (const [d, b] of Object.entries(out.valBpbByDomain))
              log(`    ${d.padEnd(12)} ${Number(b).toFixed(4)}${seText(out.valBpbByDomainSe[d])}`);
          }
          log(
            `  ${out.tokens} tokens, ${Number(out.flops).toExponential(2)} FLOPs, ${out.params} params, ${Math.round(Number(out.tokPerSec))} tok/s, ${Number(out.wallSeconds).toFixed(1)}s wall`,
          );
        }
        if (rec.status === 'failed' || rec.status === 'lost') process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
}
