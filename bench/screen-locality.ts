/**
 * `npx tsx bench/screen-locality.ts [--seeds 3] [--tokens 110592] [--write]`: why the screening study
 * (src/researchers/screening-study.ts) does not find the small changes greedy keep-if-better keeps in
 * regime (a) of bench/research-efficiency, measured on the real trainer at that regime's scale.
 *
 * 1. What QK-norm, logit softcap 15 and shallower-wider do one at a time, on the seeds their base ran
 *    (paired), at the study rung (a third of the full budget) and at the full budget, on the preset
 *    (the base the screen is planned on) and on the stack the screen selects there (RoPE, untied
 *    zero-init head, equal domain weights). A screen's main effect is each change averaged over the
 *    design's other rows; these are the changes on the base itself.
 * 2. The screen again after the re-base: the engine's 16-row design over the eight changes the first
 *    screen left (seed 1 of that benchmark), on the stack, at the study rung, one seed, fitted as the
 *    engine fits it (analysis/factorial.ts `fitComplete`).
 * Every run is `flywheel run --json` of preset `small` in a throw-away FLYWHEEL_HOME (flywheel-run.ts).
 * `--write` rewrites the "Screening: main effects against the base's own" section of BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { designMasks, designRow, fitComplete } from '../src/analysis/factorial.ts';
import { pairedContrast } from '../src/stats/paired-seeds.ts';
import { studentTTwoSidedP } from '../src/stats/student-t.ts';
import { mean } from '../src/stats/summary.ts';
import type { SeedObs } from '../src/stats/seed-blocks.ts';
import { writeSection } from './benchmarks-md.ts';
import { gridOptions, runGrid, SCREEN_FACTORS, signed, STACK } from './flywheel-run.ts';

const { seeds: SEEDS, tokens: FULL } = gridOptions(1000);
const STUDY = Math.round(FULL / 3); // the study rung of regime (a): 3 rungs, eta 3
const CHANGES: Record<string, string[]> = {
  'QK-norm': ['model.qkNorm=true'],
  'logit softcap 15': ['model.logitSoftcap=15'],
  'shallower-wider (3 × 144)': ['model.depth=3', 'model.width=144'],
};
const BASES: Record<string, string[]> = { preset: [], stack: STACK };
// the eight changes the first screen did not select, in the library's order (the design's columns)
const LEFT = SCREEN_FACTORS.slice(3);
const ROWS = 16;

const t0 = Date.now();
const grid: Record<string, string[]> = {};
for (const [b, bs] of Object.entries(BASES)) {
  grid[b] = bs;
  for (const [c, cs] of Object.entries(CHANGES)) grid[`${b} + ${c}`] = [...bs, ...cs];
}
const obs: Record<number, SeedObs[]> = {};
for (const tokens of [STUDY, FULL]) obs[tokens] = await runGrid(grid, SEEDS, tokens);

const masks = designMasks(LEFT.length, ROWS);
const design: Record<string, string[]> = {};
for (let i = 1; i < ROWS; i++) {
  const on = designRow(i, masks);
  design[`row ${i}`] = [...STACK, ...LEFT.filter((_, j) => on[j]).flatMap(([, s]) => s)];
}
const rowObs = await runGrid(design, [SEEDS[0]], STUDY);

const at = (tokens: number, g: string) => obs[tokens].filter((o) => o.group === g);
const cell = (tokens: number, b: string, c: string) => {
  const base = at(tokens, b);
  const p = pairedContrast(at(tokens, `${b} + ${c}`), base);
  const d = SEEDS.map(
    (s) => at(tokens, `${b} + ${c}`).find((o) => o.seed === s)!.value - base.find((o) => o.seed === s)!.value,
  );
  if (!p) return `${signed(mean(d))} (${d.map(signed).join(', ')})`;
  const pv = studentTTwoSidedP(p.delta / p.se, p.df);
  return `${signed(p.delta)} ± ${p.se.toFixed(4)} (p ${pv.toFixed(3)})`;
};
const effects = Object.keys(CHANGES).map(
  (c) =>
    `| ${c} | ${cell(STUDY, 'preset', c)} | ${cell(FULL, 'preset', c)} | ${cell(STUDY, 'stack', c)} | ${cell(FULL, 'stack', c)} |`,
);
const baseLine = (b: string) =>
  `${b}: ${mean(at(STUDY, b).map((o) => o.value)).toFixed(4)} at the study rung, ${mean(at(FULL, b).map((o) => o.value)).toFixed(4)} at the full budget`;

const row0 = at(STUDY, 'stack').find((o) => o.seed === SEEDS[0])!.value;
const runs = [
  { on: LEFT.map(() => false), y: row0 },
  ...rowObs.map((o) => ({ on: designRow(Number(o.group.split(' ')[1]), masks), y: o.value })),
];
const fit = fitComplete(runs, LEFT.length, ROWS);
const fitRows = fit
  ? LEFT.map(
      ([t], j) =>
        `| ${t} | ${signed(fit.factors[j].effect)} ± ${fit.factors[j].se.toFixed(4)} | ${fit.factors[j].adjustedP.toPrecision(2)} | ${fit.factors[j].selected ? 'yes' : 'no'} |`,
    )
  : ['| (no fit: a row failed) | | | |'];

const body = [
  `\`npx tsx bench/screen-locality.ts --seeds ${SEEDS.length} --tokens ${FULL}\` — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; preset \`small\`, study rung ${STUDY.toLocaleString('en')} tokens, full budget ${FULL.toLocaleString('en')} (regime (a) of "Research efficiency: two regimes"); seeds ${SEEDS.join(', ')}; ${Object.keys(grid).length * SEEDS.length * 2 + ROWS - 1} runs, wall ${((Date.now() - t0) / 60_000).toFixed(1)} min. The stack: RoPE, untied zero-init head, equal domain weights (what that benchmark's 32-row screen selects).`,
  '',
  'Each change on its base, paired over the seeds both ran (Δ ± se, two-sided p of the paired t test):',
  '',
  '| change | on the preset, study rung | on the preset, full budget | on the stack, study rung | on the stack, full budget |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...effects,
  '',
  `Base values (means over the seeds): ${baseLine('preset')}; ${baseLine('stack')}.`,
  '',
  fit
    ? `The screen again on the stack: the ${ROWS}-row design over the ${LEFT.length} changes the first screen left, at the study rung on seed ${SEEDS[0]}, fitted by its residual contrasts (per-run sd ${fit.sigma.toFixed(4)}, ${fit.df} columns):`
    : 'The screen again on the stack:',
  '',
  '| change | main effect ± se | Holm p | selected |',
  '| --- | ---: | ---: | --- |',
  ...fitRows,
].join('\n');
console.log(body);
if (process.argv.includes('--write')) writeSection("Screening: main effects against the base's own", body);
