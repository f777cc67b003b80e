/**
 * The trusted judge, orchestrator side (SECURITY.md, "The judge"): the val numbers of a run of agent
 * code come from python/judge/judge.py — our code, in a fresh process that never imports agent code —
 * which drives the agent's model in a separate, tighter sandbox (src/sandbox/judge-worker.ts) and
 * scores its logits itself, with a causality probe and sanity bounds.
 *
 * The run's final-weights.pt lies in a folder the training sandbox could write, so it is opened without
 * following links, must be a regular file under a size cap, and is copied into a private folder before
 * anything reads it. The judge gets its config (model shape, val slice size) from the orchestrator,
 * never from the run dir, and the code from the admitted, hash-checked copy.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import { loadDatasetMeta } from '../data/prepare.ts';
import { repoRoot } from '../home.ts';
import { findPython } from '../runs/python.ts';
import { gpuDevices } from '../sandbox/bwrap.ts';
import { workerCommand } from '../sandbox/judge-worker.ts';

export const WEIGHTS_FILE = 'final-weights.pt';
const JUDGE_PY = join(repoRoot, 'python', 'judge', 'judge.py');

export interface JudgeNumbers {
  valBpb: number;
  valBpbSe?: number | null; // standard error over the scored windows (python/judge/judge.py ratio_se)
  valLoss: number;
  byDomain: Record<string, number | null>;
  byDomainSe?: Record<string, number | null>;
  byDomainWindows?: Record<string, number>;
  live: {
    valBpb: number | null;
    byDomain: Record<string, number | null>;
    byDomainSe?: Record<string, number | null>;
  }; // same model, held-out train tail
  flopsPerToken: number; // measured from the weights' shapes (python/judge/judge.py flops_per_token)
  params: number;
  probes: { n: number; maxDiff: number; tolerance: number };
  seconds: number;
  /** The val slice scored again at `JudgeOptions.alsoTokensPerDomain` (the top rung's size, for the compute law). */
  also?: { tokensPerDomain: number; valBpb: number; valBpbSe: number | null };
}
export type JudgeResult = ({ ok: true } & JudgeNumbers) | { ok: false; tampered: boolean; reason: string };

export interface JudgeOptions {
  tokensPerDomain?: number; // default: config.train.finalEvalTokensPerDomain
  alsoTokensPerDomain?: number; // a second val slice scored by the same judge (train.alsoEvalTokensPerDomain)
  liveTokensPerDomain?: number; // the held-out train tail scored for the sanity bound (default 2048)
  probes?: number; // causality probe pairs (default 32)
  floorBpb?: number; // default 0.3
  liveRatio?: number; // val bpb below this x the live bpb is tampering (default 0.75)
  timeoutSeconds?: number;
  maxWeightsBytes?: number;
}

/** Copy `src` into a fresh private folder without following a link; refuses non-files and oversize. */
export function privateCopy(
  src: string,
  maxBytes: number,
): { dir: string; file: string } | { error: string } {
  let fd: number;
  try {
    fd = openSync(src, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return {
      error: code === 'ELOOP' ? `${WEIGHTS_FILE} is a symbolic link` : `no ${WEIGHTS_FILE} (${code})`,
    };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: `${WEIGHTS_FILE} is not a regular file` };
    if (st.size > maxBytes)
      return { error: `${WEIGHTS_FILE} is ${st.size} bytes, over the ${maxBytes}-byte cap` };
    const dir = mkdtempSync(join(tmpdir(), 'flywheel-judge-'));
    const file = join(dir, WEIGHTS_FILE);
    const out = openSync(file, 'wx', 0o600);
    const buf = Buffer.alloc(1 << 20);
    let total = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) {
      total += n;
      if (total > maxBytes) {
        closeSync(out);
        rmSync(dir, { recursive: true, force: true });
        return { error: `${WEIGHTS_FILE} grew past the ${maxBytes}-byte cap while being read` };
      }
      writeSync(out, buf, 0, n);
    }
    closeSync(out);
    return { dir, file };
  } finally {
    closeSync(fd);
  }
}

