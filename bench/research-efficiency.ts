/**
 * Research efficiency in two regimes: npx tsx bench/research-efficiency.ts [--regime a,b] [--methods ...]
 *   [--seeds 3] [--budget-runs 24] [--rerun-seeds 5] [--preset small|tiny] [--full-tokens N] [--work DIR]
 *   [--from FILE] [--fresh a,b] [--estimate] [--quick] [--write|--no-write] [--render] [--notes FILE]
 *
 * Four ways to spend the same training FLOPs, side by side on several session seeds, from the same base:
 *   1. random search (research-efficiency/random-search.ts) — the named baseline,
 *   2. greedy keep-if-better single runs, autoresearch style (greedy.ts),
 *   3. TPE + successive halving without statistics, the Optuna recipe (tpe-asha.ts),
 *   4. a Flywheel session with the offline researcher (flywheel.ts): the real engine, so re-running this
 *      command measures whatever the engine is now.
 * Regime (a): the real trainer on the default corpus (large effects; ~90 min at the default scale on 2
 * CPU cores; `--preset tiny --full-tokens 27648 --budget-runs 8 --seeds 1 --rerun-seeds 3` is a ~10 min
 * smoke scale). Regime (b): the planted trainer (planted-world.ts), every effect known, most within 1-2
 * noise floors (minutes). Each pick is re-run on fresh seeds (rerun.ts); report.ts renders the section.
 *
 * Everything lands in <work>/results.json as it finishes; the same --work (or --from a stored
 * results.json, e.g. bench/results/research-efficiency.json) resumes: methods already stored are reused.
 * --methods runs those methods again (replacing their stored rows) and reuses the rest, e.g. after an
 * engine change: --regime a,b --methods flywheel --from bench/results/research-efficiency.json.
 * --write (default unless --quick) copies results.json to bench/results/ and rewrites the BENCHMARKS.md
 * section "Research efficiency: two regimes".
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/home.ts';
import { findPython } from '../src/runs/python.ts';
import { writeSection } from './benchmarks-md.ts';
import { makeContext, type MethodName, type MethodResult } from './research-efficiency/context.ts';
import { estimateSeconds } from './research-efficiency/estimate.ts';
import { flywheel } from './research-efficiency/flywheel.ts';
import { greedy } from './research-efficiency/greedy.ts';
import {
  ALL_METHODS,
  experimentKey,
  parseOptions,
  rerunSeedList,
  type BenchOptions,
  type Regime,
} from './research-efficiency/options.ts';
import { randomSearch } from './research-efficiency/random-search.ts';
import { renderSection, LABEL } from './research-efficiency/report.ts';
import { loadResults, rows, type BenchResults, type RegimeResults } from './research-efficiency/results.ts';
import { rerun } from './research-efficiency/rerun.ts';
import { tpeAsha } from './research-efficiency/tpe-asha.ts';

const SECTION = 'Research efficiency: two regimes';
const STORED = join(repoRoot, 'bench', 'results', 'research-efficiency.json');
const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const RUNNERS: Record<MethodName, typeof randomSearch> = {
  random: randomSearch,
  greedy,
  tpe: tpeAsha,
  flywheel,
};

function torchVersion(): string {
  const r = spawnSync(findPython(), ['-c', 'import torch; print(torch.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

/** The (seed, method) pairs to run in `regime`, given what is stored. */
function todo(opts: BenchOptions, stored: RegimeResults | undefined): Array<[number, MethodName]> {
  const out: Array<[number, MethodName]> = [];
  for (const seed of opts.sessionSeeds)
    for (const method of opts.methods ?? ALL_METHODS) {
      const have = stored?.methods.some((m) => m.sessionSeed === seed && m.method === method);
      if (opts.methods || !have) out.push([seed, method]);
    }
  return out;
}

function checkStored(opts: BenchOptions, regime: Regime, stored: RegimeResults | undefined): void {
  if (!stored || opts.fresh.includes(regime) || stored.key === experimentKey(opts, regime)) return;
  throw new Error(
    `stored regime (${regime}) results were made with ${stored.key}, not ${experimentKey(opts, regime)}: ` +
      `pass the same options, or --fresh ${regime} to drop them`,
  );
}

