/**
 * No zombie runs: at start-up, any run still marked queued/running whose orchestrator process is gone
 * (killed, crashed, machine rebooted) is settled. Its trainer, if still alive, is stopped; the events it
 * wrote after the orchestrator died are ingested (nothing the trainer produced is lost); then the run
 * gets the status its own end event says, or `lost`.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isFlywheelError } from '../errors.ts';
import type { RunRecord, Store } from '../store/base.ts';
import { EventTail } from './event-tail.ts';
import { parseEventLine } from './events.ts';
import { pidAlive, signalTrainer } from './process.ts';
import { RunRecorder } from './recorder.ts';
import { MAX_MALFORMED_LINES } from './supervise.ts';

function ownerOf(run: RunRecord): { host: string; pid: number } | undefined {
  const m = /^(.*):(\d+)$/.exec(run.tags.owner ?? '');
  return m ? { host: m[1], pid: Number(m[2]) } : undefined;
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pidAlive(pid);
}

/**
 * Ingest the part of events.jsonl the store does not have yet. The store holds a prefix of the file
 * (the recorder appends in file order), so the first N train/eval lines and already-stored
 * start/checkpoint/end events only refresh the summary state.
 */
export async function catchUpEvents(store: Store, run: RunRecord): Promise<RunRecorder> {
  const rec = new RunRecorder(store, run.id);
  // read like the launcher reads it: no symlink followed, line-bounded, a chunk at a time (event-tail.ts)
  const tail = new EventTail(join(run.runDir, 'events.jsonl'));
  const have = await store.getMetrics(run.id);
  let skipTrain = have.train.length;
  let skipEval = have.eval.length;
  const stored = await store.listEvents(run.id, { kinds: ['start', 'checkpoint', 'end', 'malformed'] });
  const counts = new Map<string, number>();
  for (const e of stored) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  const ingest = (line: string) => {
    const parsed = parseEventLine(line);
    const kind = parsed.ok ? parsed.event.kind : 'malformed';
    let persist = true;
    if (kind === 'train' && skipTrain > 0) {
      skipTrain--;
      persist = false;
    } else if (kind === 'eval' && skipEval > 0) {
      skipEval--;
      persist = false;
    } else if ((counts.get(kind) ?? 0) > 0) {
      counts.set(kind, counts.get(kind)! - 1);
      persist = false;
    }
    rec.ingestLine(line, persist);
  };
  for (let at = -1; at !== tail.bytesRead && rec.malformed <= MAX_MALFORMED_LINES;) {
    at = tail.bytesRead;
    for (const line of tail.poll()) ingest(line);
  }
  for (const line of tail.flushPartial()) ingest(line);
  return rec;
}

/** A Slurm job left by a dead orchestrator: SIGTERM (the trainer ends itself), then cancel. */
async function cancelSlurmJob(jobId: string, graceMs: number): Promise<boolean> {
  const q = () => spawnSync('squeue', ['-h', '-j', jobId, '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  const state = q();
  if (state.status !== 0 || !state.stdout.trim()) return false; // gone (or no Slurm here)
  spawnSync('scancel', ['--signal=TERM', '--full', jobId], { timeout: 10_000 });
  const until = Date.now() + graceMs;
  while (Date.now() < until && q().stdout.trim()) await new Promise((r) => setTimeout(r, 500));
  if (q().stdout.trim()) spawnSync('scancel', [jobId], { timeout: 10_000 });
  return true;
}

export interface ReconcileResult {
  runId: string;
  status: string;
  killedTrainer: boolean;
}

/** Settle runs left behind by dead orchestrators on this host. `onlyIds` narrows it (e.g. a session's runs). */
export async function reconcileOrphans(
  store: Store,
  opts: { onlyIds?: string[]; graceMs?: number } = {},
): Promise<ReconcileResult[]> {
  const me = hostname();
  const open = await store.listRuns({ status: ['queued', 'running'], ids: opts.onlyIds });
  const out: ReconcileResult[] = [];
  for (const run of open) {
    const owner = ownerOf(run);
    if (owner && owner.host !== me) continue; // another machine's run: not ours to judge
    if (owner && owner.pid !== process.pid && pidAlive(owner.pid)) continue; // its orchestrator is alive
    if (owner && owner.pid === process.pid) continue;
    let killedTrainer = false;
    if (run.tags.jobId && !run.pid) {
      killedTrainer = await cancelSlurmJob(run.tags.jobId, opts.graceMs ?? 10_000);
    } else if (run.pid && run.host === me && pidAlive(run.pid)) {
      signalTrainer(run.pid, 'SIGTERM');
      if (!(await waitForExit(run.pid, opts.graceMs ?? 10_000))) signalTrainer(run.pid, 'SIGKILL');
      await waitForExit(run.pid, 5000);
      killedTrainer = true;
    }
    const rec = await catchUpEvents(store, run);
    await rec.flush();
    const end = rec.end;
    const status = end ? end.status : 'lost';
    const reason = end
      ? `${end.reason || end.status} (orchestrator ${run.tags.owner ?? '?'} died; settled at next start)`
      : `orchestrator ${run.tags.owner ?? '?'} died${killedTrainer ? '; trainer stopped' : ''}`;
    try {
      await store.finishRun(run.id, status, reason, rec.summary());
      out.push({ runId: run.id, status, killedTrainer });
    } catch (e) {
      if (!(isFlywheelError(e) && e.code === 'conflict')) throw e; // someone else settled it first
    }
  }
  return out;
}
