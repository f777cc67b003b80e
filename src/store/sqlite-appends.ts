/**
 * The SQLite fast path for the two hot writes, appendMetrics and appendEvents: cached prepared
 * statements run in one synchronous `BEGIN IMMEDIATE` transaction. Same checks, rows and sequence
 * numbers as the Kysely path in kysely-store.ts (the shared suite runs both); it exists because
 * Kysely compiles and prepares every statement on every call (~30 us each on the reference machine),
 * which made a one-point append 6x slower than these ~45 us (see BENCHMARKS.md "Store ingestion").
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { StoredEvent } from './base.ts';
import { isLive, notFound } from './kysely-store.ts';
import type { EncodedChunk } from './metric-codec.ts';
import { chunkRows, eventRows } from './rows.ts';

type Max = { max: number | null } | undefined;

export class SqliteAppends {
  private readonly status: BetterSqlite3.Statement<[string], { status: string }>;
  private readonly maxChunk: BetterSqlite3.Statement<[string, string], Max>;
  private readonly insertChunk: BetterSqlite3.Statement;
  private readonly maxEvent: BetterSqlite3.Statement<[string], Max>;
  private readonly insertEvent: BetterSqlite3.Statement;

  /** Prepare after migrating: the statements name the tables. */
  constructor(raw: BetterSqlite3.Database) {
    this.status = raw.prepare('select status from runs where id = ?');
    this.maxChunk = raw.prepare('select max(seq) as max from metric_chunks where run_id = ? and kind = ?');
    this.insertChunk = raw.prepare(
      'insert into metric_chunks (run_id, kind, seq, n_points, fields, step_first, step_last, data) ' +
        'values (@run_id, @kind, @seq, @n_points, @fields, @step_first, @step_last, @data)',
    );
    this.maxEvent = raw.prepare('select max(seq) as max from events where run_id = ?');
    this.insertEvent = raw.prepare(
      'insert into events (run_id, seq, ts, kind, payload) values (@run_id, @seq, @ts, @kind, @payload)',
    );
  }

  /** Inside an immediate transaction: false when the run has ended (the points are dropped). */
  private live(runId: string): boolean {
    const row = this.status.get(runId);
    if (!row) throw notFound(runId);
    return isLive(row.status);
  }

  metrics(runId: string, kind: string, chunks: EncodedChunk[]): void {
    if (!this.live(runId)) return;
    const seq0 = (this.maxChunk.get(runId, kind)?.max ?? 0) + 1;
    for (const row of chunkRows(runId, kind, chunks, seq0)) this.insertChunk.run(row);
  }

  events(runId: string, events: StoredEvent[]): void {
    if (!this.live(runId)) return;
    const seq0 = (this.maxEvent.get(runId)?.max ?? 0) + 1;
    for (const row of eventRows(runId, events, seq0)) this.insertEvent.run(row);
  }
}
