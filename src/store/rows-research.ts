/** Mapping between the research tables (sessions, journal, findings, ideas, feed) and the records of base.ts. */
import type { Selectable } from 'kysely';
import type {
  FeedItem,
  FindingRecord,
  JournalEntry,
  SessionRecord,
  SessionStatus,
  TriedIdea,
} from './base.ts';
import { parseJson, safeText } from './rows.ts';
import type { FeedTable, FindingsTable, IdeasTable, JournalTable, SessionsTable } from './schema.ts';

type Row<T> = Selectable<T>;
const opt = <T>(v: T | null | undefined): T | undefined => (v === null || v === undefined ? undefined : v);
/** Copies the defined values of `from` onto `into` (absent stays absent, as in the records). */
function defined<T extends object>(into: T, from: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(from)) if (v !== undefined) (into as Record<string, unknown>)[k] = v;
  return into;
}
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export function sessionToRow(s: SessionRecord): Row<SessionsTable> {
  return {
    id: s.id,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    ended_at: s.endedAt ?? null,
    status: s.status,
    status_reason: safeText(s.statusReason) ?? null,
    researcher: s.researcher,
    executor: s.executor,
    parallel: s.parallel,
    spec: JSON.stringify(s.spec),
    state: JSON.stringify(s.state),
    summary: JSON.stringify(s.summary),
    control: s.control ?? null,
    owner_pid: s.ownerPid ?? null,
    host: s.host ?? null,
  };
}

export function sessionFromRow(r: Row<SessionsTable>): SessionRecord {
  const s = {
    id: r.id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    status: r.status as SessionStatus,
    researcher: r.researcher,
    executor: r.executor,
    parallel: Number(r.parallel),
    spec: parseJson<Record<string, unknown>>(r.spec),
    state: parseJson<Record<string, unknown>>(r.state),
    summary: parseJson<Record<string, unknown>>(r.summary),
  } as SessionRecord;
  return defined(s, {
    endedAt: opt(r.ended_at),
    statusReason: opt(r.status_reason),
    control: opt(r.control),
    ownerPid: r.owner_pid === null ? undefined : Number(r.owner_pid),
    host: opt(r.host),
  });
}

export function journalToRow(e: JournalEntry, seq: number, ts: string): Row<JournalTable> {
  return {
    session_id: e.sessionId,
    seq,
    ts,
    kind: e.kind,
    title: safeText(e.title),
    body: safeText(e.body) ?? null,
    proposal_id: e.proposalId ?? null,
    run_ids: JSON.stringify(e.runIds ?? []),
    data: json(e.data),
  };
}

/** `runIds` is always present on the way out ([] when none was given). */
export function journalFromRow(r: Row<JournalTable>): JournalEntry {
  const e: JournalEntry = {
    sessionId: r.session_id,
    seq: Number(r.seq),
    ts: r.ts,
    kind: r.kind as JournalEntry['kind'],
    title: r.title,
    runIds: parseJson<string[]>(r.run_ids),
  };
  return defined(e, {
    body: opt(r.body),
    proposalId: opt(r.proposal_id),
    data: r.data === null ? undefined : parseJson(r.data),
  });
}

export function findingToRow(f: FindingRecord, seq: number, createdAt: string): Row<FindingsTable> {
  return {
    id: f.id,
    seq,
    session_id: f.sessionId,
    created_at: createdAt,
    title: safeText(f.title),
    statement: safeText(f.statement),
    change: json(f.change),
    effect: f.effect ?? null,
    ci95: json(f.ci95),
    n: f.n ?? null,
    confirmed: f.confirmed ? 1 : 0,
    config_hash: f.configHash ?? null,
    config: json(f.config),
    run_ids: JSON.stringify(f.runIds ?? []),
    scale: f.scale ? JSON.stringify(f.scale) : null,
  };
}

export function findingFromRow(r: Row<FindingsTable>): FindingRecord {
  const f: FindingRecord = {
    id: r.id,
    sessionId: r.session_id,
    createdAt: r.created_at,
    title: r.title,
    statement: r.statement,
    confirmed: Number(r.confirmed) === 1,
    runIds: parseJson<string[]>(r.run_ids),
  };
  return defined(f, {
    change: r.change === null ? undefined : parseJson(r.change),
    effect: r.effect === null ? undefined : Number(r.effect),
    ci95: r.ci95 === null ? undefined : parseJson(r.ci95),
    n: r.n === null ? undefined : Number(r.n),
    configHash: opt(r.config_hash),
    config: r.config === null ? undefined : parseJson(r.config),
    scale: r.scale === null || r.scale === undefined ? undefined : parseJson(r.scale),
  });
}

export function ideaToRow(i: TriedIdea, createdAt: string): Row<IdeasTable> {
  return {
    key: i.key,
    title: safeText(i.title),
    session_id: i.sessionId,
    proposal_id: i.proposalId ?? null,
    outcome: i.outcome ?? null,
    created_at: createdAt,
  };
}

export function ideaFromRow(r: Row<IdeasTable>): TriedIdea {
  const i: TriedIdea = { key: r.key, title: r.title, sessionId: r.session_id, createdAt: r.created_at };
  return defined(i, { proposalId: opt(r.proposal_id), outcome: opt(r.outcome) });
}

/** A feed item before its id is allocated; `payload` is already JSON. */
export interface FeedWrite {
  topic: FeedItem['topic'];
  runId?: string;
  sessionId?: string;
  payload: string;
}

export const feedRow = (id: number, ts: string, w: FeedWrite): Row<FeedTable> => ({
  id,
  ts,
  topic: w.topic,
  run_id: w.runId ?? null,
  session_id: w.sessionId ?? null,
  payload: w.payload,
});

export function feedFromRow(r: Row<FeedTable>, payload: unknown): FeedItem {
  const item: FeedItem = { id: Number(r.id), ts: r.ts, topic: r.topic as FeedItem['topic'], payload };
  return defined(item, { runId: opt(r.run_id), sessionId: opt(r.session_id) });
}

/** The reference a metrics feed row stores instead of the points (see FeedTable in schema.ts). */
export interface MetricsRef {
  kind: string;
  seq: number; // first metric_chunks.seq of the append
  chunks: number;
}
export const metricsRef = (kind: string, seq: number, chunks: number) =>
  `{"kind":${JSON.stringify(kind)},"seq":${seq},"chunks":${chunks}}`;

/** The feed payload of a stored event, built around its already-serialised payload. */
export const eventFeedPayload = (seq: number, ts: string, kind: string, payloadJson: string) =>
  `{"seq":${seq},"ts":${JSON.stringify(ts)},"kind":${JSON.stringify(kind)},"payload":${payloadJson}}`;

export const FEED_KEEP = 100_000; // newest items kept
export const FEED_PRUNE_EVERY = 1000; // writes whose ids cross a multiple of this prune the older ones

/** The id at or below which items may be deleted, when the ids [first, last] cross a prune point; else 0. */
export function feedPruneBelow(first: number, last: number): number {
  const crossed = Math.floor(last / FEED_PRUNE_EVERY) > Math.floor((first - 1) / FEED_PRUNE_EVERY);
  return crossed && last > FEED_KEEP ? last - FEED_KEEP : 0;
}
