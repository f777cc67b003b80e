/**
 * Applies pending migrations. The caller runs this inside its exclusive write transaction (SQLite:
 * BEGIN IMMEDIATE; Postgres: a transaction holding an advisory lock), so processes that open a fresh
 * database at the same moment queue up: the first applies everything, the rest find nothing to do.
 * We use this instead of Kysely's Migrator because that one takes no cross-process lock on SQLite.
 */
import type { Kysely } from 'kysely';
import { FlywheelError } from '../errors.ts';
import { MIGRATIONS, type Migration, type SqlDialect } from './migrations/index.ts';
import type { Database } from './schema.ts';

export async function applyMigrations(
  db: Kysely<Database>,
  dialect: SqlDialect,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  checkOrder(migrations);
  await db.schema
    .createTable('flywheel_migrations')
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('applied_at', 'text', (c) => c.notNull())
    .execute();
  const rows = await db.selectFrom('flywheel_migrations').select('name').execute();
  const done = new Set(rows.map((r) => r.name));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    try {
      await m.up(db, dialect);
    } catch (e) {
      throw new FlywheelError('internal', `store migration ${m.name} failed: ${(e as Error).message}`, e);
    }
    await db
      .insertInto('flywheel_migrations')
      .values({ name: m.name, applied_at: new Date().toISOString() })
      .execute();
    applied.push(m.name);
  }
  return applied;
}

function checkOrder(migrations: readonly Migration[]) {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i - 1].name >= migrations[i].name) {
      throw new FlywheelError(
        'internal',
        `migrations out of order: ${migrations[i - 1].name} before ${migrations[i].name}`,
      );
    }
  }
}
