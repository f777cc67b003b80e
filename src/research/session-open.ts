/**
 * Opening a research session: a new one (its record, first state and journal entries), or one a crash
 * or kill -9 left behind (`--resume`). Resuming settles the runs that were in flight (their trainers stop
 * themselves when the orchestrator vanishes, or are stopped: `reconcileOrphans`) and hands each run that
 * ended meanwhile to `runEnded`, so its trial goes on as if the session had seen it end; a trial whose
 * run never produced a result is re-queued by `resumed` (core/transitions.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FlywheelError } from '../errors.ts';
import { configFlopsPerToken } from '../runs/flops.ts';
import { pidAlive } from '../runs/process.ts';
import { reconcileOrphans } from '../runs/reconcile.ts';
import type { RunRecord } from '../store/base.ts';
import { withPairing } from './core/paired.ts';
import { SessionSpec } from './core/spec.ts';
import type { SessionState, TrialState } from './core/state.ts';
import * as T from './core/transitions.ts';
import { ideasForRunEnd } from './io/stack-ideas.ts';
import { ResearchSession, type SessionDeps } from './session.ts';

export function newSessionId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `s-${String(d.getUTCFullYear()).slice(2)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}-${randomBytes(4).toString('hex')}`;
}

/** Create the session record, the baseline trials and the first journal entries. */
export async function openSession(deps: SessionDeps, specInput: unknown): Promise<ResearchSession> {
  const spec = withPairing(SessionSpec.parse(specInput));
  const id = newSessionId();
  const ctx = {
    sessionId: id,
    spec,
    baseConfig: spec.baseConfig,
    baseFlopsPerToken: configFlopsPerToken(spec.baseConfig),
  };
  const first = T.created(ctx, { now: new Date().toISOString() });
  const record = await deps.store.createSession({
    id,
    researcher: spec.researcher,
    executor: spec.executor,
    parallel: spec.parallel,
    spec: spec as unknown as Record<string, unknown>,
    state: first.state as unknown as Record<string, unknown>,
    ownerPid: process.pid,
    host: hostname(),
  });
  const s = new ResearchSession(deps, record, spec, first.state);
  await s.apply(() => first);
  return s;
}

/** Load a session after a crash: settle its orphaned runs, re-queue what they were doing. */
export async function reopenSession(deps: SessionDeps, id: string): Promise<ResearchSession> {
  const record = await deps.store.getSession(id);
  if (!record) throw new FlywheelError('not_found', `no session with id "${id}"`);
  if (['completed', 'stopped', 'failed'].includes(record.status)) {
    throw new FlywheelError('conflict', `session ${id} already ended (${record.status}); start a new one`);
  }
  if (
    record.ownerPid &&
    record.ownerPid !== process.pid &&
    record.host === hostname() &&
    pidAlive(record.ownerPid)
  ) {
    throw new FlywheelError(
      'conflict',
      `session ${id} is still running in pid ${record.ownerPid}; stop it first (the dashboard's Stop, or kill ${record.ownerPid})`,
    );
  }
  const spec = SessionSpec.parse(record.spec);
  const state = record.state as unknown as SessionState;
  const runs = await deps.store.listRuns({ sessionId: id });
  await reconcileOrphans(deps.store, {
    onlyIds: runs.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id),
  });
  const s = new ResearchSession(
    deps,
    await deps.store.updateSession(id, {
      status: 'running',
      ownerPid: process.pid,
      host: hostname(),
      control: null,
    }),
    spec,
    state,
  );
  for (const t of state.trials.filter((x) => x.status === 'running')) await settleOrphan(s, t, runs);
  await s.apply((st) => T.resumed(s.ctx, st, { pid: process.pid }));
  return s;
}

/** A trial that was running at the crash: attach its run, and end it if the run ended meanwhile. */
async function settleOrphan(s: ResearchSession, t: TrialState, runs: readonly RunRecord[]): Promise<void> {
  const store = s.deps.store;
  // The run of this rung, found by its tags: the state may have been saved before its id was added.
  const mine = runs.filter((r) => r.tags.trial === t.id && r.tags.rung === String(t.rung));
  const latest = mine.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[mine.length - 1];
  const run = latest ? await store.getRun(latest.id) : undefined;
  if (!run) return;
  await s.apply((st) => T.launched(st, { trialId: t.id, runId: run.id }));
  if (run.status === 'running' || run.status === 'queued') return;
  // its FLOPs were never counted: the orchestrator died before the run ended; a monitor kill is a
  // decision, recovered from the run record (not a run to do again)
  const decision =
    run.status === 'stopped' && run.stopRule
      ? {
          action: 'stop' as const,
          rule: run.stopRule,
          message: run.statusReason ?? run.stopRule,
          evidence: {},
        }
      : undefined;
  const end = {
    trialId: t.id,
    rung: t.rung,
    resumeFrom: run.config.resume?.checkpoint,
    run,
    decision,
    resumed: true,
    now: new Date().toISOString(),
  };
  const ideas = await ideasForRunEnd(store, s.ctx, s.state, end);
  await s.apply((st) => T.runEnded(s.ctx, st, { ...end, ideas }));
}
