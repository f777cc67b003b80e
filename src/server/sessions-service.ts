/**
 * Research sessions as the dashboard sees them, and the one action on them: a control request
 * (pause / resume / stop) written to `session.control`, which the session loop polls. The loop, not
 * this server, pauses or stops; the session's status changes when it has.
 */
import { FlywheelError } from '../errors.ts';
import type { JournalKind, RunRecord, SessionRecord, SessionStatus, Store } from '../store/base.ts';
import { flatten, varyingKeys } from './run-query.ts';
import { listItem } from './runs-service.ts';
import { bestSoFar, burnDown, proposalTitles, rungs, sessionBudget } from './session-view.ts';
import type { JournalResponse, SessionListItem, SessionView } from './types.ts';

const ENDED: ReadonlySet<SessionStatus> = new Set(['completed', 'stopped', 'failed']);

export function sessionItem(s: SessionRecord): SessionListItem {
  return {
    id: s.id,
    status: s.status,
    statusReason: s.statusReason,
    researcher: s.researcher,
    executor: s.executor,
    parallel: s.parallel,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    endedAt: s.endedAt,
    control: s.control,
    summary: s.summary,
  };
}

export async function listSessions(
  store: Store,
  opts: { status?: SessionStatus[]; limit: number; offset: number },
) {
  const sessions = await store.listSessions({
    status: opts.status?.length ? opts.status : undefined,
    limit: opts.limit,
    offset: opts.offset,
  });
  return { sessions: sessions.map(sessionItem) };
}

export async function requireSession(store: Store, id: string): Promise<SessionRecord> {
  const s = await store.getSession(id);
  if (!s) throw new FlywheelError('not_found', `no session with id "${id}"`);
  return s;
}

export async function sessionView(store: Store, id: string): Promise<SessionView> {
  const session = await requireSession(store, id);
  const [runs, findings, journal] = await Promise.all([
    store.listRuns({ sessionId: id, fields: 'list', orderBy: 'createdAt' }),
    store.listFindings({ sessionId: id }),
    store.listJournal(id),
  ]);
  const flats = runs.map((r) => flatten(r.config));
  const keys = varyingKeys(flats);
  return {
    session,
    budget: sessionBudget(session.spec),
    burn: burnDown(session, runs),
    rungs: rungs(atSessionSize(runs), proposalTitles(session), session.spec.rungTokens),
    best: bestSoFar(session, atSessionSize(runs)),
    runs: runs.map((r, i) => listItem(r, flats[i], keys)),
    keys,
    findings,
    journalCount: journal.length,
  };
}

export async function sessionJournal(
  store: Store,
  id: string,
  opts: { afterSeq?: number; kinds?: JournalKind[]; limit?: number },
): Promise<JournalResponse> {
  await requireSession(store, id);
  return { sessionId: id, entries: await store.listJournal(id, opts) };
}

export type SessionAction = 'pause' | 'resume' | 'stop';

export async function controlSession(
  store: Store,
  id: string,
  action: SessionAction,
): Promise<SessionListItem> {
  const s = await requireSession(store, id);
  if (ENDED.has(s.status))
    throw new FlywheelError('conflict', `session ${id} has ended (${s.status}); nothing to ${action}`);
  if (action === 'pause' && s.status === 'paused')
    throw new FlywheelError('conflict', `session ${id} is already paused`);
  if (action === 'resume' && s.status !== 'paused' && s.control !== 'pause') {
    throw new FlywheelError('conflict', `session ${id} is ${s.status}, not paused`);
  }
  return sessionItem(await store.updateSession(id, { control: action }));
}

/** Runs at the session's own model size: a size ladder's runs (larger models) are shown by its plot. */
const atSessionSize = (runs: RunRecord[]) => runs.filter((r) => r.tags.purpose !== 'ladder');
