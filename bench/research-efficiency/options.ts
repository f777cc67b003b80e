/**
 * Command-line options of bench/research-efficiency.ts. Budgets are in tokens (one full run) and in
 * full runs' FLOPs (a method's total), never seconds: the machine is shared, so only FLOPs compare.
 * --preset and --full-tokens set regime (a)'s scale; regime (b) always runs the `small` preset at its
 * world's reference budget (planted-context.ts).
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodName } from './context.ts';
import { plantedWorldFor } from './planted-context.ts';

export type Regime = 'a' | 'b';
export const ALL_METHODS: MethodName[] = ['random', 'greedy', 'tpe', 'flywheel'];

export interface BenchOptions {
  regimes: Regime[];
  /** Methods to (re-)run; the others are reused from the stored results. Undefined: all, resuming. */
  methods?: MethodName[];
  preset: 'small' | 'tiny'; // regime (a)
  sessionSeeds: number[]; // one independent session of every method per seed
  fullTokens: number; // regime (a): token budget of one full run (= Flywheel's top rung)
  budgetRuns: number; // total compute per method, in full runs' FLOPs of the base config
  rerunSeeds: number; // fresh seeds for the final re-run of every pick
  flywheelSessions: number; // Flywheel's budget as this many sessions back to back in one home (flywheel.ts)
  screen: boolean; // Flywheel's screening study as the CLI sizes it; --no-screen: one idea at a time (an ablation)
  parallel: number; // slots for random search, TPE+ASHA, Flywheel and the re-run (greedy runs one at a time)
  eta: number;
  rungs: number;
  baselineSeeds: number;
  plantedSigma: number; // regime (b): seed noise (sd of final val bpb) at the full budget
  workDir: string; // per-method FLYWHEEL_HOMEs and results.json (an existing one is resumed)
  from?: string; // a results.json to start from (e.g. bench/results/research-efficiency.json)
  fresh: Regime[]; // regimes whose stored results are dropped (they were made with other options)
  write: boolean; // write bench/results/research-efficiency.json and the BENCHMARKS.md section
  quick: boolean;
  render: boolean; // only re-render the section from the stored results (no runs)
  estimate: boolean; // print the wall-time estimate and stop
  notes?: string; // a markdown file appended to the section (the reading of the numbers)
}

export const USAGE =
  'usage: npx tsx bench/research-efficiency.ts [--regime a,b] [--methods random,greedy,tpe,flywheel] [--seeds 3 | --seed-list 2,3] ' +
  '[--preset small|tiny] [--full-tokens N] [--budget-runs K] [--flywheel-sessions 1] [--no-screen] [--rerun-seeds 5] [--parallel 2] [--planted-sigma 0.002] ' +
  '[--work DIR] [--from results.json] [--fresh a,b] [--quick] [--estimate] [--write|--no-write] [--render] [--notes FILE]';

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, got "${v}"\n${USAGE}`);
  return n;
}

function list<T extends string>(name: string, v: string | undefined, allowed: readonly T[]): T[] {
  const xs = (v ?? '').split(',').filter(Boolean);
  const bad = xs.filter((x) => !allowed.includes(x as T));
  if (xs.length === 0 || bad.length)
    throw new Error(`${name} takes a comma-separated list of ${allowed.join(', ')}, got "${v}"\n${USAGE}`);
  return [...new Set(xs as T[])];
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  // Full runs are whole steps at every rung: fullTokens is a multiple of eta^2 x batchTokens
  // (small: 9 x 2048 x 6 = 110592 tokens = 54 steps, rungs of 6 / 18 / 54 steps; tiny: 9 x 1024 x 3).
  const o: BenchOptions = {
    regimes: ['a', 'b'],
    preset: quick ? 'tiny' : 'small',
    sessionSeeds: quick ? [1] : [1, 2, 3],
    fullTokens: quick ? 27_648 : 110_592,
    budgetRuns: quick ? 8 : 24,
    rerunSeeds: quick ? 3 : 5,
    flywheelSessions: 1,
    screen: true,
    parallel: 2,
    eta: 3,
    rungs: 3,
    baselineSeeds: 3,
    plantedSigma: 0.002,
    workDir: join(
      tmpdir(),
      `flywheel-bench-research-${quick ? 'quick-' : ''}${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`,
    ),
    fresh: [],
    write: !quick,
    quick,
    render: false,
    estimate: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--quick') continue;
    else if (a === '--no-screen') {
      o.screen = false;
      continue;
    } else if (a === '--regime') o.regimes = list(a, next(), ['a', 'b'] as const);
    else if (a === '--methods') o.methods = list(a, next(), ALL_METHODS);
    else if (a === '--preset') o.preset = list(a, next(), ['small', 'tiny'] as const)[0];
    else if (a === '--seeds') o.sessionSeeds = Array.from({ length: int(a, next()) }, (_, k) => k + 1);
    else if (a === '--seed-list') {
      // one session seed's sessions again (a debugging re-run; stored results of the other seeds are kept)
      const v = next() ?? '';
      const xs = v.split(',').map(Number);
      if (xs.some((x) => !Number.isInteger(x) || x < 1))
        throw new Error(`--seed-list takes session seeds ≥ 1, comma-separated, got "${v}"\n${USAGE}`);
      o.sessionSeeds = [...new Set(xs)];
    } else if (a === '--full-tokens') o.fullTokens = int(a, next());
    else if (a === '--budget-runs') o.budgetRuns = int(a, next());
    else if (a === '--rerun-seeds') o.rerunSeeds = int(a, next());
    else if (a === '--flywheel-sessions') o.flywheelSessions = int(a, next());
    else if (a === '--parallel') o.parallel = int(a, next());
    else if (a === '--planted-sigma') {
      const v = Number(next());
      if (!(v >= 0 && v < 1)) throw new Error(`--planted-sigma must be a number in [0, 1)\n${USAGE}`);
      o.plantedSigma = v;
    } else if (a === '--work') o.workDir = next();
    else if (a === '--from') o.from = next();
    else if (a === '--fresh') o.fresh = list(a, next(), ['a', 'b'] as const);
    else if (a === '--write') o.write = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--render') o.render = true;
    else if (a === '--estimate') o.estimate = true;
    else if (a === '--notes') o.notes = next();
    else throw new Error(`unknown option ${a}\n${USAGE}`);
    if (argv[i] === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
  }
  return o;
}

/**
 * The options that define one regime's experiment: stored results made under others are not reused.
 * Regime (a)'s key is the one results.json files have carried since the benchmark began.
 */
export function experimentKey(o: BenchOptions, regime: Regime): string {
  const { preset, fullTokens, budgetRuns, parallel, eta, rungs, baselineSeeds, rerunSeeds } = o;
  // back-to-back Flywheel sessions are another experiment; one session keeps the key it always had
  const sessions = o.flywheelSessions > 1 ? { flywheelSessions: o.flywheelSessions } : {};
  const screen = o.screen ? {} : { screen: false };
  const rest = { budgetRuns, parallel, eta, rungs, baselineSeeds, rerunSeeds, ...sessions, ...screen };
  if (regime === 'a') return JSON.stringify({ preset, fullTokens, ...rest });
  const world = createHash('sha256')
    .update(JSON.stringify(plantedWorldFor(o)))
    .digest('hex')
    .slice(0, 12);
  return JSON.stringify({ regime, world, ...rest });
}

/** Run seeds of session seed s (disjoint across sessions and from the re-run's). */
export const runSeedBase = (sessionSeed: number) => 1000 * sessionSeed;
export const rerunSeedList = (n: number) => Array.from({ length: n }, (_, i) => 900_001 + i);