/** Run judge.py with one JSON spec on stdin; its one JSON line back (or a refusal saying why not). */
function runJudgePy(spec: Record<string, unknown>, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const child = spawn(findPython(), [JUDGE_PY], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        OMP_NUM_THREADS: String(spec.threads ?? 1),
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      if (out.length < 1 << 20) out += b.toString('utf8');
    });
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString('utf8')).slice(-4000);
    });
    child.on('error', (e) => resolve({ ok: false, tampered: false, reason: `judge: ${e.message}` }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>);
      } catch {
        const tail = err.trim().split('\n').pop() ?? '';
        resolve({
          ok: false,
          tampered: false,
          reason: `judge exited ${signal ?? code}: ${tail}`.slice(0, 400),
        });
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(spec));
  });
}

/** The vocabulary the trainer really uses: the dataset's (read-only to every sandbox), not the config's field. */
export function datasetVocab(config: TrainConfig): number {
  if (!config.data.dir) throw new Error('judge: the config has no data.dir (bind the dataset first)');
  return loadDatasetMeta(config.data.dir).vocabSize;
}

/** The model's shape from the orchestrator's config; the vocabulary from the dataset. */
function baseSpec(config: TrainConfig) {
  const vocab = datasetVocab(config);
  return {
    vocab,
    seqLen: config.model.seqLen,
    width: config.model.width,
    depth: config.model.depth,
    threads: config.train.threads ?? 1,
  };
}

const lowPrecision = (config: TrainConfig) =>
  config.train.dtype !== 'float32' && (config.train.dtype !== 'auto' || gpuDevices().length > 0);

const memoryCap = () => Math.min(16 * 2 ** 30, Math.floor(totalmem() * 0.75));

/** The trusted val numbers of a finished run of `codeDir` (the admitted code), from its final weights. */
export async function judgeRun(
  run: { runDir: string; codeDir: string; config: TrainConfig },
  o: JudgeOptions = {},
): Promise<JudgeResult> {
  const { config } = run;
  const copy = privateCopy(join(run.runDir, WEIGHTS_FILE), o.maxWeightsBytes ?? 8 * 2 ** 30);
  if ('error' in copy) return { ok: false, tampered: false, reason: copy.error };
  const timeoutSeconds = o.timeoutSeconds ?? 900;
  try {
    const base = baseSpec(config);
    const worker = workerCommand(
      {
        codeDir: run.codeDir,
        weightsFile: copy.file,
        threads: base.threads,
        dtype: config.train.dtype,
        memoryBytes: memoryCap(),
        cpuSeconds: timeoutSeconds * 2,
      },
      config.model,
      base.vocab,
    );
    const r = await runJudgePy(
      {
        mode: 'score',
        ...base,
        dataDir: config.data.dir,
        weights: copy.file,
        tokensPerDomain: o.tokensPerDomain ?? config.train.finalEvalTokensPerDomain,
        alsoTokensPerDomain: o.alsoTokensPerDomain ?? null,
        liveTokensPerDomain: o.liveTokensPerDomain ?? 2048,
        probes: o.probes ?? 32,
        // fp32 answers the same to ~1e-6 whatever the batch; bf16/fp16 (CUDA autocast) to ~1e-2
        causalityTolerance: lowPrecision(config) ? 5e-2 : 1e-3,
        floorBpb: o.floorBpb ?? 0.3,
        liveRatio: o.liveRatio ?? 0.75,
        seed: config.seed,
        timeoutSeconds,
        worker,
      },
      (timeoutSeconds + 60) * 1000,
    );
    return r as JudgeResult;
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
  }
}

/**
 * FLOPs per token of the model the agent's build_model makes for `config` (the admission cost of a
 * code experiment), from the shapes of its state dict. Every run is then checked against the weights
 * it really trained (judgeRun's flopsPerToken), so a build_model that lies here fails its runs.
 */
export async function measureCodeFlops(
  codeDir: string,
  config: TrainConfig,
): Promise<{ ok: true; flopsPerToken: number } | { ok: false; reason: string }> {
  const base = baseSpec(config);
  const worker = workerCommand(
    { codeDir, threads: 1, memoryBytes: memoryCap(), cpuSeconds: 300 },
    config.model,
    base.vocab,
  );
  const r = await runJudgePy({ mode: 'shapes', ...base, timeoutSeconds: 240, worker }, 300_000);
  if (r.ok === true && typeof r.flopsPerToken === 'number' && r.flopsPerToken > 0)
    return { ok: true, flopsPerToken: r.flopsPerToken };
  return { ok: false, reason: String(r.reason ?? 'the judge measured no FLOPs') };
}
