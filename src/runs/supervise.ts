/**
 * Watching a started trainer until it exits, then deciding what the run was (the status mapping is in
 * launch.ts's header). One function per job: `watch` (the poll loop: events into the store, heartbeat,
 * stop requests, limits), `decideStatus` (from the end event, the stop request and how it exited),
 * `adapterSummary` (what a stdout-adapter trainer reports) and `tamperCheck` (the integrity hook).
 *
 * Everything the trainer wrote is hostile input (SECURITY.md): events are read line-bounded from a file
 * opened without following symlinks (event-tail.ts); only valid events count as heartbeats; past
 * `maxMalformed` bad lines the run fails `malformed events`; the stderr line quoted in a reason comes
 * from the pipe's in-memory tail (or a capped, no-follow read where only a file has it); every stored
 * reason is redacted of the orchestrator's secrets.
 */
import { join } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import { redact } from '../security/redact.ts';
import { tailLines } from '../security/safe-read.ts';
import type { RunRecord, RunStatus, Store } from '../store/base.ts';
import { EventTail } from './event-tail.ts';
import type { EndEvent, EvalEvent } from './events.ts';
import type { LaunchOptions, RunController } from './run-controller.ts';
import type { ExitInfo, TrainerProcess } from './process.ts';

/** How long supervision retries a failing store (each poll) before it stops the trainer and fails the run. */
const STORE_RETRY_MS = 60_000;
/** Bad lines in events.jsonl before the run fails as `malformed events`. */
export const MAX_MALFORMED_LINES = 1000;

/** A stop asked for from outside (dashboard, another CLI): a `stop` event on the run not written by us. */
export async function externalStop(store: Store, runId: string): Promise<{ reason: string } | undefined> {
  const asked = (await store.listEvents(runId, { kinds: ['stop'] })).find(
    (e) => (e.payload as { by?: string } | null)?.by !== 'orchestrator',
  );
  if (!asked) return undefined;
  const p = asked.payload as { reason?: string; by?: string };
  return { reason: p.reason ?? `stop requested${p.by ? ` by ${p.by}` : ''}` };
}

/** Why the launcher itself ended the run (besides a stop request), if it did. */
type Verdict =
  | { kind: 'hung' }
  | { kind: 'wall'; seconds: number }
  | { kind: 'malformed'; why: string }
  | { kind: 'limit'; why: string };

interface Watched {
  exit: ExitInfo;
  verdict?: Verdict;
}

/** The poll loop: runs until the trainer exits, with every event ingested and flushed. */
async function watch(
  opts: LaunchOptions,
  ctl: RunController,
  proc: TrainerProcess,
  t0: number,
): Promise<Watched> {
  const { store, config } = opts;
  const tail = new EventTail(join(ctl.runDir, 'events.jsonl'));
  const heartbeatMs = config.train.heartbeatSeconds * 1000;
  const wallMs = (opts.wallSeconds ?? defaultWallSeconds(config)) * 1000;
  const maxMalformed = opts.maxMalformedLines ?? MAX_MALFORMED_LINES;
  const graceMs = opts.graceMs ?? 15_000;
  let exit: ExitInfo | undefined;
  void proc.exited.then((x) => (exit = x));
  let verdict: Verdict | undefined;
  let terminating = false;
  let lastValid = t0; // the last valid event (the heartbeat); blank or bad lines do not count
  let lastHeartbeatWrite = 0;
  let lastStopPoll = 0;
  let queuedUntil = 0;
  let storeFailingSince = 0;
  let oversized = 0;

  const drain = (lines: string[]) => {
    for (const line of lines) {
      if (ctl.recorder.malformed > maxMalformed) return; // failing anyway: stop parsing a flood
      const e = ctl.recorder.ingestLine(line);
      if (!e) continue;
      lastValid = Date.now();
      opts.onEvent?.(e, ctl);
    }
    for (; oversized < tail.oversized; oversized++)
      ctl.recorder.noteMalformed('', `line longer than ${tail.maxLineBytes} bytes (skipped unread)`);
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
        lastStopPoll = now;
        const asked = await externalStop(store, ctl.runId);
        if (asked) ctl.stop(asked.reason);
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
    if (!verdict && !exit) verdict = judge(now);
    if (!terminating && !exit && (ctl.stopRequest || verdict)) {
      terminating = true;
      if (verdict?.kind === 'hung') ctl.recorder.note('hung', { silentSeconds: (now - lastValid) / 1000 });
      void proc.terminate(verdict && verdict.kind !== 'wall' ? 1000 : graceMs);
    }
  }
  // what is left after the exit, read to the end (a chunk per poll), unless the run already failed on it
  for (let at = -1; at !== tail.bytesRead && ctl.recorder.malformed <= maxMalformed;) {
    at = tail.bytesRead;
    drain(tail.poll());
  }
  drain(tail.flushPartial());
  const hit = proc.limitHit?.();
  if (hit && !verdict) verdict = { kind: 'limit', why: hit };
  if (!verdict && ctl.recorder.malformed > maxMalformed) verdict = judge(Date.now());
  await ctl.recorder.flush();
  return { exit: exit!, verdict };

  function judge(now: number): Verdict | undefined {
    const since = Math.max(t0, queuedUntil);
    if (tail.refused) return { kind: 'malformed', why: `events.jsonl refused (${tail.refused})` };
    if (ctl.recorder.malformed > maxMalformed)
      return { kind: 'malformed', why: `more than ${maxMalformed} lines that are not events` };
    if (now - Math.max(lastValid, since) > heartbeatMs) return { kind: 'hung' };
    if (wallMs > 0 && now - since > wallMs) return { kind: 'wall', seconds: wallMs / 1000 };
    return undefined;
  }
}

