/**
 * `npx tsx bench/one-at-a-time.ts [--seeds 2] [--tokens 110592] [--write]`: the screening study's
 * alternative on a trainer whose seeds pair, measured at regime (a)'s scale of bench/research-efficiency.
 *
 * The screen (src/researchers/screening-study.ts) reads each change averaged over its design's other
 * rows, and there the rows' interactions are its noise (BENCHMARKS.md "Screening: main effects against
 * the base's own"). The alternative: each of the screen's eleven changes alone on the preset, at the
 * study rung (a third of the full budget), on the seeds the preset ran, judged by its paired
 * differences against one noise pooled over all eleven (the most optimistic reading of so few seeds: a
 * change's own spread is not tested). Two seeds cost 11 x 2 study-rung runs, 7.3 full runs, where the
 * 32-row screen costs 10.3. One-sided Holm at 5 % over the changes, as the screen selects.
 * Every run is `flywheel run --json` of preset `small` in a throw-away FLYWHEEL_HOME (flywheel-run.ts).
 * `--write` rewrites the "One at a time on paired seeds" section of BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { holm } from '../src/stats/multiple.ts';
import { pooledWithin } from '../src/stats/seed-blocks.ts';
import { studentTCdf } from '../src/stats/student-t.ts';
import { mean, sampleStd } from '../src/stats/summary.ts';
import { writeSection } from './benchmarks-md.ts';
import { gridOptions, runGrid, SCREEN_FACTORS, signed } from './flywheel-run.ts';

const { seeds: SEEDS, tokens: FULL } = gridOptions(1000);
const STUDY = Math.round(FULL / 3); // the study rung of regime (a): 3 rungs, eta 3
if (SEEDS.length < 2)
  throw new Error('one-at-a-time: --seeds must be at least 2 (the noise is pooled over them)');

const t0 = Date.now();
const grid: Record<string, string[]> = { preset: [], ...Object.fromEntries(SCREEN_FACTORS) };
const obs = await runGrid(grid, SEEDS, STUDY);
const value = (g: string, s: number) => obs.find((o) => o.group === g && o.seed === s)!.value;

// each change's paired differences from the preset, and the noise pooled over all of them
const diffs = SCREEN_FACTORS.map(([t]) => SEEDS.map((s) => value(t, s) - value('preset', s)));
const { sd: pooledSd, df } = pooledWithin(
  diffs.flatMap((d, i) => d.map((v, k) => ({ group: SCREEN_FACTORS[i][0], seed: SEEDS[k], value: v }))),
);
const se = pooledSd / Math.sqrt(SEEDS.length);
const oneSidedP = diffs.map((d) => studentTCdf(mean(d) / se, df)); // small when the change helps
const adjusted = holm(oneSidedP);

const rows = SCREEN_FACTORS.map(
  ([t], i) =>
    `| ${t} | ${diffs[i].map(signed).join(', ')} | ${sampleStd(diffs[i]).toFixed(4)} | ${signed(mean(diffs[i]))} ± ${se.toFixed(4)} | ${adjusted[i].toPrecision(2)} | ${adjusted[i] < 0.05 ? 'yes' : 'no'} |`,
);
const body = [
  `\`npx tsx bench/one-at-a-time.ts --seeds ${SEEDS.length} --tokens ${FULL}\` — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; preset \`small\` at the study rung, ${STUDY.toLocaleString('en')} tokens (regime (a) of "Research efficiency: two regimes"); seeds ${SEEDS.join(', ')}; ${Object.keys(grid).length * SEEDS.length} runs, wall ${((Date.now() - t0) / 60_000).toFixed(1)} min.`,
  '',
  `Each of the screen's changes alone on the preset, minus the preset on the same seed; the test pools one sd of the differences over all ${SCREEN_FACTORS.length} changes (${pooledSd.toFixed(4)}, df ${df}):`,
  '',
  `| change | differences per seed | their sd | Δ ± pooled se | Holm p (one-sided) | selected |`,
  '| --- | --- | ---: | ---: | ---: | --- |',
  ...rows,
].join('\n');
console.log(body);
if (process.argv.includes('--write')) writeSection('One at a time on paired seeds', body);
