/**
 * Research efficiency: npx tsx bench/research-efficiency.ts [--seeds 3] [--full-tokens N] [--budget-runs K]
 *   [--rerun-seeds 5] [--quick] [--work DIR] [--no-write] [--render --work DIR] [--notes FILE]
 *
 * Three ways to spend the same training FLOPs on the real trainer and the default dataset, side by side in
 * one run, on several session seeds, all starting from the same preset:
 *   1. random search (bench/research-efficiency/random-search.ts) — the named baseline,
 *   2. greedy keep-if-better single runs, autoresearch style (greedy.ts),
 *   3. a Flywheel session with the offline researcher (flywheel.ts).
 * Then each method's final pick, and the base config, is re-run on the same fresh seeds (rerun.ts), and
 * report.ts gives the best confirmed val bpb per method and the compute each needed to reach random
 * search's final best, as a fraction of random search's total.
 *
 * Everything lands in <work>/results.json as it finishes; running again with the same --work (and the
 * same options) resumes where it stopped. --quick: the tiny preset, one session seed, a few runs (a smoke
 * test, ~5 min; does not write BENCHMARKS.md unless --write).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { findPython } from '../src/runs/python.ts';
import { writeSection } from './benchmarks-md.ts';
import { makeContext, type MethodName, type MethodResult } from './research-efficiency/context.ts';
import { flywheel } from './research-efficiency/flywheel.ts';
import { greedy } from './research-efficiency/greedy.ts';
import { experimentKey, parseOptions, rerunSeedList } from './research-efficiency/options.ts';
import { randomSearch } from './research-efficiency/random-search.ts';
import { METHODS, renderSection, rows, type BenchResults } from './research-efficiency/report.ts';
import { rerun } from './research-efficiency/rerun.ts';

const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const RUNNERS: Record<MethodName, typeof randomSearch> = { random: randomSearch, greedy, flywheel };

function torchVersion(): string {
  const r = spawnSync(findPython(), ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

function publish(results: BenchResults, write: boolean, notesFile?: string): void {
  const body = renderSection(results, notesFile ? readFileSync(notesFile, 'utf8') : '');
  process.stdout.write(`${body}\n`);
  if (write) {
    writeSection('Research efficiency', body);
    log('wrote the "Research efficiency" section of BENCHMARKS.md');
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const file = join(opts.workDir, 'results.json');
  if (opts.render) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    publish(saved, opts.write, opts.notes);
    return;
  }
  mkdirSync(opts.workDir, { recursive: true });
  const t0 = Date.now();
  const ctx = await makeContext(opts, log);
  const prev = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResults) : undefined;
  const resumed = prev && prev.key === experimentKey(opts) ? prev : undefined;
  const results: BenchResults = {
    key: experimentKey(opts),
    options: opts,
    machine: {
      cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
      node: process.version,
      torch: torchVersion(),
      date: new Date().toISOString().slice(0, 10),
      loadStart: resumed?.machine.loadStart ?? loadavg(),
    },
    base: ctx.base,
    fullFlops: ctx.fullFlops,
    budgetFlops: ctx.budgetFlops,
    methods: resumed?.methods ?? [],
    rerunSeeds: rerunSeedList(opts.rerunSeeds),
    rerun: resumed?.rerun ?? {},
  };
  const elapsedBefore = resumed?.machine.wallSeconds ?? 0;
  const save = () => {
    results.machine.wallSeconds = elapsedBefore + (Date.now() - t0) / 1000;
    writeFileSync(file, JSON.stringify(results, null, 1));
  };
  log(
    `work dir ${opts.workDir}; full run ${opts.fullTokens} tokens = ${ctx.fullFlops.toExponential(2)} FLOPs; budget ${opts.budgetRuns} full runs per method`,
  );
  for (const seed of opts.sessionSeeds) {
    for (const method of METHODS) {
      if (results.methods.some((m) => m.sessionSeed === seed && m.method === method)) continue;
      log(`=== session seed ${seed}: ${method} ===`);
      const r: MethodResult = await RUNNERS[method](ctx, seed);
      results.methods.push(r);
      save();
      log(
        `=== ${method} s${seed}: ${r.runs} runs, ${(r.flopsUsed / ctx.budgetFlops).toFixed(2)}× budget, final ${r.finalObserved?.toFixed(4)}, ${(r.wallSeconds / 60).toFixed(1)} min ===`,
      );
    }
  }
  await rerun(
    ctx,
    [ctx.base, ...results.methods.map((m) => m.pick.config)],
    results.rerunSeeds,
    results.rerun,
    save,
  );
  results.machine.loadEnd = loadavg();
  save();
  for (const x of rows(results))
    log(
      `s${x.seed} ${x.method}: re-run ${x.rerun.mean?.toFixed(4)} ± ${x.rerun.std?.toFixed(4)}, reach ${x.reach.fraction?.toFixed(2) ?? 'not reached'}`,
    );
  publish(results, opts.write, opts.notes);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`research-efficiency: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
