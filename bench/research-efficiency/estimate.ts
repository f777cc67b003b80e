/**
 * A rough wall-time estimate, printed before anything runs: compute (full runs' worth of tokens at the
 * preset's throughput on 2 CPU cores) plus a per-run overhead (process start, Python + torch import,
 * evals) times the runs each method makes per full run's worth of budget. Calibrated on the 2026-11-22
 * run (2 × AMD EPYC: regime a at the default scale, 87 min measured vs 94 estimated) and on the
 * 2026-12-03 regime (b) run (12.4 min at load 14-16). The machine is shared: expect the real time to vary by ±30 %.
 */
import type { MethodName } from './context.ts';
import type { BenchOptions, Regime } from './options.ts';

const TOK_PER_SEC = { small: 7_500, tiny: 25_000 }; // training tokens/s incl. evals, one run at a time
const RUN_OVERHEAD_S = { a: 5, b: 1.2 }; // seconds per run beyond its training
const RUNS_PER_BUDGET_RUN: Record<MethodName, number> = { random: 1, greedy: 1, tpe: 3, flywheel: 2.6 };

export function estimateSeconds(
  opts: BenchOptions,
  regime: Regime,
  jobs: Array<[number, MethodName]>,
): number {
  const perRunCompute = regime === 'a' ? opts.fullTokens / TOK_PER_SEC[opts.preset] : 0;
  const overhead = RUN_OVERHEAD_S[regime];
  let s = 0;
  for (const [, method] of jobs)
    s += opts.budgetRuns * (perRunCompute + RUNS_PER_BUDGET_RUN[method] * overhead);
  const reruns = (1 + jobs.length) * opts.rerunSeeds; // at most one distinct pick per job, plus the base
  return s + (jobs.length ? reruns * (perRunCompute + overhead) : 0);
}