/**
 * The wall-clock limit of a run (seconds; 0 = none): FLYWHEEL_WALL_SECONDS, else 3x its seconds budget
 * plus 5 minutes, else 24 hours. Every run has one, sandboxed or not.
 */
export function defaultWallSeconds(config: TrainConfig, env = process.env): number {
  const v = env.FLYWHEEL_WALL_SECONDS;
  if (v !== undefined && v !== '' && Number.isFinite(Number(v))) return Number(v);
  const s = config.budget.seconds;
  return s ? 3 * s + 300 : 24 * 3600;
}

/** The last line of the trainer's stderr, without ever following a path the trainer could write. */
function lastStderrLine(proc: TrainerProcess, runDir: string): string {
  const text = proc.stderrTail ? proc.stderrTail(1) : tailLines(join(runDir, 'stderr.log'), 1);
  return text.slice(0, 500);
}

/** The run's status and reason, before mapStatus and the tamper check. */
export function decideStatus(
  w: Watched,
  end: EndEvent | undefined,
  stop: RunController['stopRequest'],
  config: TrainConfig,
  stderrLine: () => string,
): { status: RunStatus; reason: string } {
  const v = w.verdict;
  if (v?.kind === 'malformed') return { status: 'failed', reason: `malformed events: ${v.why}` };
  if (v?.kind === 'limit') return { status: 'failed', reason: `trainer killed: ${v.why}` };
  if (v?.kind === 'wall')
    return { status: 'failed', reason: `wall-clock limit of ${v.seconds}s reached; killed` };
  if (stop) {
    // A stop we asked for: the run is `stopped` even if the trainer managed to call it something else,
    // unless it had already diverged/failed on its own.
    const status = end && (end.status === 'diverged' || end.status === 'failed') ? end.status : 'stopped';
    return {
      status,
      reason: status === 'stopped' ? stop.reason : `${end?.reason} (while stopping: ${stop.reason})`,
    };
  }
  if (end) return { status: end.status, reason: end.reason || end.status };
  if (v?.kind === 'hung')
    return { status: 'lost', reason: `no events for ${config.train.heartbeatSeconds}s (hung); killed` };
  if (config.trainer.stdoutAdapter && w.exit.code === 0)
    // A trainer that only prints has no end event: a clean exit is its way of saying "done".
    return { status: 'completed', reason: 'trainer exited 0 (stdout adapter)' };
  const line = stderrLine();
  const how = w.exit.signal ? `killed by ${w.exit.signal}` : `exited with code ${w.exit.code}`;
  return { status: 'failed', reason: `trainer ${how} without an end event${line ? `: ${line}` : ''}` };
}

/** A stdout-adapter trainer has no end event: its last printed eval is all it reports. */
export function adapterSummary(
  summary: RecordSummary,
  config: TrainConfig,
  end: EndEvent | undefined,
  lastEval?: EvalEvent,
): RecordSummary {
  if (
    !end &&
    config.trainer.stdoutAdapter &&
    summary.valBpb === undefined &&
    summary.lastEvalBpb !== undefined
  ) {
    const valLoss =
      summary.valLoss === undefined && Number.isFinite(lastEval?.valLoss)
        ? lastEval?.valLoss
        : summary.valLoss;
    return { ...summary, valBpb: summary.lastEvalBpb, valLoss };
  }
  return summary;
}
type RecordSummary = ReturnType<RunController['recorder']['summary']>;

/** The integrity hook after the run: a message fails it as `tampered` (LaunchOptions.verify). */
export function tamperCheck(opts: LaunchOptions, ctl: RunController): string | undefined {
  return opts.verify?.('after', { runId: ctl.runId, runDir: ctl.runDir, codeDir: join(ctl.runDir, 'code') });
}

/** Supervise a started trainer to its end and store the finished run. */
export async function supervise(
  opts: LaunchOptions,
  ctl: RunController,
  proc: TrainerProcess,
  t0: number,
): Promise<RunRecord> {
  const { store, config } = opts;
  const w = await watch(opts, ctl, proc, t0);
  ctl.stopRequest ??= await externalStop(store, ctl.runId); // stopped from outside before our next poll
  const end = ctl.recorder.end;
  const stop = ctl.stopRequest;
  let { status, reason } = decideStatus(w, end, stop, config, () => lastStderrLine(proc, ctl.runDir));
  let summary = adapterSummary(
    { ...ctl.recorder.summary(), wallSeconds: (Date.now() - t0) / 1000, trainerStatus: end?.status ?? null },
    config,
    end,
    ctl.recorder.lastEval,
  );
  if (opts.mapStatus) ({ status, reason } = opts.mapStatus({ status, reason, end }));
  let tampered = tamperCheck(opts, ctl);
  if (!tampered && opts.judge) {
    // the trusted judge's numbers replace the trainer's (src/judge/apply.ts, SECURITY.md "The judge")
    const j = await opts.judge({
      runId: ctl.runId,
      runDir: ctl.runDir,
      status,
      reason,
      summary,
      trainerStatus: end?.status,
    });
    ({ status, reason, summary, tampered } = j);
  }
  if (tampered) {
    await store.updateRun(ctl.runId, { tags: { tampered: '1' } });
    return store.finishRun(
      ctl.runId,
      'failed',
      redact(`tampered: ${tampered}`),
      { ...summary, tampered },
      stop?.rule,
    );
  }
  return store.finishRun(ctl.runId, status, redact(reason), summary, stop?.rule);
}
