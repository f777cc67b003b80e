/**
 * The research half of the Kysely Store (sessions, journal, findings, tried ideas) and the change feed;
 * kysely-store.ts extends it with runs, metrics, events and artifacts.
 *
 * The feed: every change writes its item in the same transaction as the change (`writeFeed`, last, so
 * the lock it takes is held briefly), so a reader never sees an item before its data. Ids are `max + 1`
 * under the store's write lock (SQLite: the BEGIN IMMEDIATE lock; Postgres: an advisory lock held to
 * commit), so ids become visible in increasing order across processes: a reader polling
 * `readFeed(lastId)` never skips an item. Writes whose ids cross a multiple of FEED_PRUNE_EVERY delete
 * items older than the newest FEED_KEEP (one range delete on the primary key).
 *
 * Choices the contract leaves open: listSessions, listFindings and listIdeas are newest first;
 * `addFinding` with an existing id replaces it (keeping its createdAt and position), so a finding can be
 * marked confirmed later; `recordIdea` keeps the first title/session and updates only the outcome;
 * `updateSession({ control: null })` clears a handled control request; journal writes need the session.
 */
import type { Kysely } from 'kysely';
import { FlywheelError } from '../errors.ts';
import { JOURNAL_KINDS, SESSION_STATUSES } from './base.ts';
import type {
  FeedItem,
  FindingRecord,
  JournalEntry,
  JournalKind,
  MetricPoint,
  NewSession,
  SessionPatch,
  SessionRecord,
  SessionStatus,
  TriedIdea,
} from './base.ts';
import { decodeChunk } from './metric-codec.ts';
import { parseJson, safeText } from './rows.ts';
import {
  feedFromRow,
  feedPruneBelow,
  feedRow,
  findingFromRow,
  findingToRow,
  ideaFromRow,
  ideaToRow,
  journalFromRow,
  journalToRow,
  sessionFromRow,
  sessionToRow,
  type FeedWrite,
  type MetricsRef,
} from './rows-research.ts';
import type { Database, SessionsTable } from './schema.ts';

export const INSERT_ROWS = 200; // rows per INSERT statement: far below both dialects' bound-parameter limits
export const FEED_PAGE = 1000; // readFeed's default limit
const CONTROLS = ['pause', 'resume', 'stop'];
const sessionNotFound = (id: string) => new FlywheelError('not_found', `no session with id "${id}"`);

export abstract class KyselyResearchStore {
  constructor(readonly db: Kysely<Database>) {}

  /** Runs `fn` in a transaction that excludes other writers to the rows it locks; retried where safe. */
  protected abstract writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Serialises writers on a store-wide name (Postgres advisory lock); a no-op where writes are serial anyway. */
  protected abstract exclusive(trx: Kysely<Database>, name: string): Promise<void>;
  /** Whether `select ... for no key update` exists (Postgres) or writes are already exclusive (SQLite). */
  protected abstract readonly rowLocks: boolean;

  // ---- feed ----

  /** Appends `items` to the feed inside the caller's write transaction; call it last. */
  protected async writeFeed(trx: Kysely<Database>, items: FeedWrite[]): Promise<void> {
    if (items.length === 0) return;
    await this.exclusive(trx, 'feed');
    const { max } = await trx
      .selectFrom('feed')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirstOrThrow();
    const id0 = Number(max ?? 0) + 1;
    const ts = new Date().toISOString();
    const rows = items.map((w, i) => feedRow(id0 + i, ts, w));
    for (let i = 0; i < rows.length; i += INSERT_ROWS)
      await trx
        .insertInto('feed')
        .values(rows.slice(i, i + INSERT_ROWS))
        .execute();
    const below = feedPruneBelow(id0, id0 + rows.length - 1);
    if (below > 0) await trx.deleteFrom('feed').where('id', '<=', below).execute();
  }

  async readFeed(afterId: number, limit = FEED_PAGE): Promise<FeedItem[]> {
    const rows = await this.db
      .selectFrom('feed')
      .selectAll()
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    const points = await this.metricsOf(rows.filter((r) => r.topic === 'metrics'));
    return rows.map((r) => {
      if (r.topic !== 'metrics') return feedFromRow(r, parseJson(r.payload));
      const ref = parseJson<MetricsRef>(r.payload);
      return feedFromRow(r, { kind: ref.kind, points: points.get(Number(r.id)) ?? [] });
    });
  }

