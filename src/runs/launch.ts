/**
 * One training run, end to end: run dir + store row, the trainer process, its event stream into the
 * store, heartbeat, stop requests, and the final status. Executors decide *where* a trainer runs; this
 * file decides what a run *is*. Status mapping:
 *   end event            -> its status (completed | diverged | stopped | failed); a stop we requested wins
 *   no end, we stopped it -> stopped
 *   no end, silent > heartbeat window -> lost ("hung")
 *   no end, exited       -> failed, with the last line of stderr
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import { configHash } from '../config/resolve.ts';
import { flywheelHome, repoRoot } from '../home.ts';
import type { RunRecord, RunStatus, Store } from '../store/base.ts';
import { EventTail } from './event-tail.ts';
import type { EndEvent, RunEvent } from './events.ts';
import { flopsPerToken } from './flops.ts';
import { spawnTrainer, type ExitInfo, type TrainerProcess } from './process.ts';
import { findPython } from './python.ts';
import { RunRecorder } from './recorder.ts';
import { createRunDir } from './run-dir.ts';
import { attachSpecAdapter, prepareSpecRun } from './spec-run.ts';
import { snapshotPlan } from './spec-snapshot.ts';
import { StdoutAdapter } from './stdout-adapter.ts';

export interface StartProcessArgs {
  runId: string;
  runDir: string;
  command: string[];
  env: Record<string, string | undefined>;
  /** Working directory; default the run dir (a spec trainer runs in its own folder). */
  cwd?: string;
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

const localStarter: ProcessStarter = ({ runDir, command, env, cwd }) =>
  spawnTrainer({ command, cwd: cwd ?? runDir, env, logDir: runDir });

function stderrTail(runDir: string): string {
  try {
    const lines = readFileSync(join(runDir, 'stderr.log'), 'utf8').trim().split('\n');
    return lines[lines.length - 1]?.slice(0, 500) ?? '';
  } catch {
    return '';
  }
}

/** Start a run; resolves once the trainer process is spawned. `controller.done` settles at the end. */
export async function launchRun(opts: LaunchOptions): Promise<RunController> {
  const { store, config } = opts;
  const snap = config.trainer.spec && !opts.codeFrom ? snapshotPlan(config.trainer.spec) : undefined;
  const dir = createRunDir(config, {
    codeFrom: opts.codeFrom ?? snap?.from,
    provenance: opts.provenance,
    files: snap?.files,
  });
  if (snap?.skipped.length)
    writeFileSync(join(dir.runDir, 'snapshot-skipped.txt'), snap.skipped.join('\n') + '\n');
  const vocab = config.data.vocabSize ?? 2048;
  const where = { runId: dir.runId, runDir: dir.runDir, codeDir: dir.codeDir };
  // what can throw (no Python, a bad adapter regex) before the row exists, so none is left 'queued'
  const spec = config.trainer.spec ? prepareSpecRun(config, dir.runDir) : undefined;
  const bare = spec?.command ?? config.trainer.command ?? [findPython(), join(dir.codeDir, 'train.py')];
  const command = opts.wrapCommand ? opts.wrapCommand(bare, where) : bare;
  const adapter = config.trainer.stdoutAdapter
    ? new StdoutAdapter(config, join(dir.runDir, 'events.jsonl'), flopsPerToken(config.model, vocab))
    : undefined;
  await store.createRun({
    id: dir.runId,
    status: 'queued',
    sessionId: opts.sessionId,
    parentRunId: opts.parentRunId,
    preset: config.preset,
    config,
    configHash: configHash(config, opts.extraHash ?? ''),
    seed: config.seed,
    runDir: dir.runDir,
    host: hostname(),
    codeCommit: dir.codeCommit,
    codeDiff: dir.codeDiff,
    codeHash: dir.codeHash,
    harnessHash: dir.harnessHash,
    dataHash: config.data.dir ? config.data.dir.split('/').pop() : undefined,
    executor: opts.executorName ?? 'local',
    tags: { ...opts.tags, owner: `${hostname()}:${process.pid}` },
  });
  const recorder = new RunRecorder(store, dir.runId);
  const ctl = new RunController(dir.runId, dir.runDir, recorder);

  const tampered = opts.verify?.('before', where);
  if (tampered) {
    await store.updateRun(dir.runId, { tags: { tampered: '1' } });
    ctl.settle(await store.finishRun(dir.runId, 'failed', `tampered: ${tampered}`, { tampered }));
    return ctl;
  }
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...opts.env,
    FLYWHEEL_RUN_DIR: dir.runDir,
    FLYWHEEL_HOME: flywheelHome(),
    ...spec?.env,
    FLYWHEEL_PYTHON_DIR: join(repoRoot, 'python'),
    // `import flywheel_log` works in any trainer (python/flywheel_log.py)
    PYTHONPATH: [join(repoRoot, 'python'), process.env.PYTHONPATH].filter(Boolean).join(delimiter),
    FLYWHEEL_PARENT_PID: String(process.pid), // the harness stops itself if we vanish (no orphans)
    PYTHONUNBUFFERED: '1',
  };
  if (config.train.threads) env.OMP_NUM_THREADS ??= String(config.train.threads);

  const t0 = Date.now();
  let proc: TrainerProcess;
  try {
    proc = await (opts.startProcess ?? localStarter)({
      runId: dir.runId,
      runDir: dir.runDir,
      command,
      env,
      ...(spec ? { cwd: spec.cwd } : {}),
    });
  } catch (e) {
    const rec = await store.finishRun(
      dir.runId,
      'failed',
      `could not start trainer: ${(e as Error).message}`,
    );
    ctl.settle(rec);
    return ctl;
  }
  if (adapter) proc.onStdoutLine = (l) => adapter.onLine(l);
  if (spec) attachSpecAdapter(spec.adapter, proc, opts.graceMs ?? 15_000);
  ctl.proc = proc;
  opts.onProcess?.(proc);
  const settle = (p: Promise<RunRecord>) =>
    void p
      .catch((e) => abandon(opts, ctl, proc, e))
      .then(
        (r) => ctl.settle(r),
        (e) => ctl.settle(e instanceof Error ? e : new Error(String(e))),
      );
  try {
    await store.updateRun(dir.runId, {
      status: 'running',
      startedAt: new Date().toISOString(),
      pid: proc.pid,
      ...(proc.jobId ? { tags: { jobId: proc.jobId } } : {}),
    });
    opts.onStarted?.(ctl);
  } catch (e) {
    settle(Promise.reject(e));
    return ctl;
  }
  settle(supervise(opts, ctl, proc, t0));
  return ctl;
}

