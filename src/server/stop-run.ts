/**
 * Stopping a live run from the dashboard. The run belongs to another process (the `flywheel run` or
 * `research` orchestrator in `run.tags.owner`); this server never finishes the run itself. It
 *   1. records a `stop` event (who asked, why), so the request is visible whatever happens next, and
 *   2. sends SIGTERM to the trainer when it runs on this host and its pid still is that trainer.
 * The trainer then writes `end` with status `stopped`, and its orchestrator records the final status.
 * PIDs get reused: before signalling, /proc/<pid>/environ must name this run's FLYWHEEL_RUN_DIR.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { FlywheelError } from '../errors.ts';
import { pidAlive, signalTrainer } from '../runs/process.ts';
import { isTerminal, type RunRecord, type Store } from '../store/base.ts';
import type { StopResponse } from './types.ts';

/** Whether /proc says `pid` is the trainer of `runDir`. Undefined where /proc is not readable. */
function isTrainerOf(pid: number, runDir: string): boolean | undefined {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
    return env.split('\0').includes(`FLYWHEEL_RUN_DIR=${runDir}`);
  } catch {
    return undefined;
  }
}

export function canSignal(run: RunRecord): { ok: boolean; why: string } {
  if (!run.pid) return { ok: false, why: 'the run has no trainer process yet' };
  if (run.host && run.host !== hostname())
    return { ok: false, why: `the trainer runs on ${run.host}, not here` };
  if (!pidAlive(run.pid)) return { ok: false, why: `trainer pid ${run.pid} is not alive` };
  if (isTrainerOf(run.pid, run.runDir) === false)
    return { ok: false, why: `pid ${run.pid} is no longer this run's trainer` };
  return { ok: true, why: '' };
}

export async function stopRun(
  store: Store,
  id: string,
  reason = 'stopped from dashboard',
): Promise<StopResponse> {
  const run = await store.getRun(id);
  if (!run) throw new FlywheelError('not_found', `no run with id "${id}"`);
  if (isTerminal(run.status)) throw new FlywheelError('conflict', `run ${id} is already ${run.status}`);
  await store.appendEvents(id, [
    { ts: new Date().toISOString(), kind: 'stop', payload: { reason, by: 'dashboard' } },
  ]);
  const can = canSignal(run);
  let signalled = false;
  if (can.ok) {
    try {
      signalTrainer(run.pid!, 'SIGTERM');
      signalled = true;
    } catch (e) {
      can.why = `SIGTERM to pid ${run.pid} failed: ${(e as Error).message}`;
    }
  }
  return {
    runId: id,
    signalled,
    status: run.status,
    message: signalled
      ? `SIGTERM sent to trainer pid ${run.pid}; its orchestrator records the final status`
      : `stop request recorded; could not signal the trainer: ${can.why}`,
  };
}
