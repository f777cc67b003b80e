/**
 * Analysis at scale: `npx tsx bench/analysis.ts [--no-write] [--importance-only]`
 *
 * A synthetic store of 10,000 run records in the store's own shape (RunRecord, as `listRuns` returns them):
 * one depth x width sweep family of 6,000 fully-decayed runs (10 sizes x 12 token budgets x 50 seeds, loss
 * from a known L(N, D) plus seed noise), 2,500 runs a research session stopped at lower rungs (not fully
 * decayed, must be left out), and 1,500 runs of 30 session proposals, each family with a baseline at 4
 * budgets x 5 seeds and candidates at the top budget. Timed, end to end from the records: converting them,
 * grouping families, the scaling-law fit with 200 bootstrap resamples and compute-optimal points, the
 * frontier, and 30 compute multipliers with 1,000 resamples each. Target: ≤ 2 s.
 *
 * Named baseline, measured in the same run: the textbook loop, "naive per-run refits": every run is its own
 * residual (no grouping of runs by (N, D) cell) and every bootstrap resample is fitted from scratch by
 * L-BFGS from the grid starts (instead of one warm-started Levenberg–Marquardt refit). It is timed on its
 * point fit and 10 resamples, and its 200-resample time is projected linearly from those (said so in the
 * table). The multipliers are the same code in both. The mixture study's row has its own synthetic store
 * and baseline (bench/analysis-mixture.ts).
 *
 * `--importance-only` times only knob importance (and its naive baseline) and rewrites only that row of
 * the table and its sentence, leaving the rest of the section as it was measured.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fitFrom, gridStarts, makeFitData, type FitData } from '../src/analysis/chinchilla-fit.ts';
import { knobImportance } from '../src/analysis/importance.ts';
import { multiplierReport, scalingReport } from '../src/analysis/reports.ts';
import { flattenConfig } from '../src/analysis/knobs.ts';
import { toAnalysisRun } from '../src/analysis/runs.ts';
import { configHash, resolveConfig } from '../src/config/resolve.ts';
import type { TrainConfig } from '../src/config/train-config.ts';
import { mulberry32, randInt, randNormal } from '../src/stats/rng.ts';
import type { RunRecord } from '../src/store/base.ts';
import { repoRoot } from '../src/home.ts';
import { writeSection } from './benchmarks-md.ts';
import { mixtureBench } from './analysis-mixture.ts';

const rng = mulberry32(2026);
const law = (N: number, D: number) => 1.69 + 406.4 / N ** 0.34 + 410.7 / D ** 0.28;
const records: RunRecord[] = [];
const add = (config: TrainConfig, o: Partial<RunRecord>, summary: RunRecord['summary']) =>
  records.push({
    id: `run${records.length}`,
    createdAt: new Date(1.7e12 + records.length * 1000).toISOString(),
    status: 'completed',
    config,
    configHash: configHash(config),
    seed: 0,
    runDir: '/nonexistent',
    summary,
    tags: {},
    ...o,
  });

// 1. the sweep family: 10 sizes x 12 budgets x 50 seeds
const sizes = Array.from({ length: 10 }, (_, i) => ({
  depth: 2 + (i % 5) * 2,
  width: 256 * (1 + Math.floor(i / 5)),
}));
const budgets = Array.from({ length: 12 }, (_, i) => Math.round(1e8 * 1.5 ** i));
for (const s of sizes) {
  const config = resolveConfig({
    preset: 'gpt2-124m',
    sets: [`model.depth=${s.depth}`, `model.width=${s.width}`, 'model.heads=4'],
  });
  const N = 12 * s.depth * s.width * s.width + 32768 * s.width;
  for (const D of budgets) {
    const c = { ...config, budget: { tokens: D } };
    for (let seed = 0; seed < 50; seed++)
      add(
        c,
        { seed },
        { params: N, tokens: D, flops: 6 * N * D, valBpb: law(N, D) * Math.exp(0.01 * randNormal(rng)) },
      );
  }
}
// 2. rung runs stopped by successive halving
const base = resolveConfig({ preset: 'small' });
for (let i = 0; i < 2500; i++)
  add(
    { ...base, seed: i },
    { status: 'stopped', statusReason: 'reached the rung 0 budget', sessionId: 'sess', seed: i },
    { params: 1e6, tokens: 4e4, flops: 2.4e11, valBpb: 2.6 + 0.05 * randNormal(rng) },
  );
// 3. 30 proposals, each with its own baseline at 4 budgets x 5 seeds and 5 candidate seeds per 10 runs...
const CANDIDATES: string[] = [];
for (let p = 0; p < 30; p++) {
  const sessionId = `s${p}`;
  const cfg = resolveConfig({ preset: 'small', sets: [`optim.lr=${0.01 + p * 0.001}`] });
  const cand = resolveConfig({
    preset: 'small',
    sets: [`optim.lr=${0.01 + p * 0.001}`, 'model.position=rope'],
  });
  const gain = 1 + 0.5 * rng();
  for (const tokens of [1e5, 2e5, 4e5, 8e5])
    for (let seed = 0; seed < 5; seed++)
      add(
        { ...cfg, budget: { tokens } },
        { sessionId, seed, tags: { proposal: 'baseline' } },
        {
          params: 1e6,
          tokens,
          flops: 6e6 * tokens,
          valBpb: 1.9 + 3e3 * (6e6 * tokens) ** -0.3 + 0.003 * randNormal(rng),
        },
      );
  for (let seed = 0; seed < 30; seed++) {
    const tokens = 4e5;
    add(
      { ...cand, budget: { tokens } },
      { sessionId, seed, tags: { proposal: 'p1' } },
      {
        params: 1e6,
        tokens,
        flops: 6e6 * tokens,
        valBpb: 1.9 + 3e3 * (gain * 6e6 * tokens) ** -0.3 + 0.003 * randNormal(rng),
      },
    );
  }
  CANDIDATES.push(sessionId);
}
if (records.length !== 10_000) throw new Error(`built ${records.length} records, meant 10,000`);

const now = () => performance.now();
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function flywheel() {
  const c0 = cpuMs();
  const t0 = now();
  const runs = records.map(toAnalysisRun);
  const scaling = scalingReport(runs, { resamples: 200 });
  const t1 = now();
  const multipliers = CANDIDATES.map((s) =>
    multiplierReport(runs, { candidate: 'p1', sessionId: s, resamples: 1000 }),
  );
  const t2 = now();
  const cpu = cpuMs() - c0;
  const c3 = cpuMs();
  const importance = knobImportance(runs, { resamples: 200 });
  const t3 = now();
  const importanceCpu = cpuMs() - c3;
  return {
    scaling,
    multipliers,
    importance,
    scalingMs: t1 - t0,
    multiplierMs: t2 - t1,
    totalMs: t2 - t0,
    cpu,
    importanceMs: t3 - t2,
    importanceCpu,
  };
}

/** The naive loop: one residual per run, a cold multi-start L-BFGS fit for the point and each resample. */
function naive(resamples: number) {
  const runs = records
    .map(toAnalysisRun)
    .filter((r) => r.status === 'completed' && r.tags.proposal === undefined);
  const grouped = makeFitData(runs.map((r) => ({ params: r.params!, tokens: r.tokens!, valBpb: r.valBpb! })));
  const perRun: FitData = {
    logL: grouped.logL,
    cell: Int32Array.from(grouped.logL, (_, i) => i),
    cellLogN: Float64Array.from(grouped.cell, (c) => grouped.cellLogN[c]),
    cellLogD: Float64Array.from(grouped.cell, (c) => grouped.cellLogD[c]),
  };
  const t0 = now();
  const point = fitFrom(perRun, undefined, gridStarts(perRun, undefined, 6));
  const tPoint = now() - t0;
  const n = perRun.logL.length;
  const w = new Float64Array(n);
  const r2 = mulberry32(1);
  const t1 = now();
  for (let r = 0; r < resamples; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[randInt(r2, n)]++;
    fitFrom(perRun, w, gridStarts(perRun, w, 6));
  }
  const perResample = (now() - t1) / resamples;
  return { point, tPoint, perResample, projected200: tPoint + 200 * perResample };
}