  /** The points of metrics feed rows, read from the chunks they reference: one query per (run, kind). */
  private async metricsOf(rows: { id: number | string; run_id: string | null; payload: string }[]) {
    const groups = new Map<string, { runId: string; kind: string; lo: number; hi: number }>();
    for (const r of rows) {
      const ref = parseJson<MetricsRef>(r.payload);
      const key = `${r.run_id}\u0000${ref.kind}`;
      const g = groups.get(key) ?? { runId: r.run_id ?? '', kind: ref.kind, lo: ref.seq, hi: ref.seq };
      g.lo = Math.min(g.lo, ref.seq);
      g.hi = Math.max(g.hi, ref.seq + ref.chunks - 1);
      groups.set(key, g);
    }
    const chunks = new Map<string, MetricPoint[]>(); // `${runId}\0${kind}\0${seq}` -> points
    for (const g of groups.values()) {
      const found = await this.db
        .selectFrom('metric_chunks')
        .select(['seq', 'fields', 'n_points', 'data'])
        .where('run_id', '=', g.runId)
        .where('kind', '=', g.kind)
        .where('seq', '>=', g.lo)
        .where('seq', '<=', g.hi)
        .execute();
      for (const c of found) {
        const points = decodeChunk(parseJson<string[]>(c.fields), c.n_points, c.data);
        chunks.set(`${g.runId}\u0000${g.kind}\u0000${Number(c.seq)}`, points);
      }
    }
    const out = new Map<number, MetricPoint[]>(); // feed id -> points of that append
    for (const r of rows) {
      const ref = parseJson<MetricsRef>(r.payload);
      const points: MetricPoint[] = [];
      for (let s = ref.seq; s < ref.seq + ref.chunks; s++)
        for (const p of chunks.get(`${r.run_id}\u0000${ref.kind}\u0000${s}`) ?? []) points.push(p);
      out.set(Number(r.id), points);
    }
    return out;
  }

  async feedHead(): Promise<number> {
    const { max } = await this.db
      .selectFrom('feed')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirstOrThrow();
    return Number(max ?? 0);
  }

  // ---- sessions ----

  async createSession(s: NewSession): Promise<SessionRecord> {
    const now = new Date().toISOString();
    const rec: SessionRecord = {
      ...s,
      createdAt: now,
      updatedAt: now,
      status: s.status ?? 'running',
      state: s.state ?? {},
      summary: s.summary ?? {},
    };
    checkSession(rec);
    const row = sessionToRow(rec);
    await this.writeTx(async (trx) => {
      if (await trx.selectFrom('sessions').select('id').where('id', '=', s.id).executeTakeFirst())
        throw new FlywheelError('conflict', `a session with id "${s.id}" already exists`);
      await trx.insertInto('sessions').values(row).execute();
      await this.writeFeed(trx, [sessionFeed(row)]);
    });
    return sessionFromRow(row);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row && sessionFromRow(row);
  }

  async listSessions(
    opts: { status?: SessionStatus[]; limit?: number; offset?: number } = {},
  ): Promise<SessionRecord[]> {
    if (opts.status?.length === 0) return [];
    let q = this.db.selectFrom('sessions').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (opts.status) q = q.where('status', 'in', opts.status);
    if (opts.limit !== undefined || opts.offset !== undefined)
      q = q.limit(opts.limit ?? Number.MAX_SAFE_INTEGER);
    if (opts.offset !== undefined) q = q.offset(opts.offset);
    return (await q.execute()).map(sessionFromRow);
  }

