/**
 * `flywheel analyze scaling|multiplier|importance|mixture`: fits over the stored runs (README, "Analysis"). The store is
 * read here; the analyses themselves are pure functions in src/analysis/.
 *
 * An analysis that cannot be done (too few usable runs) is an error: one line naming what is missing on
 * stderr, exit 2, nothing on stdout, with or without --json. An analysis that can be done but is weak
 * (under-determined, extrapolated) succeeds and lists its `warnings`.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { toAnalysisRun } from '../analysis/runs.ts';
import { knobImportance } from '../analysis/importance.ts';
import { multiplierReport, scalingReport, type Outcome } from '../analysis/reports.ts';
import { FlywheelError } from '../errors.ts';
import { openCliStore, parseIntOption, printJson } from './common.ts';
import { printImportance, printMultiplier, printScaling } from './analyze-print.ts';
import { registerMixture } from './analyze-mixture.ts';

async function loadRuns(sessionId?: string) {
  const store = await openCliStore();
  try {
    if (sessionId && !(await store.getSession(sessionId)))
      throw new FlywheelError('not_found', `no session with id "${sessionId}" (see: flywheel runs --json)`);
    return (await store.listRuns({ fields: 'list' })).map(toAnalysisRun);
  } finally {
    await store.close();
  }
}

function unwrap<T>(o: Outcome<T>): T {
  if ((o as { ok: boolean }).ok === false)
    throw new FlywheelError('not_found', (o as { missing: string }).missing);
  return o as T;
}

const parseFlops = (v: string) => {
  const n = Number(v.replace(/flops?$/i, ''));
  if (!(n > 0)) throw new InvalidArgumentError(`--flops must be a positive number like 1e15, got "${v}"`);
  return n;
};

export function register(program: Command): void {
  const analyze = program.command('analyze').description('analyses across stored runs');
  analyze
    .command('scaling')
    .description('fit L(N, D) = E + A/N^α + B/D^β over fully-decayed runs of one config family')
    .option('--session <id>', 'only runs of this research session')
    .option('--family <key>', 'this config family (default: the one covering most sizes x budgets)')
    .option(
      '--flops <C>',
      'report the compute-optimal N and D at this compute (repeatable)',
      (v, p: number[] = []) => [...p, parseFlops(v)],
    )
    .option('--resamples <n>', 'bootstrap resamples', parseIntOption('--resamples', 10), 200)
    .option('--json', 'print one JSON object on stdout')
    .action(
      async (o: {
        session?: string;
        family?: string;
        flops?: number[];
        resamples: number;
        json?: boolean;
      }) => {
        const runs = await loadRuns(o.session);
        const r = unwrap(
          scalingReport(runs, {
            sessionId: o.session,
            family: o.family,
            flops: o.flops,
            resamples: o.resamples,
          }),
        );
        if (o.json) printJson(r);
        else printScaling(r);
      },
    );
  analyze
    .command('multiplier')
    .description("what a change is worth in compute: the baseline FLOPs needed to reach the candidate's loss")
    .requiredOption('--candidate <ref>', 'a run id (with its seeds) or a proposal id of a research session')
    .option('--baseline <ref>', "a run id or proposal id (default: the candidate's session baseline)")
    .option('--session <id>', 'the session the proposal ids belong to')
    .option('--resamples <n>', 'bootstrap resamples', parseIntOption('--resamples', 10), 1000)
    .option('--json', 'print one JSON object on stdout')
    .action(
      async (o: {
        candidate: string;
        baseline?: string;
        session?: string;
        resamples: number;
        json?: boolean;
      }) => {
        const runs = await loadRuns(o.session);
        const r = unwrap(
          multiplierReport(runs, {
            candidate: o.candidate,
            baseline: o.baseline,
            sessionId: o.session,
            resamples: o.resamples,
          }),
        );
        if (o.json) printJson(r);
        else printMultiplier(r);
      },
    );
  analyze
    .command('importance')
    .description(
      'which config knobs explain the variance of val bpb across comparable runs, with pairwise interactions',
    )
    .option('--session <id>', 'only runs of this research session')
    .option('--resamples <n>', 'bootstrap resamples', parseIntOption('--resamples', 10), 200)
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { session?: string; resamples: number; json?: boolean }) => {
      const all = await loadRuns(o.session);
      const runs = o.session ? all.filter((r) => r.sessionId === o.session) : all;
      const r = unwrap(knobImportance(runs, { resamples: o.resamples }));
      if (o.json) printJson(r);
      else printImportance(r);
    });
  registerMixture(analyze);
}
