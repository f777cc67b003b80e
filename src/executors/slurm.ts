/**
 * Slurm executor: each run is one batch job (`sbatch`), at most `parallel` submitted at once (the FIFO
 * SlotPool), each with `cpusPerTask` CPUs (= its torch threads) and optionally `gpusPerTask` GPUs
 * (`--gres=gpu:N`; Slurm sets CUDA_VISIBLE_DEVICES). The run dir must be on a filesystem the compute nodes
 * share with us: the job writes stdout.log / stderr.log / events.jsonl there and the launcher tails them.
 *
 * Environment: `sbatch --export=ALL` carries the submitting environment (less SLURM_* / SBATCH_* / SRUN_* /
 * SALLOC_*, which would leak an enclosing allocation's settings); the run's own variables go into
 * `<runDir>/slurm-env.sh` (mode 0600, shell-quoted), which the batch script `<runDir>/slurm-job.sh` sources.
 *
 * `--executor slurm` passes only `parallel`; the rest can come from FLYWHEEL_SLURM_PARTITION,
 * FLYWHEEL_SLURM_CPUS, FLYWHEEL_SLURM_GPUS, FLYWHEEL_SLURM_TIME and FLYWHEEL_SLURM_ARGS (space-separated).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlywheelError } from '../errors.ts';
import type { StartProcessArgs } from '../runs/launch.ts';
import { SlotPool, type Executor, type SlotLease } from './base.ts';
import { batchScript, envFileText, firstLine, slurmCmd, SlurmJob } from './slurm-job.ts';

export interface SlurmExecutorOptions {
  parallel: number;
  partition?: string;
  cpusPerTask?: number; // default 1
  gpusPerTask?: number;
  timeLimit?: string; // sbatch --time, e.g. "2:00:00"
  extraArgs?: string[]; // appended to sbatch's options
  pollMs?: number; // squeue interval per job (default 1000)
}

const SLURM_PREFIX = /^(SLURM|SBATCH|SRUN|SALLOC)_/;
const withoutSlurmVars = (env: Record<string, string | undefined>) =>
  Object.fromEntries(
    Object.entries(env).filter(([k, v]) => v !== undefined && !SLURM_PREFIX.test(k)),
  ) as Record<string, string>;

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  readonly capacity: number;
  private readonly pool: SlotPool;
  private readonly cpus: number;
  private readonly live = new Set<SlurmJob>();

  private constructor(private readonly opts: SlurmExecutorOptions) {
    this.capacity = Math.max(1, Math.floor(opts.parallel));
    this.pool = new SlotPool(this.capacity);
    this.cpus = Math.max(1, Math.floor(opts.cpusPerTask ?? 1));
  }

  /** Check the Slurm client tools are here and the controller answers. */
  static async connect(opts: SlurmExecutorOptions): Promise<SlurmExecutor> {
    const env = process.env;
    const o: SlurmExecutorOptions = {
      ...opts,
      partition: opts.partition ?? (env.FLYWHEEL_SLURM_PARTITION || undefined),
      cpusPerTask: opts.cpusPerTask ?? (Number(env.FLYWHEEL_SLURM_CPUS) || undefined),
      gpusPerTask: opts.gpusPerTask ?? (Number(env.FLYWHEEL_SLURM_GPUS) || undefined),
      timeLimit: opts.timeLimit ?? (env.FLYWHEEL_SLURM_TIME || undefined),
      extraArgs: opts.extraArgs ?? env.FLYWHEEL_SLURM_ARGS?.split(/\s+/).filter(Boolean),
    };
    for (const bin of ['sinfo', 'sbatch', 'squeue', 'scancel', 'scontrol']) {
      const r = await slurmCmd(bin, ['--version'], { timeoutMs: 10_000 });
      if (r.missing)
        throw new FlywheelError(
          'missing_dependency',
          `slurm: ${bin} is not on PATH (install the Slurm client tools, or use --executor local)`,
        );
    }
    const r = await slurmCmd('sinfo', ['-h', '-o', '%P', ...(o.partition ? ['-p', o.partition] : [])], {
      timeoutMs: 20_000,
    });
    if (!r.ok)
      throw new FlywheelError(
        'missing_dependency',
        `slurm: the controller did not answer (sinfo: ${firstLine(r.stderr)})`,
      );
    if (o.partition && !r.stdout.trim())
      throw new FlywheelError('bad_input', `slurm: partition "${o.partition}" does not exist`);
    return new SlurmExecutor(o);
  }

  async acquire(signal?: AbortSignal): Promise<SlotLease> {
    const slot = await this.pool.take(signal);
    let released = false;
    return {
      slot,
      threads: this.cpus,
      release: () => {
        if (released) return;
        released = true;
        this.pool.give(slot);
      },
    };
  }

  /** Submit the run as a batch job; resolves once Slurm accepted it (it may still be pending). */
  async start(lease: SlotLease, args: StartProcessArgs): Promise<SlurmJob> {
    const { runId, runDir } = args;
    const threads = String(lease.threads ?? this.cpus);
    const env: Record<string, string | undefined> = {
      ...args.env,
      OMP_NUM_THREADS: threads,
      MKL_NUM_THREADS: threads,
      FLYWHEEL_THREADS: threads,
    };
    // The orchestrator's pid means nothing on a compute node; Slurm owns the job's lifetime (scancel).
    delete env.FLYWHEEL_PARENT_PID;
    const submitEnv = withoutSlurmVars(process.env);
    const envFile = join(runDir, 'slurm-env.sh');
    const script = join(runDir, 'slurm-job.sh');
    writeFileSync(envFile, envFileText(withoutSlurmVars(env), submitEnv), { mode: 0o600 });
    writeFileSync(script, batchScript(runId, envFile, args.command), { mode: 0o700 });
    const o = this.opts;
    const argv = [
      '--parsable',
      `--job-name=fw-${runId}`,
      `--chdir=${args.cwd ?? runDir}`,
      `--output=${join(runDir, 'stdout.log')}`,
      `--error=${join(runDir, 'stderr.log')}`,
      '--open-mode=append',
      '--export=ALL',
      '--nodes=1',
      '--ntasks=1',
      `--cpus-per-task=${this.cpus}`,
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      ...(o.gpusPerTask ? [`--gres=gpu:${o.gpusPerTask}`] : []),
      ...(o.timeLimit ? [`--time=${o.timeLimit}`] : []),
      ...(o.extraArgs ?? []),
      script,
    ];
    const r = await slurmCmd('sbatch', argv, { env: submitEnv, timeoutMs: 60_000 });
    const jobId = r.stdout.trim().split(';')[0];
    if (!r.ok || !/^\d+(_\d+)?$/.test(jobId))
      throw new FlywheelError(
        'trainer_failed',
        `sbatch failed for run ${runId}: ${firstLine(r.stderr) || r.stdout.trim()}`,
      );
    const job = new SlurmJob(jobId, runDir, o.pollMs ?? 1000);
    this.live.add(job);
    void job.exited.then(() => this.live.delete(job));
    return job;
  }

  busy(): number {
    return this.pool.inUse;
  }

  /** Stop whatever still runs or waits in the queue (used on shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((j) => j.terminate(5000)));
  }
}
