/**
 * `npx tsx bench/paired-seeds.ts [--seeds 4] [--tokens 110592] [--write]`: how calm a change's
 * differences from its base are on the seeds both ran (src/stats/paired-seeds.ts), on the real trainer
 * at the research-efficiency benchmark's regime (a) scale, and what greedy keep-if-better's small keeps
 * are worth there. The base is the stack Flywheel picks in that benchmark (RoPE, untied zero-init head,
 * equal domain weights); the changes are the ones greedy kept on top of it, one at a time, and greedy's
 * whole seed-1 pick. Seeds 900001 up: the fresh seeds that benchmark re-runs picks on. Every config on
 * every seed, two runs at a time, each through `flywheel run --json` in a throw-away FLYWHEEL_HOME.
 * `--write` rewrites the "Paired seeds on the stacked base" section of BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { pairedContrast } from '../src/stats/paired-seeds.ts';
import { pooledWithin } from '../src/stats/seed-blocks.ts';
import { studentTTwoSidedP } from '../src/stats/student-t.ts';
import { mean, sampleStd } from '../src/stats/summary.ts';
import { writeSection } from './benchmarks-md.ts';
import { gridOptions, gridTable, runGrid, signed, STACK } from './flywheel-run.ts';

const { seeds: SEEDS, tokens: TOKENS } = gridOptions(900_001);
const CHANGES: Record<string, string[]> = {
  'logit softcap 15': ['model.logitSoftcap=15'],
  'QK-norm': ['model.qkNorm=true'],
  'shallower-wider (3 × 144)': ['model.depth=3', 'model.width=144'],
  'deeper-narrower (5 × 112)': ['model.depth=5', 'model.width=112'],
  'AdamW-group LR × 2': ['optim.adamLr=0.06'],
  'batch × 0.5 (AdamW LR × 0.71)': ['train.batchTokens=1024', 'optim.adamLr=0.0212'],
  'warmup × 0.5': ['schedule.warmupTokens=8192'],
  "greedy's seed-1 pick": [
    'model.logitSoftcap=15',
    'model.qkNorm=true',
    'model.depth=5',
    'model.width=112',
    'optim.adamLr=0.0424',
    'train.batchTokens=1024',
    'schedule.warmupTokens=8192',
  ],
};
const CONFIGS: Record<string, string[]> = {
  stack: STACK,
  ...Object.fromEntries(Object.entries(CHANGES).map(([g, sets]) => [g, [...STACK, ...sets]])),
};

const t0 = Date.now();
const obs = await runGrid(CONFIGS, SEEDS, TOKENS);

const runsOf = (g: string) => obs.filter((o) => o.group === g);
const of = (g: string) => runsOf(g).map((o) => o.value);
const stackSpread = pooledWithin(obs.filter((o) => o.group === 'stack'));
const pooled = pooledWithin(obs);
const rows = Object.keys(CHANGES).map((g) => {
  const d = SEEDS.map(
    (s) => runsOf(g).find((o) => o.seed === s)!.value - runsOf('stack').find((o) => o.seed === s)!.value,
  );
  const du = mean(of(g)) - mean(of('stack'));
  const se = pooled.sd * Math.sqrt(1 / of(g).length + 1 / of('stack').length);
  const pu = studentTTwoSidedP(du / se, pooled.df);
  const unpaired = `${signed(du)} ± ${se.toFixed(4)} (p ${pu.toFixed(3)})`;
  const p = pairedContrast(runsOf(g), runsOf('stack'));
  // no spread in the differences (a change that does nothing yet at a tiny budget): nothing to test
  if (!p) return `| ${g} | ${d.map(signed).join(', ')} | — | ${sampleStd(d).toFixed(4)} | ${unpaired} | |`;
  const pp = studentTTwoSidedP(p.delta / p.se, p.df);
  return `| ${g} | ${d.map(signed).join(', ')} | ${signed(p.delta)} ± ${p.se.toFixed(4)} (p ${pp.toFixed(4)}) | ${sampleStd(d).toFixed(4)} | ${unpaired} | ${(se / p.se).toFixed(1)} |`;
});
const body = [
  `\`npx tsx bench/paired-seeds.ts --seeds ${SEEDS.length} --tokens ${TOKENS}\` — ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; ${obs.length} runs of preset \`small\` at ${TOKENS.toLocaleString('en')} tokens (regime (a)'s full run), seeds ${SEEDS[0]}–${SEEDS[SEEDS.length - 1]}; wall ${((Date.now() - t0) / 60_000).toFixed(1)} min. The base: ${STACK.slice(0, 3).join(', ')}, equal domain weights.`,
  '',
  ...gridTable(obs, Object.keys(CONFIGS), SEEDS),
  '',
  `The stack's own sd over the seeds: ${stackSpread.sd.toFixed(4)}. Pooled within-config sd over all ${Object.keys(CONFIGS).length} configs (what the unpaired test uses): ${pooled.sd.toFixed(4)} (df ${pooled.df}).`,
  '',
  '| change on the stack | differences per seed | paired Δ ± se (p) | sd of the differences | unpaired Δ ± se (p) | se ratio |',
  '| --- | --- | ---: | ---: | ---: | ---: |',
  ...rows,
].join('\n');
console.log(body);
if (process.argv.includes('--write')) writeSection('Paired seeds on the stacked base', body);
