/**
 * Generates the labelled curve corpus (bench/curves/corpus.json) from real runs of the reference trainer:
 *
 *   npx tsx bench/curves/generate.ts [--only RECIPE,...] [--parallel 2]
 *
 * Each recipe x seed is one tiny-preset run (./recipes.ts), its config resolved exactly as `flywheel run`
 * resolves it, on the default dataset (prepared under FLYWHEEL_HOME if missing). A recipe with a test-only
 * patch (./patches.ts) runs from a patched copy of trainers/gpt in a temp folder. Deterministic given the
 * seeds (one torch thread, CPU). `--only RECIPE,...` / `--seeds N,...` make part of the corpus and keep the
 * other stored runs.
 * Afterwards ./labels.ts checks every label against the outcome and computes the human kill points.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as prettier from 'prettier';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import { repoRoot } from '../../src/home.ts';
import { bindDataset } from '../../src/runs/dataset.ts';
import { parseEventLine, type RunEvent } from '../../src/runs/events.ts';
import { findPython } from '../../src/runs/python.ts';
import { compact, CORPUS_PATH, loadCorpus, type CorpusFile, type StoredRun } from './format.ts';
import { finalizeLabels } from './labels.ts';
import { PATCHES, type PatchName } from './patches.ts';
import {
  BASELINE_SEEDS,
  BUDGET_TOKENS,
  COMMON_SETS,
  PRESET,
  RECIPE_SEEDS,
  RECIPES,
  REFERENCE_SEEDS,
  TUNE_SEEDS,
  type Recipe,
} from './recipes.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A copy of trainers/gpt with the patch applied; every anchor must match exactly once. */
function patchedTrainer(tmp: string, name: PatchName): string {
  const dir = join(tmp, `trainer-${name}`);
  if (existsSync(dir)) return dir;
  cpSync(join(repoRoot, 'trainers', 'gpt'), dir, { recursive: true });
  for (const e of PATCHES[name].edits) {
    const path = join(dir, e.file);
    const src = readFileSync(path, 'utf8');
    const n = src.split(e.find).length - 1;
    if (n !== 1)
      throw new Error(`patch ${name}: anchor found ${n} times in ${e.file}: ${JSON.stringify(e.find)}`);
    writeFileSync(path, src.replace(e.find, e.replace));
  }
  return dir;
}

