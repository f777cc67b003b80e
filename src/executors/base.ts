/**
 * Executors decide *where* a trainer process runs; src/runs/launch.ts decides what a run is.
 *
 * Contract (every executor passes `executor-suite.ts`):
 * - `capacity` runs at most at once. `acquire()` waits FIFO for a free slot and honours an AbortSignal;
 *   a lease is released exactly once (double release is a no-op).
 * - `start(lease, args)` starts `args.command` with `args.env` plus the slot's resources (CPU threads via
 *   OMP_NUM_THREADS/FLYWHEEL_THREADS, or CUDA_VISIBLE_DEVICES), cwd = run dir, stdout/stderr to
 *   `<runDir>/stdout.log` / `stderr.log`, and returns a TrainerProcess whose `exited` resolves with the
 *   exit code (or signal) and whose `terminate(graceMs)` sends SIGTERM, escalates to SIGKILL after the
 *   grace period, and resolves once the process is gone.
 * - The trainer reports through `<runDir>/events.jsonl`, which the launcher tails; so an executor only
 *   needs the run dir to be on a filesystem both sides see (local disk, or NFS for Slurm).
 * - Executors hold no run state the store does not: after an orchestrator crash, `reconcile` uses the
 *   run's recorded pid (local) or job id (Slurm, in tags.jobId) to stop what is left.
 */
import type { StartProcessArgs } from '../runs/launch.ts';
import type { TrainerProcess } from '../runs/process.ts';

export interface SlotLease {
  readonly slot: number; // 0..capacity-1
  readonly threads?: number;
  readonly gpu?: string; // CUDA_VISIBLE_DEVICES value
  release(): void;
}

export interface Executor {
  readonly name: string;
  readonly capacity: number;
  acquire(signal?: AbortSignal): Promise<SlotLease>;
  start(lease: SlotLease, args: StartProcessArgs): Promise<TrainerProcess>;
  /** Runs currently holding a slot. */
  busy(): number;
  close(): Promise<void>;
}

/** FIFO counting semaphore over numbered slots, shared by the executors. */
export class SlotPool {
  private free: number[];
  private waiters: Array<{
    resolve: (slot: number) => void;
    reject: (e: unknown) => void;
    signal?: AbortSignal;
  }> = [];

  constructor(readonly capacity: number) {
    this.free = Array.from({ length: capacity }, (_, i) => i);
  }

  get inUse(): number {
    return this.capacity - this.free.length;
  }

  take(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    const slot = this.free.shift();
    if (slot !== undefined) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      const w = { resolve, reject, signal };
      this.waiters.push(w);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            reject(signal.reason ?? new Error('aborted'));
          }
        },
        { once: true },
      );
    });
  }

  give(slot: number): void {
    const w = this.waiters.shift();
    if (w) w.resolve(slot);
    else this.free.push(slot);
  }
}
