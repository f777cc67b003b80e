import type { Kysely } from 'kysely';

export type SqlDialect = 'sqlite' | 'postgres';

export interface Migration {
  /** Unique and sortable, e.g. `0002-sessions`; recorded in `flywheel_migrations` once applied. */
  name: string;
  // A migration sees the schema as it was when it was written, not today's `Database`, hence `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>, dialect: SqlDialect): Promise<void>;
}

/** The few column types that are spelled differently per dialect. */
export function columnTypes(dialect: SqlDialect) {
  return {
    blob: dialect === 'postgres' ? ('bytea' as const) : ('blob' as const),
    /** A 64-bit key; in SQLite `integer primary key` makes it the rowid. */
    feedId: dialect === 'postgres' ? ('bigint' as const) : ('integer' as const),
  };
}