async function runRegime(
  opts: BenchOptions,
  regime: Regime,
  results: BenchResults,
  save: () => void,
): Promise<void> {
  const t0 = Date.now();
  const stored = opts.fresh.includes(regime) ? undefined : results.regimes[regime];
  const ctx = await makeContext(opts, regime, log);
  const date = new Date().toISOString().slice(0, 10);
  const r: RegimeResults = {
    regime,
    key: experimentKey(opts, regime),
    options: opts,
    machine: {
      cpus: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`,
      node: process.version,
      torch: regime === 'a' ? torchVersion() : 'none (planted trainer)',
      date,
      loadStart: loadavg(),
      wallSeconds: stored?.machine.wallSeconds ?? 0,
    },
    base: ctx.base,
    fullTokens: ctx.fullTokens,
    fullFlops: ctx.fullFlops,
    budgetFlops: ctx.budgetFlops,
    world: ctx.world,
    methods: (stored?.methods ?? []).map((m) => ({ ...m, date: m.date ?? stored?.machine.date })),
    rerunSeeds: rerunSeedList(opts.rerunSeeds),
    rerun: stored?.rerun ?? {},
  };
  results.regimes[regime] = r;
  const wall0 = r.machine.wallSeconds ?? 0;
  const persist = () => {
    r.machine.wallSeconds = wall0 + (Date.now() - t0) / 1000;
    save();
  };
  log(
    `regime (${regime}): full run ${ctx.fullTokens} tokens = ${ctx.fullFlops.toExponential(2)} FLOPs; budget ${opts.budgetRuns} full runs per method`,
  );
  for (const [seed, method] of todo(opts, stored)) {
    log(`=== regime (${regime}) session seed ${seed}: ${LABEL[method]} ===`);
    const m: MethodResult = { ...(await RUNNERS[method](ctx, seed)), date };
    r.methods = r.methods.filter((x) => !(x.sessionSeed === seed && x.method === method)).concat(m);
    persist();
    log(
      `=== (${regime}) ${method} s${seed}: ${m.runs} runs, ${(m.flopsUsed / ctx.budgetFlops).toFixed(2)}× budget, final ${m.finalObserved?.toFixed(4)}, ${(m.wallSeconds / 60).toFixed(1)} min ===`,
    );
  }
  await rerun(ctx, [ctx.base, ...r.methods.map((m) => m.pick.config)], r.rerunSeeds, r.rerun, persist);
  r.machine.loadEnd = loadavg();
  persist();
  for (const x of rows(r, ALL_METHODS))
    log(
      `(${regime}) s${x.seed} ${x.method}: re-run ${x.rerun.mean?.toFixed(4)} ± ${x.rerun.std?.toFixed(4)}, reach ${x.reach.fraction?.toFixed(2) ?? 'not reached'}${x.planted ? `, false keeps ${x.planted.falseKeeps}/${x.planted.kept.length}, missed ${x.planted.missed.length}/${x.planted.wins}` : ''}`,
    );
}

function publish(results: BenchResults, opts: BenchOptions, file: string): void {
  const body = renderSection(results, opts.notes ? readFileSync(opts.notes, 'utf8') : '');
  process.stdout.write(`${body}\n`);
  if (!opts.write) return;
  if (file !== STORED) copyFileSync(file, STORED);
  writeSection(SECTION, body);
  log(`wrote ${STORED} and the "${SECTION}" section of BENCHMARKS.md`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const file = join(opts.workDir, 'results.json');
  const results: BenchResults = loadResults(file) ??
    (opts.from ? loadResults(opts.from) : undefined) ?? { version: 2, regimes: {} };
  if (opts.render && Object.keys(results.regimes).length === 0)
    throw new Error(`--render: no results in ${opts.from ?? file}; name a results.json with --from FILE`);
  if (opts.render) return publish(results, opts, opts.from ?? file);
  for (const regime of opts.regimes) checkStored(opts, regime, results.regimes[regime]);
  const plan = opts.regimes.map((g) => {
    const jobs = todo(opts, opts.fresh.includes(g) ? undefined : results.regimes[g]);
    return { regime: g, jobs, seconds: estimateSeconds(opts, g, jobs) };
  });
  for (const p of plan)
    log(
      `regime (${p.regime}): ${p.jobs.length} method sessions to run (${p.jobs.map(([s, m]) => `${m} s${s}`).join(', ') || 'none: all stored'}), estimated wall ~${(p.seconds / 60).toFixed(0)} min`,
    );
  log(
    `estimated total ~${(plan.reduce((a, p) => a + p.seconds, 0) / 60).toFixed(0)} min; results in ${file}`,
  );
  if (opts.estimate) return;
  mkdirSync(opts.workDir, { recursive: true });
  const save = () => writeFileSync(file, JSON.stringify(results, null, 1));
  for (const regime of opts.regimes) await runRegime(opts, regime, results, save);
  publish(results, opts, file);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`research-efficiency: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