async function runOne(r: Recipe, seed: number, tmp: string): Promise<StoredRun> {
  const sets = [...COMMON_SETS, ...(r.sets ?? [])];
  const bound = await bindDataset(resolveConfig({ preset: PRESET, sets, seed }));
  const config = bound.config;
  const runDir = join(tmp, `${r.id}-s${seed}`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config, null, 2));
  const trainerDir = r.patch ? patchedTrainer(tmp, r.patch) : join(repoRoot, 'trainers', 'gpt');
  const child = spawn(findPython(), [join(trainerDir, 'train.py')], {
    env: {
      ...process.env,
      FLYWHEEL_RUN_DIR: runDir,
      FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  await new Promise((res) => child.on('exit', res));
  const events: RunEvent[] = [];
  for (const line of readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const p = parseEventLine(line);
    if (p.ok) events.push(p.event);
  }
  const start = events.find((e) => e.kind === 'start');
  const end = events.find((e) => e.kind === 'end');
  if (!start) throw new Error(`${r.id} seed ${seed}: no start event\n${stderr}`);
  const train = events.filter((e): e is Extract<RunEvent, { kind: 'train' }> => e.kind === 'train');
  const evals = events.filter((e): e is Extract<RunEvent, { kind: 'eval' }> => e.kind === 'eval' && !e.final);
  const split =
    r.kind === 'baseline'
      ? seed < REFERENCE_SEEDS
        ? 'reference'
        : 'held-out'
      : TUNE_SEEDS.includes(seed)
        ? 'tune'
        : 'held-out';
  const command = `flywheel run --preset ${PRESET} ${sets.map((s) => `--set ${s}`).join(' ')} --seed ${seed} --json`;
  return {
    id: `${r.id}/s${seed}`,
    recipe: r.id,
    seed,
    label: r.label,
    kind: r.kind,
    split,
    why: r.why,
    command: r.patch ? `${command}  # trainer patched with bench/curves/patches.ts '${r.patch}'` : command,
    patch: r.patch,
    status: end?.status ?? 'failed',
    reason: end?.reason ?? stderr.trim().split('\n').at(-1) ?? '',
    batchTokens: config.train.batchTokens,
    budgetTokens: BUDGET_TOKENS,
    flopsPerToken: start.flopsPerToken,
    evalTokensPerDomain: config.train.evalTokensPerDomain,
    finalValBpb: end && typeof end.valBpb === 'number' ? compact(end.valBpb) : null,
    train: {
      step: train.map((e) => e.step),
      loss: train.map((e) => compact(e.loss)),
      lr: train.map((e) => compact(e.lr ?? NaN) ?? 0),
      gradNorm: train.map((e) => compact(e.gradNorm ?? NaN)),
    },
    eval: {
      step: evals.map((e) => e.step),
      tokens: evals.map((e) => e.tokens),
      valLoss: evals.map((e) => compact(e.valLoss)),
      valBpb: evals.map((e) => compact(e.valBpb)),
    },
  };
}

async function main() {
  const only = arg('--only')?.split(',');
  const parallel = Number(arg('--parallel') ?? 2);
  const seeds = arg('--seeds')?.split(',').map(Number); // a pilot: only these seeds
  const jobs: [Recipe, number][] = [];
  for (const r of RECIPES) {
    if (only && !only.includes(r.id)) continue;
    for (const s of r.kind === 'baseline' ? BASELINE_SEEDS : RECIPE_SEEDS)
      if (!seeds || seeds.includes(s)) jobs.push([r, s]);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'flywheel-curves-'));
  const kept = existsSync(CORPUS_PATH) && (only || seeds) ? loadCorpus().runs : [];
  const done: StoredRun[] = [];
  try {
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < jobs.length) {
        const [r, s] = jobs[next++];
        const run = await runOne(r, s, tmp);
        done.push(run);
        const secs = ((performance.now() - t0) / 1000).toFixed(0);
        console.error(
          `${secs}s ${run.id}: ${run.status}, ${run.train.step.length} steps, final bpb ${run.finalValBpb}`,
        );
        await save(kept, done, false); // after every run, so an interrupted generation keeps what it made
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  await save(kept, done, true);
}

/** Writes the corpus: the kept runs not re-made here, plus the new ones, labels checked. */
async function save(kept: StoredRun[], done: StoredRun[], verbose: boolean): Promise<void> {
  const remade = new Set(done.map((r) => r.id));
  const order = new Map(RECIPES.map((r, i) => [r.id, i]));
  const runs = [...kept.filter((r) => !remade.has(r.id)), ...done].sort(
    (a, b) => order.get(a.recipe)! - order.get(b.recipe)! || a.seed - b.seed,
  );
  const corpus: CorpusFile = {
    about:
      'Labelled loss curves of the reference trainer (tiny preset) with planted faults and healthy-but-scary variants; see bench/curves/recipes.ts',
    command: 'npx tsx bench/curves/generate.ts',
    preset: PRESET,
    budgetTokens: BUDGET_TOKENS,
    reference: BASELINE_SEEDS.slice(0, REFERENCE_SEEDS).map((s) => `baseline/s${s}`),
    runs,
  };
  const report = finalizeLabels(corpus);
  // formatted as the repository's prettier config wants it, so `prettier --check .` passes
  const options = (await prettier.resolveConfig(CORPUS_PATH.pathname)) ?? {};
  writeFileSync(CORPUS_PATH, await prettier.format(JSON.stringify(corpus), { ...options, parser: 'json' }));
  if (verbose) for (const line of report) console.error(line);
}

await main();
