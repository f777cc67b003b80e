/**
 * `flywheel analyze mixture`: the data-mixture study over the stored runs (README, "Data-mixture study").
 * The store and the datasets' meta (for the weights of a default, by-size mixture) are read here; the
 * study itself is the pure src/analysis/mixture.ts. Too few runs: one line on stderr, exit 2.
 */
import type { Command } from 'commander';
import { mixtureStudy, type MixtureReport } from '../analysis/mixture.ts';
import { toMixtureRun } from '../analysis/mixture-data.ts';
import type { HeldOut } from '../analysis/mixture-fit.ts';
import { trainTokensReader } from '../data/train-tokens.ts';
import { FlywheelError } from '../errors.ts';
import { openCliStore, parseIntOption, printJson } from './common.ts';

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

function row(target: string, h: HeldOut, width: number): string {
  return `    ${target.padEnd(width)}  ${f4(h.rmse).padStart(8)}  ${f4(h.meanRmse).padStart(9)}  ${f2(h.spearman).padStart(8)}  ${h.set}, λ=${h.lambda}`;
}

export function printMixture(r: MixtureReport): void {
  const width = Math.max(7, ...r.domains.map((d) => d.length + 4));
  const weights = (w: Record<string, number>) => r.domains.map((d) => `${d} ${w[d].toFixed(3)}`).join(', ');
  const out = [
    `Mixture study over ${r.runs} runs (${r.mixtures} mixtures of ${r.domains.length} domains; comparable group ${r.group}):`,
    `  held-out error (nested ${r.heldOut.valBpb.folds}-fold over whole mixtures; "mean" = predicting the mean):`,
    `    ${'target'.padEnd(width)}  ${'RMSE'.padStart(8)}  ${'mean RMSE'.padStart(9)}  ${'Spearman'.padStart(8)}  model`,
    row('valBpb', r.heldOut.valBpb, width),
    ...Object.entries(r.heldOut.byDomain).map(([d, h]) => row(`bpb.${d}`, h, width)),
    `  predicted best mixture: ${weights(r.predicted.weights)}`,
    `    val bpb ${f4(r.predicted.valBpb)} ± ${f4(r.heldOut.valBpb.rmse)} (held-out RMSE); mean of the top ${r.topK} of ${r.candidates} simplex samples`,
  ];
  const dom = Object.entries(r.predicted.byDomain);
  if (dom.length) out.push(`    per domain: ${dom.map(([d, v]) => `${d} ${f4(v)}`).join(', ')}`);
  out.push(
    `  best measured mixture: ${weights(r.bestObserved.weights)}: val bpb ${f4(r.bestObserved.valBpb)} (n=${r.bestObserved.n}: ${r.bestObserved.runIds.join(' ')})`,
  );
  out.push(`  runs used: ${r.runIds.join(' ')}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  console.log(out.join('\n'));
}

export function registerMixture(analyze: Command): void {
  analyze
    .command('mixture')
    .description(
      'data-mixture study: regress per-domain and overall val bpb on domain weights over comparable runs, predict the best mixture',
    )
    .option('--session <id>', 'only runs of this research session')
    .option('--candidates <n>', 'simplex samples scored', parseIntOption('--candidates', 100), 20_000)
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { session?: string; candidates: number; json?: boolean }) => {
      const store = await openCliStore();
      let runs;
      try {
        if (o.session && !(await store.getSession(o.session)))
          throw new FlywheelError(
            'not_found',
            `no session with id "${o.session}" (see: flywheel runs --json)`,
          );
        runs = (await store.listRuns({ fields: 'list', ...(o.session ? { sessionId: o.session } : {}) })).map(
          toMixtureRun,
        );
      } finally {
        await store.close();
      }
      const r = mixtureStudy(runs, { trainTokensOf: trainTokensReader(), candidates: o.candidates });
      if (!r.ok) throw new FlywheelError('not_found', r.missing);
      if (o.json) printJson(r);
      else printMixture(r);
    });
}
