/**
 * The ordered, append-only list of schema migrations, shared by SQLite and Postgres.
 *
 * To change the schema, add a file `NNNN-what.ts` exporting a `Migration` and append it below; never
 * edit or reorder one that has shipped (databases record applied migrations by name). Keep the SQL
 * portable through Kysely's schema builder; where a type must differ use `columnTypes(dialect)`.
 * Each migration runs inside the migrator's transaction (DDL is transactional in both dialects), so a
 * migration that fails leaves the database as it was.
 */
import { init } from './0001-init.ts';
import { research } from './0002-research.ts';
import { findingScale } from './0003-finding-scale.ts';
import { comparableRuns } from './0004-comparable-runs.ts';
import type { Migration } from './types.ts';

export type { Migration, SqlDialect } from './types.ts';

export const MIGRATIONS: readonly Migration[] = [init, research, findingScale, comparableRuns];
