/**
 * `npx tsx bench/seed-blocks.ts [--seeds 4] [--tokens 110592] [--write]`: how much of the real
 * trainer's seed spread is shared by every config run on the same seed (src/stats/seed-blocks.ts),
 * measured on the benchmark's regime (a) scale: preset `small`, the default corpus, full runs of
 * `--tokens`. Four configs (the preset and three library changes of one to two noise floors) on the
 * same seeds, two runs at a time, each through `flywheel run --json` in a throw-away FLYWHEEL_HOME.
 * Reports the variance components of the two-way analysis (config + seed), and each change's contrast
 * with the preset unpaired (pooled within-config sd, the session's floor test) and on seed blocks.
 * `--write` rewrites the "Seed blocks" section of BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { gridOptions, gridTable, runGrid, signed } from './flywheel-run.ts';
import { pooledWithin, seedBlockedContrast } from '../src/stats/seed-blocks.ts';
import { studentTTwoSidedP } from '../src/stats/student-t.ts';
import { mean } from '../src/stats/summary.ts';
import { writeSection } from './benchmarks-md.ts';

const { seeds: SEEDS, tokens: TOKENS } = gridOptions(1000);
const CONFIGS: Record<string, string[]> = {
  base: [],
  'logit softcap 15': ['model.logitSoftcap=15'],
  'QK-norm': ['model.qkNorm=true'],
  'warmup × 0.5': ['schedule.warmupTokens=8192'],
};

const t0 = Date.now();
const obs = await runGrid(CONFIGS, SEEDS, TOKENS);

const of = (g: string) => obs.filter((o) => o.group === g).map((o) => o.value);
const groups = Object.keys(CONFIGS);
const { sd: within, df } = pooledWithin(obs);
const rows: string[] = [];
let comp: ReturnType<typeof seedBlockedContrast>;
for (const g of groups.slice(1)) {
  const b = seedBlockedContrast(obs, g, 'base');
  comp ??= b;
  const d = mean(of(g)) - mean(of('base'));
  const se = within * Math.sqrt(1 / of(g).length + 1 / of('base').length);
  const p = studentTTwoSidedP(d / se, df);
  const blocked = b
    ? `${signed(b.delta)} ± ${b.se.toFixed(4)} (p ${studentTTwoSidedP(b.delta / b.se, b.df).toFixed(3)})`
    : 'not blocked';
  rows.push(
    `| ${g} | ${signed(d)} ± ${se.toFixed(4)} (p ${p.toFixed(3)}) | ${blocked} | ${b ? (se / b.se).toFixed(2) : ''} |`,
  );
}
const shared = comp ? comp.tau2 / (comp.tau2 + comp.sigma2) : NaN;
const body = [
  `\`npx tsx bench/seed-blocks.ts --seeds ${SEEDS.length} --tokens ${TOKENS}\` — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; ${obs.length} runs of preset \`small\` at ${TOKENS.toLocaleString('en')} tokens (the research-efficiency benchmark's full run), seeds ${SEEDS[0]}–${SEEDS[SEEDS.length - 1]}; wall ${((Date.now() - t0) / 60_000).toFixed(1)} min.`,
  '',
  ...gridTable(obs, groups, SEEDS),
  '',
  comp
    ? `Two-way analysis (config + seed): seed-shared sd τ = ${Math.sqrt(comp.tau2).toFixed(4)}, each run's own sd σ = ${Math.sqrt(comp.sigma2).toFixed(4)} (df ${comp.df}); the seed carries ${(100 * shared).toFixed(0)} % of the seed-to-seed variance; seed effect F test p = ${comp.seedP.toFixed(3)}. Pooled within-config sd (what the unpaired test uses): ${within.toFixed(4)}.`
    : `No seed effect passed the pre-test (pooled within-config sd ${within.toFixed(4)}).`,
  '',
  '| change vs base | unpaired Δ ± se (p) | on seed blocks Δ ± se (p) | se ratio |',
  '| --- | ---: | ---: | ---: |',
  ...rows,
].join('\n');
console.log(body);
if (process.argv.includes('--write')) writeSection('Seed blocks', body);
