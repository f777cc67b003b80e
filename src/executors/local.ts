/**
 * Local executor: a pool of N slots on this machine. Each slot gets an equal share of the CPU cores as
 * torch threads (OMP_NUM_THREADS / FLYWHEEL_THREADS), or one GPU (CUDA_VISIBLE_DEVICES) when GPUs are
 * present, so parallel runs do not fight over cores and their tok/s stay comparable.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { StartProcessArgs } from '../runs/launch.ts';
import { spawnTrainer, type TrainerProcess } from '../runs/process.ts';
import { SlotPool, type Executor, type SlotLease } from './base.ts';

/** GPU indices visible to this process (CUDA_VISIBLE_DEVICES, else nvidia-smi), [] without GPUs. */
export function detectGpus(): string[] {
  const env = process.env.CUDA_VISIBLE_DEVICES;
  if (env !== undefined)
    return env
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && s !== '-1');
  const r = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || !r.stdout) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('GPU '))
    .map((_, i) => String(i));
}

export interface LocalExecutorOptions {
  parallel: number;
  cores?: number; // default: availableParallelism()
  gpus?: string[]; // default: detectGpus()
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly capacity: number;
  private readonly pool: SlotPool;
  private readonly threads: number;
  private readonly gpus: string[];
  private readonly live = new Set<TrainerProcess>();

  constructor(opts: LocalExecutorOptions) {
    this.capacity = Math.max(1, Math.floor(opts.parallel));
    this.pool = new SlotPool(this.capacity);
    this.threads = Math.max(1, Math.floor((opts.cores ?? availableParallelism()) / this.capacity));
    this.gpus = opts.gpus ?? detectGpus();
  }

  async acquire(signal?: AbortSignal): Promise<SlotLease> {
    const slot = await this.pool.take(signal);
    let released = false;
    return {
      slot,
      threads: this.threads,
      gpu: this.gpus.length ? this.gpus[slot % this.gpus.length] : undefined,
      release: () => {
        if (released) return;
        released = true;
        this.pool.give(slot);
      },
    };
  }

  async start(lease: SlotLease, args: StartProcessArgs): Promise<TrainerProcess> {
    const env: Record<string, string | undefined> = { ...args.env };
    if (lease.gpu !== undefined) env.CUDA_VISIBLE_DEVICES = lease.gpu;
    if (lease.threads) {
      env.OMP_NUM_THREADS = String(lease.threads);
      env.MKL_NUM_THREADS = String(lease.threads);
      env.FLYWHEEL_THREADS = String(lease.threads);
    }
    const proc = spawnTrainer({
      command: args.command,
      cwd: args.cwd ?? args.runDir,
      env,
      logDir: args.runDir,
      limits: args.limits,
    });
    this.live.add(proc);
    void proc.exited.then(() => this.live.delete(proc));
    return proc;
  }

  busy(): number {
    return this.pool.inUse;
  }

  /** Stop whatever still runs (used on shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.terminate(5000)));
  }
}