/**
 * The naive importance loop, same knobs and pairs as the report: every resample copies the runs, and for
 * every knob (and pair) groups them by the knob's value with a Map of strings and takes the between-level
 * sum of squares (no pre-coded levels, no resample weights).
 */
function naiveImportance(resamples: number, knobs: string[], pairs: [string, string][]): number {
  const runs = records.map(toAnalysisRun).filter((r) => r.valBpb !== undefined);
  const flat = runs.map((r) => flattenConfig(r.config));
  const groupings: string[][] = [...knobs.map((k) => [k]), ...pairs];
  const r2 = mulberry32(3);
  const t0 = now();
  for (let r = 0; r < resamples; r++) {
    const sample = runs
      .map(() => randInt(r2, runs.length))
      .map((i) => ({ f: flat[i], y: runs[i].valBpb as number }));
    for (const keys of groupings) {
      const by = new Map<string, number[]>();
      for (const x of sample) {
        const v = keys.map((k) => String(x.f.get(k))).join('|');
        const list = by.get(v) ?? [];
        list.push(x.y);
        by.set(v, list);
      }
      let between = 0;
      for (const ys of by.values()) between += ys.length * (ys.reduce((p, q) => p + q, 0) / ys.length) ** 2;
      if (!Number.isFinite(between)) throw new Error('non-finite sum of squares');
    }
  }
  return ((now() - t0) / resamples) * 200;
}

