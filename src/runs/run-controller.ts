/**
 * What a run is to its callers: the launch options (the hooks the research engine, the sandbox and
 * the integrity checks plug into) and the controller a caller holds while the run lives. Kept apart
 * from launch.ts so supervise.ts can use them without importing the launcher (imports point down).
 */
import type { TrainConfig } from '../config/train-config.ts';
import type { RunRecord, RunStatus, RunSummary, Store } from '../store/base.ts';
import type { EndEvent, RunEvent } from './events.ts';
import type { TrainerProcess } from './process.ts';
import type { RunRecorder } from './recorder.ts';
import type { TreeLimits } from './watchdog.ts';

export interface StartProcessArgs {
  runId: string;
  runDir: string;
  command: string[];
  env: Record<string, string | undefined>;
  /** Working directory; default the run dir (a spec trainer runs in its own folder). */
  cwd?: string;
  /** Process count and total memory of the trainer's whole process tree (watchdog.ts), when limited. */
  limits?: TreeLimits;
}
/** Where the trainer runs. Default: a local child process (the executors provide others). */
export type ProcessStarter = (a: StartProcessArgs) => TrainerProcess | Promise<TrainerProcess>;

export interface LaunchOptions {
  store: Store;
  config: TrainConfig;
  sessionId?: string;
  parentRunId?: string;
  tags?: Record<string, string>;
  codeFrom?: string;
  provenance?: { codeCommit?: string; codeDiff?: string };
  extraHash?: string; // mixed into configHash (e.g. hash of a code patch)
  env?: Record<string, string>;
  startProcess?: ProcessStarter;
  executorName?: string;
  graceMs?: number; // SIGTERM -> SIGKILL
  pollMs?: number;
  storeRetryMs?: number; // how long a failing store is retried before the run is stopped as failed
  onEvent?: (e: RunEvent, run: RunController) => void;
  onStarted?: (run: RunController) => void;
  /**
   * Last word on the terminal status, e.g. successive halving records a lower-rung run that reached its
   * rung budget as `stopped` ("left at rung 0"), because the trial it belongs to did not run to its full
   * budget. The trainer's own status stays in summary.trainerStatus.
   */
  mapStatus?: (s: { status: RunStatus; reason: string; end?: EndEvent }) => {
    status: RunStatus;
    reason: string;
  };
  /** Called once the launcher knows the process (pid/job) so callers can record it. */
  onProcess?: (proc: TrainerProcess) => void;
  /** Rewrites the trainer command once the run dir exists, e.g. into a sandbox (src/sandbox/bwrap.ts). */
  wrapCommand?: (command: string[], run: { runId: string; runDir: string; codeDir: string }) => string[];
  /**
   * Integrity check, called before the trainer starts and again after it exits (e.g. sha256 of harness.py
   * and the dataset). A returned message fails the run: status `failed`, reason `tampered: <message>`,
   * `summary.tampered` and tag `tampered=1`; it overrides `mapStatus`.
   */
  verify?: (
    phase: 'before' | 'after',
    run: { runId: string; runDir: string; codeDir: string },
  ) => string | undefined;
  /** Process count and total memory of the trainer's process tree (e.g. the sandbox's limits). */
  limits?: TreeLimits;
  /** Wall-clock limit in seconds (0 = none); default supervise.ts defaultWallSeconds. */
  wallSeconds?: number;
  /** Bad lines in events.jsonl before the run fails `malformed events` (default 1000). */
  maxMalformedLines?: number;
  /** The user's `--unsafe-no-sandbox`: agent code may run unwrapped (code-trust.ts, SECURITY.md). */
  unsafeNoSandbox?: boolean;
  /**
   * The trusted judge (src/judge/apply.ts), after the trainer exited and `verify` passed: returns the
   * summary with the judge's val numbers in place of the trainer's, and the status they imply; a
   * `tampered` message fails the run like `verify`.
   */
  judge?: (r: {
    runId: string;
    runDir: string;
    status: RunStatus;
    reason: string;
    summary: RunSummary;
    trainerStatus?: string;
  }) => Promise<{ status: RunStatus; reason: string; summary: RunSummary; tampered?: string }>;
}

export class RunController {
  stopRequest?: { reason: string; rule?: string; evidence?: unknown };
  proc?: TrainerProcess;
  readonly done: Promise<RunRecord>;
  private resolveDone!: (r: RunRecord) => void;
  private rejectDone!: (e: unknown) => void;

  constructor(
    readonly runId: string,
    readonly runDir: string,
    readonly recorder: RunRecorder,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolveDone = res;
      this.rejectDone = rej;
    });
  }

  /** Ask the trainer to stop gracefully (SIGTERM; SIGKILL after the grace period). */
  stop(reason: string, rule?: string, evidence?: unknown): void {
    if (this.stopRequest) return;
    this.stopRequest = { reason, rule, evidence };
    this.recorder.note('stop', { reason, rule, evidence, by: 'orchestrator' });
  }

  /** @internal */ settle(r: RunRecord | Error) {
    if (r instanceof Error) this.rejectDone(r);
    else this.resolveDone(r);
  }
}