/**
 * Supervision broke (the store failing for longer than STORE_RETRY_MS, a throwing callback): stop the
 * trainer rather than leave it running unwatched, and record the run as failed, the error in one line.
 */
async function abandon(
  opts: LaunchOptions,
  ctl: RunController,
  proc: TrainerProcess,
  e: unknown,
): Promise<RunRecord> {
  await proc.terminate(opts.graceMs ?? 15_000);
  await ctl.recorder.flush().catch(() => undefined); // keep what was measured if the store is back
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
  return opts.store.finishRun(ctl.runId, 'failed', `supervision failed: ${msg}`, ctl.recorder.summary());
}

/** Launch and wait. */
export async function runToCompletion(opts: LaunchOptions): Promise<RunRecord> {
  return (await launchRun(opts)).done;
}

/** How long supervision retries a failing store (each poll) before it stops the trainer and fails the run. */
const STORE_RETRY_MS = 60_000;

async function supervise(
  opts: LaunchOptions,
  ctl: RunController,
  proc: TrainerProcess,
  t0: number,
): Promise<RunRecord> {
  const { store, config } = opts;
  const tail = new EventTail(join(ctl.runDir, 'events.jsonl'));
  const heartbeatMs = config.train.heartbeatSeconds * 1000;
  const graceMs = opts.graceMs ?? 15_000;
  let exit: ExitInfo | undefined;
  void proc.exited.then((x) => (exit = x));
  let hung = false;
  let terminating = false;
  let lastHeartbeatWrite = 0;
  let lastStopPoll = 0;
  let queuedUntil = 0;
  let storeFailingSince = 0;

  const drain = (lines: string[]) => {
    for (const line of lines) {
      const e = ctl.recorder.ingestLine(line);
      if (e) opts.onEvent?.(e, ctl);
    }
  };

  while (!exit) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, opts.pollMs ?? 200))), proc.exited]);
    clearTimeout(timer);
    drain(tail.poll());
    const now = Date.now();
    try {
      if (ctl.recorder.pending) await ctl.recorder.flush();
      if (!ctl.stopRequest && now - lastStopPoll > 2000) {
        // A stop asked for from outside (dashboard, another CLI) is a `stop` event on the run.
        lastStopPoll = now;
        const asked = (await store.listEvents(ctl.runId, { kinds: ['stop'] })).find(
          (e) => (e.payload as { by?: string } | null)?.by !== 'orchestrator',
        );
        if (asked) {
          const p = asked.payload as { reason?: string; by?: string };
          ctl.stop(p.reason ?? `stop requested${p.by ? ` by ${p.by}` : ''}`);
        }
      }
      if (now - lastHeartbeatWrite > 5000) {
        lastHeartbeatWrite = now;
        await store.updateRun(ctl.runId, { heartbeatAt: new Date(now).toISOString() });
      }
      storeFailingSince = 0;
    } catch (e) {
      // unwritten points stay buffered for the next poll; an outage that outlasts the retries ends the run
      storeFailingSince ||= now;
      if (now - storeFailingSince > (opts.storeRetryMs ?? STORE_RETRY_MS)) throw e;
    }
    if (proc.isPending?.()) queuedUntil = now; // a batch job waiting for a node is not silent, just queued
    if (!terminating && !exit && now - Math.max(tail.lastActivity, t0, queuedUntil) > heartbeatMs) {
      hung = true;
      ctl.recorder.note('hung', { silentSeconds: (now - tail.lastActivity) / 1000 });
    }
    if (!terminating && !exit && (ctl.stopRequest || hung)) {
      terminating = true;
      void proc.terminate(hung ? 1000 : graceMs);
    }
  }
  drain(tail.poll());
  drain(tail.flushPartial());
  await ctl.recorder.flush();
  if (!ctl.stopRequest) {
    // stopped from outside (the dashboard signals the trainer and records why) before our next poll
    const asked = (await store.listEvents(ctl.runId, { kinds: ['stop'] })).find(
      (e) => (e.payload as { by?: string } | null)?.by !== 'orchestrator',
    );
    const p = asked?.payload as { reason?: string; by?: string } | undefined;
    if (p) ctl.stopRequest = { reason: p.reason ?? `stop requested${p.by ? ` by ${p.by}` : ''}` };
  }

  const end = ctl.recorder.end;
  const stop = ctl.stopRequest;
  let status: RunStatus;
  let reason: string;
  if (stop) {
    // A stop we asked for: the run is `stopped` even if the trainer managed to call it something else,
    // unless it had already diverged/failed on its own.
    status = end && (end.status === 'diverged' || end.status === 'failed') ? end.status : 'stopped';
    reason = status === 'stopped' ? stop.reason : `${end?.reason} (while stopping: ${stop.reason})`;
  } else if (end) {
    status = end.status;
    reason = end.reason || end.status;
  } else if (hung) {
    status = 'lost';
    reason = `no events for ${config.train.heartbeatSeconds}s (hung); killed`;
  } else if (config.trainer.stdoutAdapter && exit.code === 0) {
    // A trainer that only prints has no end event: a clean exit is its way of saying "done".
    status = 'completed';
    reason = 'trainer exited 0 (stdout adapter)';
  } else {
    status = 'failed';
    const tailLine = stderrTail(ctl.runDir);
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
    reason = `trainer ${how} without an end event${tailLine ? `: ${tailLine}` : ''}`;
  }
  const summary = {
    ...ctl.recorder.summary(),
    wallSeconds: (Date.now() - t0) / 1000,
    trainerStatus: end?.status ?? null,
  };
  if (
    !end &&
    config.trainer.stdoutAdapter &&
    summary.valBpb === undefined &&
    summary.lastEvalBpb !== undefined
  ) {
    summary.valBpb = summary.lastEvalBpb; // the printed evals are all such a trainer reports
    if (summary.valLoss === undefined && Number.isFinite(ctl.recorder.lastEval?.valLoss))
      summary.valLoss = ctl.recorder.lastEval!.valLoss;
  }
  if (opts.mapStatus) ({ status, reason } = opts.mapStatus({ status, reason, end }));
  const tampered = opts.verify?.('after', {
    runId: ctl.runId,
    runDir: ctl.runDir,
    codeDir: join(ctl.runDir, 'code'),
  });
  if (tampered) {
    await store.updateRun(ctl.runId, { tags: { tampered: '1' } });
    return store.finishRun(
      ctl.runId,
      'failed',
      `tampered: ${tampered}`,
      { ...summary, tampered },
      stop?.rule,
    );
  }
  return store.finishRun(ctl.runId, status, reason, summary, stop?.rule);
}