const WHY_IMPORTANCE =
  'Importance: runs with the same levels of every knob form one pattern, so each bootstrap resample tallies its n draws into a pattern table in one pass and every knob and pair is read off that table (not one pass over all runs per knob and pair), and each distinct config is flattened once; the 200 resamples are unchanged.';
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Knob importance alone, best of 3 after a warm-up, and its naive baseline in the same process. */
function importanceRow(): { row: string; sentence: string } {
  const runs = records.map(toAnalysisRun);
  const time = () => {
    const c0 = cpuMs();
    const t0 = now();
    const importance = knobImportance(runs, { resamples: 200 });
    return { importance, ms: now() - t0, cpu: cpuMs() - c0 };
  };
  time();
  const best = [time(), time(), time()].reduce((a, b) => (b.ms < a.ms ? b : a));
  const imp = best.importance;
  if (!imp.ok) throw new Error(imp.missing);
  const nvImp = naiveImportance(
    5,
    imp.knobs.map((k) => k.key),
    imp.interactions.map((i) => i.keys),
  );
  return {
    row: `| knob importance over all 10,000 runs (${imp.n} comparable, ${imp.knobs.length} knobs, ${imp.interactions.length} pairs, 200 resamples) | **${fmt(best.ms)}** (${fmt(best.cpu)} CPU) | ${fmt(nvImp)} (resampled copies grouped by string keys per knob and pair; projected from 5 resamples) |`,
    sentence: `Importance: ${fmt(best.ms)} wall, ${fmt(best.cpu)} CPU (target ≤ 2 s: **${best.ms <= 2000 ? 'met' : 'not met'}**; ${(nvImp / best.ms).toFixed(0)}× faster than the naive loop; re-measured alone by \`--importance-only\` on ${new Date().toISOString().slice(0, 10)}, 1-min load ${loadavg()[0].toFixed(1)}); `,
  };
}

if (process.argv.includes('--importance-only')) {
  const { row, sentence } = importanceRow();
  console.log(row);
  console.log(sentence);
  if (!process.argv.includes('--no-write')) {
    const file = join(repoRoot, 'BENCHMARKS.md');
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.startsWith('| knob importance over all 10,000 runs'));
    if (at < 0) throw new Error('BENCHMARKS.md has no importance row to update: run the full bench');
    lines[at] = row;
    let text = lines.join('\n').replace(/Importance: [^;]*; /, sentence);
    if (!text.includes(WHY_IMPORTANCE.slice(0, 60)))
      text = text.replace(/(Why it is fast: [^\n]*)/, `$1 ${WHY_IMPORTANCE}`);
    writeFileSync(file, text);
  }
  process.exit(0);
}

