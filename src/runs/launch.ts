/**
 * One training run, end to end: run dir + store row, the trainer process, its event stream into the
 * store, heartbeat, stop requests, and the final status. Executors decide *where* a trainer runs; this
 * file decides what a run *is*. Status mapping:
 *   end event            -> its status (completed | diverged | stopped | failed); a stop we requested wins
 *   no end, we stopped it -> stopped
 *   events.jsonl unreadable or > N bad lines -> failed ("malformed events: ...")
 *   killed by a process/memory limit -> failed ("trainer killed: ...")
 *   wall-clock limit passed -> failed
 *   no end, silent > heartbeat window (no valid event) -> lost ("hung")
 *   no end, exited       -> failed, with the last line of stderr
 * The poll loop and the status decision are in supervise.ts.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { vocabOf } from '../config/train-config.ts';
import { configHash } from '../config/resolve.ts';
import { flywheelHome, repoRoot } from '../home.ts';
import type { RunRecord } from '../store/base.ts';
import { flopsPerToken } from './flops.ts';
import { spawnTrainer, type TrainerProcess } from './process.ts';
import { findPython } from './python.ts';
import { RunRecorder } from './recorder.ts';
import { guardRunCode } from './code-trust.ts';
import { createRunDir, DEFAULT_TRAINER_DIR } from './run-dir.ts';
import { attachSpecAdapter, prepareSpecRun } from './spec-run.ts';
import { snapshotPlan } from './spec-snapshot.ts';
import { StdoutAdapter } from './stdout-adapter.ts';
import { supervise } from './supervise.ts';
import { redact } from '../security/redact.ts';

import { RunController, type LaunchOptions, type ProcessStarter } from './run-controller.ts';

export {
  RunController,
  type LaunchOptions,
  type ProcessStarter,
  type StartProcessArgs,
} from './run-controller.ts';

const localStarter: ProcessStarter = ({ runDir, command, env, limits, cwd }) =>
  spawnTrainer({ command, cwd: cwd ?? runDir, env, logDir: runDir, limits });

/** Start a run; resolves once the trainer process is spawned. `controller.done` settles at the end. */
export async function launchRun(opts: LaunchOptions): Promise<RunController> {
  const { store, config } = opts;
  const snap = config.trainer.spec && !opts.codeFrom ? snapshotPlan(config.trainer.spec) : undefined;
  const dir = createRunDir(config, {
    codeFrom: opts.codeFrom ?? snap?.from,
    provenance: opts.provenance,
    files: snap?.files,
  });
  guardRunCode(dir, opts.codeFrom ?? snap?.from ?? config.trainer.dir ?? DEFAULT_TRAINER_DIR, {
    sandboxed: !!opts.wrapCommand,
    unsafeNoSandbox: opts.unsafeNoSandbox,
  });
  if (snap?.skipped.length)
    writeFileSync(join(dir.runDir, 'snapshot-skipped.txt'), snap.skipped.join('\n') + '\n');
  const vocab = vocabOf(config);
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
      limits: opts.limits,
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
  return opts.store.finishRun(
    ctl.runId,
    'failed',
    redact(`supervision failed: ${msg}`),
    ctl.recorder.summary(),
  );
}

/** Launch and wait. */
export async function runToCompletion(opts: LaunchOptions): Promise<RunRecord> {
  return (await launchRun(opts)).done;
}
