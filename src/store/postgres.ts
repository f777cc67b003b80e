/**
 * Postgres backend: the same Kysely implementation over a `pg` Pool. Writes lock the run's row
 * (`for no key update`, which still lets foreign-key checks of concurrent inserts through), store-wide
 * steps (migrations, run sequence numbers) take a transaction-scoped advisory lock, so several
 * processes may migrate and write at once. `schema` (optional) puts every table in that schema via
 * the connection's search_path; tests use it to get a fresh, disposable database per test.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { FlywheelError } from '../errors.ts';
import { KyselyStore } from './kysely-store.ts';
import { applyMigrations } from './migrate.ts';
import type { Database } from './schema.ts';

export interface PostgresOptions {
  url: string; // postgres://user:password@host:port/db
  schema?: string; // default: the server's search_path (public)
  poolSize?: number;
}

export class PostgresStore extends KyselyStore {
  readonly kind = 'postgres' as const;
  protected readonly rowLocks = true;

  private constructor(
    db: Kysely<Database>,
    private readonly schema: string | undefined,
  ) {
    super(db);
  }

  static async open(opts: PostgresOptions): Promise<PostgresStore> {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
      throw new FlywheelError('bad_input', `invalid postgres schema name "${opts.schema}"`);
    }
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      options: opts.schema ? `-c search_path=${opts.schema}` : undefined,
    });
    // An idle client that loses its connection (server restart, timeout) emits 'error' on the pool; without
    // a listener Node would crash the process. The pool drops that client; the next query reconnects.
    pool.on('error', (e) => process.stderr.write(`flywheel: postgres connection lost: ${e.message}\n`));
    try {
      const client = await pool.connect();
      client.release();
    } catch (e) {
      await pool.end();
      throw new FlywheelError(
        'missing_dependency',
        `cannot connect to Postgres at ${redact(opts.url)}: ${(e as Error).message}`,
      );
    }
    return new PostgresStore(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), opts.schema);
  }

  override async migrate(): Promise<void> {
    await this.writeTx(async (trx) => {
      await this.exclusive(trx, 'migrate');
      if (this.schema) await sql`create schema if not exists ${sql.id(this.schema)}`.execute(trx);
      await applyMigrations(trx, this.kind);
    });
  }

  protected writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  protected async exclusive(trx: Kysely<Database>, name: string): Promise<void> {
    const key = `flywheel:${this.schema ?? ''}:${name}`;
    await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}
