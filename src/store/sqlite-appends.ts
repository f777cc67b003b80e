/**
 * The SQLite fast path for the two hot writes, appendMetrics and appendEvents: cached prepared
 * statements run in one synchronous `BEGIN IMMEDIATE` transaction. Same checks, rows and sequence
 * numbers as the Kysely path in kysely-store.ts (the shared suite runs both); it exists because
 * Kysely compiles and prepares every statement on every call (~30 us each on the reference machine),
 * which made a one-point append 6x slower than these ~45 us (see BENCHMARKS.md "Store ingestion").
 * Each append also writes its feed item(s) here, in the same transaction (kysely-research.ts explains
 * the feed; a metrics item is a reference to the chunks, not a second copy of the points).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { StoredEvent } from './base.ts';
import { isLive, notFound } from './kysely-store.ts';
import type { EncodedChunk } from './metric-codec.ts';
import { chunkRows, eventRows } from './rows.ts';
import { eventFeedPayload, feedPruneBelow, metricsRef } from './rows-research.ts';

type Max = { max: number | null } | undefined;

export class SqliteAppends {
  private readonly status: BetterSqlite3.Statement<[string], { status: string; session_id: string | null }>;
  private readonly maxChunk: BetterSqlite3.Statement<[string, string], Max>;
  private readonly insertChunk: BetterSqlite3.Statement;
  private readonly maxEvent: BetterSqlite3.Statement<[string], Max>;
  private readonly insertEvent: BetterSqlite3.Statement;
  private readonly maxFeed: BetterSqlite3.Statement<[], Max>;
  private readonly insertFeed: BetterSqlite3.Statement<
    [number, string, string, string, string | null, string]
  >;
  private readonly pruneFeed: BetterSqlite3.Statement<[number]>;

  /** Prepare after migrating: the statements name the tables. */
  constructor(raw: BetterSqlite3.Database) {
    this.status = raw.prepare('select status, session_id from runs where id = ?');
    this.maxChunk = raw.prepare('select max(seq) as max from metric_chunks where run_id = ? and kind = ?');
    this.insertChunk = raw.prepare(
      'insert into metric_chunks (run_id, kind, seq, n_points, fields, step_first, step_last, data) ' +
        'values (@run_id, @kind, @seq, @n_points, @fields, @step_first, @step_last, @data)',
    );
    this.maxEvent = raw.prepare('select max(seq) as max from events where run_id = ?');
    this.insertEvent = raw.prepare(
      'insert into events (run_id, seq, ts, kind, payload) values (@run_id, @seq, @ts, @kind, @payload)',
    );
    this.maxFeed = raw.prepare('select max(id) as max from feed');
    this.insertFeed = raw.prepare(
      'insert into feed (id, ts, topic, run_id, session_id, payload) values (?, ?, ?, ?, ?, ?)',
    );
    this.pruneFeed = raw.prepare('delete from feed where id <= ?');
  }

  /** Feed items of one run, numbered after the newest; prunes old items when the ids cross a prune point. */
  private feed(topic: 'metrics' | 'event', runId: string, session: string | null, payloads: string[]): void {
    const id0 = (this.maxFeed.get()?.max ?? 0) + 1;
    const ts = new Date().toISOString();
    for (let i = 0; i < payloads.length; i++)
      this.insertFeed.run(id0 + i, ts, topic, runId, session, payloads[i]);
    const below = feedPruneBelow(id0, id0 + payloads.length - 1);
    if (below > 0) this.pruneFeed.run(below);
  }

  /** Inside an immediate transaction: the run's session, or false when the run has ended (the points are dropped). */
  private live(runId: string): { session: string | null } | false {
    const row = this.status.get(runId);
    if (!row) throw notFound(runId);
    return isLive(row.status) && { session: row.session_id };
  }

  metrics(runId: string, kind: string, chunks: EncodedChunk[]): void {
    const live = this.live(runId);
    if (!live) return;
    const seq0 = (this.maxChunk.get(runId, kind)?.max ?? 0) + 1;
    for (const row of chunkRows(runId, kind, chunks, seq0)) this.insertChunk.run(row);
    this.feed('metrics', runId, live.session, [metricsRef(kind, seq0, chunks.length)]);
  }

  events(runId: string, events: StoredEvent[]): void {
    const live = this.live(runId);
    if (!live) return;
    const seq0 = (this.maxEvent.get(runId)?.max ?? 0) + 1;
    const rows = eventRows(runId, events, seq0);
    for (const row of rows) this.insertEvent.run(row);
    this.feed(
      'event',
      runId,
      live.session,
      rows.map((r) => eventFeedPayload(r.seq, r.ts, r.kind, r.payload)),
    );
  }
}