flywheel(); // warm-up (JIT), then the best of 3
const reps = [flywheel(), flywheel(), flywheel()];
const best = reps.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
const nv = naive(10);
const s = best.scaling;
if (!s.ok) throw new Error(s.missing);
const okM = best.multipliers.filter((m) => m.ok);
const imp = best.importance;
const nvImp = imp.ok
  ? naiveImportance(
      5,
      imp.knobs.map((k) => k.key),
      imp.interactions.map((i) => i.keys),
    )
  : NaN;
const mix = mixtureBench(); // its own synthetic store (bench/analysis-mixture.ts)
const ratio = nv.projected200 / best.scalingMs;
const lines = [
  `\`npx tsx bench/analysis.ts\` — ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}, best of 3 after a warm-up.`,
  '',
  'Synthetic store of 10,000 run records (RunRecord, as the store returns them): a 6,000-run sweep family (10 sizes × 12 token budgets × 50 seeds), 2,500 rung runs stopped by successive halving (left out: not fully decayed), 1,500 runs of 30 sessions (baseline at 4 budgets × 5 seeds, 30 candidate seeds each).',
  '',
  '| step | Flywheel | naive per-run refits |',
  '| --- | ---: | ---: |',
  `| records → families → scaling fit (6,000 runs, 200 bootstrap resamples) + compute-optimal + frontier | **${fmt(best.scalingMs)}** | ${fmt(nv.projected200)} (point fit ${fmt(nv.tPoint)} + 200 × ${nv.perResample.toFixed(0)} ms, projected from 10 resamples) |`,
  `| 30 compute multipliers, 1,000 resamples each | **${fmt(best.multiplierMs)}** | (same code) |`,
  `| **total: scaling + multipliers** | **${fmt(best.totalMs)}** | ${fmt(nv.projected200 + best.multiplierMs)} |`,
  `| knob importance over all 10,000 runs (${imp.ok ? imp.n : 0} comparable, ${imp.ok ? imp.knobs.length : 0} knobs, ${imp.ok ? imp.interactions.length : 0} pairs, 200 resamples) | **${fmt(best.importanceMs)}** (${fmt(best.importanceCpu)} CPU) | ${fmt(nvImp)} (resampled copies grouped by string keys per knob and pair; projected from 5 resamples) |`,
  mix.row,
  '',
  `Target ≤ 2 s for 10,000 runs: wall clock ${fmt(best.totalMs)} (**${best.totalMs <= 2000 ? 'met' : 'not met'}**), CPU time of this process ${fmt(best.cpu)} (**${best.cpu <= 2000 ? 'met' : 'not met'}**); the 1-min load average was ${loadavg()[0].toFixed(1)} on ${cpus().length} cores when the table was written, so the wall clock includes waiting for a core. Importance: ${fmt(best.importanceMs)} wall, ${fmt(best.importanceCpu)} CPU; scaling fit ${ratio.toFixed(0)}× faster than the naive loop. Recovered α = ${s.alpha.value.toFixed(4)} [${s.alpha.ci95.map((x) => x.toFixed(4)).join(', ')}] (true 0.34), β = ${s.beta.value.toFixed(4)} [${s.beta.ci95.map((x) => x.toFixed(4)).join(', ')}] (true 0.28), E = ${s.E.value.toFixed(3)} (true 1.69); the naive point fit gives α = ${nv.point.params.alpha.toFixed(4)}, β = ${nv.point.params.beta.toFixed(4)}. ${okM.length}/30 multipliers computed, e.g. ${okM[0] && okM[0].ok ? okM[0].text : '-'}.`,
  '',
  mix.note,
  '',
  `Why it is fast: runs at the same (N, D) share one prediction, so each pass over the data does the exp/log work once per cell (120 cells, not 6,000 runs) and only the residual per run; bootstrap resamples are multinomial weights (no copies) refitted by Levenberg–Marquardt with Huber IRLS weights from the full-data optimum, a handful of passes each; the multi-start search picks its basin on an even subsample of ≤ 1,500 runs. ${WHY_IMPORTANCE}`,
];
console.log(lines.join('\n'));
if (!process.argv.includes('--no-write')) writeSection('Analysis at scale', lines.join('\n'));
