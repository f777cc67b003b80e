/**
 * SQLite backend: Kysely over better-sqlite3, one file shared by any number of processes.
 *
 * - WAL: readers never block the writer or each other; a reader sees the last committed transaction,
 *   also after a writer was SIGKILLed (the next opener replays or discards the WAL tail).
 * - synchronous=NORMAL: a committed transaction survives a process crash; only an OS crash or power
 *   loss can undo the last few (base.ts allows this).
 * - Every write is one `BEGIN IMMEDIATE` transaction: it takes the single write lock up front, so it can
 *   never fail half-way on a lock upgrade. While another process holds the lock SQLite's busy handler
 *   waits (busy_timeout); past that the whole transaction is retried with jittered backoff, so 16
 *   concurrent writer processes lose nothing. Within a process, Kysely's single-connection mutex
 *   serialises transactions.
 * - appendMetrics/appendEvents take a faster path over cached prepared statements (sqlite-appends.ts).
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { FlywheelError } from '../errors.ts';
import type { MetricKind, MetricPoint, StoredEvent } from './base.ts';
import { checkKind, KyselyStore } from './kysely-store.ts';
import { encodeChunks } from './metric-codec.ts';
import type { Database } from './schema.ts';
import { SqliteAppends } from './sqlite-appends.ts';

/**
 * Create the database file owner-only (0600) before SQLite opens it: it holds prompts, proposals and
 * run logs. SQLite gives the -wal and -shm files the database file's mode. An existing file keeps its
 * mode (a team may share one on purpose). SECURITY.md, "Smaller guarantees".
 */
function createPrivate(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

const BUSY_TIMEOUT_MS = 2_000; // blocking wait inside SQLite per attempt
const RETRY_FOR_MS = 120_000; // then async retries up to this long in all

export class SqliteStore extends KyselyStore {
  readonly kind = 'sqlite' as const;
  protected readonly rowLocks = false;

  private appends?: SqliteAppends;

  private constructor(
    readonly path: string,
    db: Kysely<Database>,
    private readonly raw: BetterSqlite3.Database,
  ) {
    super(db);
  }

  /** Opens (creating if needed) the database file; call `migrate()` before use. */
  static async open(path: string): Promise<SqliteStore> {
    if (path !== ':memory:') createPrivate(path);
    const raw = new BetterSqlite3(path);
    try {
      raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // Switching to WAL needs a moment of exclusive access; several processes opening a fresh file
      // at once may see SQLITE_BUSY here.
      const mode = await retryBusy(() => raw.pragma('journal_mode = WAL', { simple: true }));
      if (mode !== 'wal' && path !== ':memory:') {
        throw new FlywheelError(
          'internal',
          `${path}: SQLite refused WAL mode (got "${mode}"); is it on a network filesystem?`,
        );
      }
      raw.pragma('synchronous = NORMAL');
      raw.pragma('foreign_keys = ON');
    } catch (e) {
      raw.close();
      throw e;
    }
    return new SqliteStore(
      path,
      new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) }),
      raw,
    );
  }

  override async appendMetrics(runId: string, kind: MetricKind, points: MetricPoint[]): Promise<void> {
    checkKind(kind);
    if (points.length === 0) return;
    const chunks = encodeChunks(points); // before taking the write lock
    await this.syncTx((a) => a.metrics(runId, kind, chunks));
  }

  override async appendEvents(runId: string, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.syncTx((a) => a.events(runId, events));
  }

  /** `fn` in one synchronous BEGIN IMMEDIATE transaction, holding Kysely's connection mutex. */
  private syncTx(fn: (a: SqliteAppends) => void): Promise<void> {
    return this.db.connection().execute(() =>
      retryBusy(() => {
        this.appends ??= new SqliteAppends(this.raw);
        const appends = this.appends;
        this.raw.transaction(() => fn(appends)).immediate();
      }),
    );
  }

  protected async exclusive(): Promise<void> {
    // BEGIN IMMEDIATE already made this transaction the only writer.
  }

  protected writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    // `connection()` holds Kysely's single-connection mutex for the whole callback.
    return this.db.connection().execute((conn) =>
      retryBusy(async () => {
        await sql`begin immediate`.execute(conn);
        try {
          const out = await fn(conn);
          await sql`commit`.execute(conn);
          return out;
        } catch (e) {
          // A failed COMMIT leaves the transaction open; either way nothing of it is kept.
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw e;
        }
      }),
    );
  }
}

export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Re-runs `fn` while SQLite reports the database busy or locked, with jittered backoff up to RETRY_FOR_MS. */
export async function retryBusy<T>(fn: () => T | Promise<T>): Promise<T> {
  const start = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isBusy(e) || Date.now() - start > RETRY_FOR_MS) throw e;
      await sleep(Math.random() * Math.min(100, 2 ** attempt));
    }
  }
}
