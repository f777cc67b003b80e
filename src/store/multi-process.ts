/**
 * Spawning writer processes (ingest-worker.ts) against one SQLite file, for the multi-process tests
 * and bench/store-ingest.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../home.ts';
import type { MetricPoint } from './base.ts';

export interface WorkerArgs {
  db: string;
  worker: number;
  points: number; // total points to append; 0 = until killed
  batch: number;
  shared?: string; // id of a run every worker also appends to
  acks?: boolean; // print `ack <points>` after each resolved append
  barrier?: boolean; // print `ready` once set up, then wait for a line on stdin before appending
}

export interface WorkerResult {
  worker: number;
  points: number;
  seconds: number; // first append to last, excluding process start and migration
}

export const workerRunId = (w: number) => `worker-${w}`;

/** A train point as a live run reports it; `worker` lets a shared run's points be told apart. */
export const livePoint = (worker: number, step: number): MetricPoint => ({
  step,
  tokens: step * 4096,
  flops: step * 2.4e11,
  elapsed: step * 0.05,
  loss: 4 + 6 / (1 + step / 100),
  lr: 1e-3,
  gradNorm: 0.8,
  tokPerSec: 81920,
  worker,
});

const WORKER = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url));

export interface SpawnedWorker {
  child: ChildProcess;
  /** Resolves with the worker's result line; rejects if it exits non-zero (not when killed on purpose). */
  done: Promise<WorkerResult | undefined>;
}

export function spawnWorker(args: WorkerArgs, onLine: (line: string) => void = () => {}): SpawnedWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(args)], {
    cwd: repoRoot, // where `tsx` resolves
    stdio: [args.barrier ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let result: WorkerResult | undefined;
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) result = JSON.parse(line) as WorkerResult;
      onLine(line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<WorkerResult | undefined>((resolve, reject) => {
    child.on('close', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(result);
      else reject(new Error(`ingest worker ${args.worker} exited ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  return { child, done };
}
