/**
 * Command-line options of bench/research-efficiency.ts. Budgets are in tokens (one full run) and in
 * full runs' FLOPs (a method's total), never seconds: the machine is shared, so only FLOPs compare.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchOptions {
  preset: 'small' | 'tiny';
  sessionSeeds: number[]; // one independent session of every method per seed
  fullTokens: number; // token budget of one full run (= Flywheel's top rung)
  budgetRuns: number; // total compute per method, in full runs' FLOPs of the base config
  rerunSeeds: number; // fresh seeds for the final re-run of every pick
  parallel: number; // slots for random search, Flywheel and the re-run (greedy runs one at a time)
  eta: number;
  rungs: number;
  baselineSeeds: number;
  workDir: string; // per-method FLYWHEEL_HOMEs and results.json (an existing one is resumed)
  write: boolean; // rewrite the "Research efficiency" section of BENCHMARKS.md
  quick: boolean;
  render: boolean; // only re-render the section from <workDir>/results.json (no runs)
  notes?: string; // a markdown file appended to the section (the reading of the numbers)
}

const USAGE =
  'usage: npx tsx bench/research-efficiency.ts [--seeds 3] [--full-tokens N] [--budget-runs K] [--rerun-seeds 5] [--quick] [--work DIR] [--write|--no-write] [--render --work DIR] [--notes FILE]';

function int(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a positive integer, got "${v}"\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  // Full runs are whole steps at every rung: fullTokens is a multiple of eta^2 x batchTokens
  // (small: 9 x 2048 x 6 = 110592 tokens = 54 steps, rungs of 6 / 18 / 54 steps; tiny: 9 x 1024 x 3).
  const o: BenchOptions = {
    preset: quick ? 'tiny' : 'small',
    sessionSeeds: quick ? [1] : [1, 2, 3],
    fullTokens: quick ? 27_648 : 110_592,
    budgetRuns: quick ? 8 : 24,
    rerunSeeds: quick ? 3 : 5,
    parallel: 2,
    eta: 3,
    rungs: 3,
    baselineSeeds: 3,
    workDir: join(
      tmpdir(),
      `flywheel-bench-research-${quick ? 'quick-' : ''}${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`,
    ),
    write: !quick,
    quick,
    render: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--quick') continue;
    else if (a === '--seeds') o.sessionSeeds = Array.from({ length: int(a, next()) }, (_, k) => k + 1);
    else if (a === '--full-tokens') o.fullTokens = int(a, next());
    else if (a === '--budget-runs') o.budgetRuns = int(a, next());
    else if (a === '--rerun-seeds') o.rerunSeeds = int(a, next());
    else if (a === '--parallel') o.parallel = int(a, next());
    else if (a === '--work') o.workDir = next();
    else if (a === '--write') o.write = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--render') o.render = true;
    else if (a === '--notes') o.notes = next();
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

/** The options that define the experiment: a results.json written under others is not resumed. */
export function experimentKey(o: BenchOptions): string {
  const { preset, fullTokens, budgetRuns, parallel, eta, rungs, baselineSeeds, rerunSeeds } = o;
  return JSON.stringify({ preset, fullTokens, budgetRuns, parallel, eta, rungs, baselineSeeds, rerunSeeds });
}

/** Run seeds of session seed s (disjoint across sessions and from the re-run's). */
export const runSeedBase = (sessionSeed: number) => 1000 * sessionSeed;
export const rerunSeedList = (n: number) => Array.from({ length: n }, (_, i) => 900_001 + i);