  /** state and summary are replaced, not merged; `control: null` clears a control request. */
  async updateSession(id: string, patch: SessionPatch): Promise<SessionRecord> {
    const set: Partial<SessionsTable> = { updated_at: new Date().toISOString() };
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.statusReason !== undefined) set.status_reason = safeText(patch.statusReason);
    if (patch.state !== undefined) set.state = JSON.stringify(patch.state);
    if (patch.summary !== undefined) set.summary = JSON.stringify(patch.summary);
    if (patch.control !== undefined) set.control = patch.control ?? null;
    if (patch.ownerPid !== undefined) set.owner_pid = patch.ownerPid;
    if (patch.host !== undefined) set.host = patch.host;
    if (patch.endedAt !== undefined) set.ended_at = patch.endedAt;
    checkSession({ status: set.status, control: set.control });
    const row = await this.writeTx(async (trx) => {
      const q = trx.selectFrom('sessions').selectAll().where('id', '=', id);
      const old = await (this.rowLocks ? q.forNoKeyUpdate() : q).executeTakeFirst();
      if (!old) throw sessionNotFound(id);
      await trx.updateTable('sessions').set(set).where('id', '=', id).execute();
      const row = { ...old, ...set };
      await this.writeFeed(trx, [sessionFeed(row)]);
      return row;
    });
    return sessionFromRow(row);
  }

  // ---- journal ----

  async appendJournal(entries: JournalEntry[]): Promise<JournalEntry[]> {
    if (entries.length === 0) return [];
    for (const e of entries) {
      if (!(JOURNAL_KINDS as readonly string[]).includes(e.kind))
        throw new FlywheelError('bad_input', `unknown journal kind "${e.kind}"`);
    }
    const now = new Date().toISOString();
    return this.writeTx(async (trx) => {
      const next = new Map<string, number>(); // session -> next seq
      // Lock sessions in id order so two multi-session appends cannot deadlock (Postgres).
      for (const sid of [...new Set(entries.map((e) => e.sessionId))].sort()) {
        const q = trx.selectFrom('sessions').select('id').where('id', '=', sid);
        if (!(await (this.rowLocks ? q.forNoKeyUpdate() : q).executeTakeFirst())) throw sessionNotFound(sid);
        const { max } = await trx
          .selectFrom('journal')
          .select((eb) => eb.fn.max('seq').as('max'))
          .where('session_id', '=', sid)
          .executeTakeFirstOrThrow();
        next.set(sid, Number(max ?? 0) + 1);
      }
      const rows = entries.map((e) => {
        const seq = next.get(e.sessionId)!;
        next.set(e.sessionId, seq + 1);
        return journalToRow(e, seq, e.ts ?? now);
      });
      for (let i = 0; i < rows.length; i += INSERT_ROWS)
        await trx
          .insertInto('journal')
          .values(rows.slice(i, i + INSERT_ROWS))
          .execute();
      const out = rows.map(journalFromRow);
      await this.writeFeed(
        trx,
        out.map((e) => ({ topic: 'journal', sessionId: e.sessionId, payload: JSON.stringify(e) })),
      );
      return out;
    });
  }

  async listJournal(
    sessionId: string,
    opts: { kinds?: JournalKind[]; afterSeq?: number; limit?: number } = {},
  ): Promise<JournalEntry[]> {
    if (opts.kinds?.length === 0) return [];
    let q = this.db.selectFrom('journal').selectAll().where('session_id', '=', sessionId);
    if (opts.kinds) q = q.where('kind', 'in', opts.kinds);
    if (opts.afterSeq !== undefined) q = q.where('seq', '>', opts.afterSeq);
    q = q.orderBy('seq');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    const rows = await q.execute();
    if (rows.length === 0 && !(await this.getSession(sessionId))) throw sessionNotFound(sessionId);
    return rows.map(journalFromRow);
  }

  // ---- findings and ideas ----

  async addFinding(f: FindingRecord): Promise<void> {
    await this.writeTx(async (trx) => {
      await this.exclusive(trx, 'findings.seq');
      const old = await trx
        .selectFrom('findings')
        .select(['seq', 'created_at'])
        .where('id', '=', f.id)
        .executeTakeFirst();
      let seq = old ? Number(old.seq) : 0;
      if (!old) {
        const { max } = await trx
          .selectFrom('findings')
          .select((eb) => eb.fn.max('seq').as('max'))
          .executeTakeFirstOrThrow();
        seq = Number(max ?? 0) + 1;
      }
      const row = findingToRow(f, seq, f.createdAt ?? old?.created_at ?? new Date().toISOString());
      if (old) await trx.updateTable('findings').set(row).where('id', '=', f.id).execute();
      else await trx.insertInto('findings').values(row).execute();
      await this.writeFeed(trx, [
        { topic: 'finding', sessionId: f.sessionId, payload: JSON.stringify(findingFromRow(row)) },
      ]);
    });
  }

  async listFindings(
    opts: { sessionId?: string; confirmed?: boolean; limit?: number } = {},
  ): Promise<FindingRecord[]> {
    let q = this.db.selectFrom('findings').selectAll().orderBy('created_at', 'desc').orderBy('seq', 'desc');
    if (opts.sessionId !== undefined) q = q.where('session_id', '=', opts.sessionId);
    if (opts.confirmed !== undefined) q = q.where('confirmed', '=', opts.confirmed ? 1 : 0);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(findingFromRow);
  }

  async recordIdea(idea: TriedIdea): Promise<void> {
    const row = ideaToRow(idea, idea.createdAt ?? new Date().toISOString());
    await this.writeTx(async (trx) => {
      await trx
        .insertInto('ideas')
        .values(row)
        .onConflict((oc) =>
          row.outcome === null
            ? oc.column('key').doNothing()
            : oc.column('key').doUpdateSet({ outcome: row.outcome }),
        )
        .execute();
    });
  }

  async listIdeas(opts: { keys?: string[]; limit?: number } = {}): Promise<TriedIdea[]> {
    if (opts.keys?.length === 0) return [];
    let q = this.db.selectFrom('ideas').selectAll().orderBy('created_at', 'desc').orderBy('key', 'desc');
    if (opts.keys) q = q.where('key', 'in', opts.keys);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(ideaFromRow);
  }
}

function checkSession(s: { status?: string; control?: string | null }) {
  if (s.status !== undefined && !(SESSION_STATUSES as readonly string[]).includes(s.status))
    throw new FlywheelError('bad_input', `unknown session status "${s.status}"`);
  if (s.control !== undefined && s.control !== null && !CONTROLS.includes(s.control))
    throw new FlywheelError('bad_input', `unknown session control "${s.control}"`);
}

function sessionFeed(row: SessionsTable): FeedWrite {
  const payload = {
    id: row.id,
    status: row.status,
    control: row.control ?? undefined,
    summary: parseJson<unknown>(row.summary),
  };
  return { topic: 'session', sessionId: row.id, payload: JSON.stringify(payload) };
}
