/**
 * Research sessions, their journal, findings, tried ideas, and the global change feed.
 * See ../schema.ts for the column types and ../kysely-research.ts for how feed ids are allocated.
 */
import { columnTypes, type Migration } from './types.ts';

export const research: Migration = {
  name: '0002-research',
  async up(db, dialect) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('researcher', 'text', (c) => c.notNull())
      .addColumn('executor', 'text', (c) => c.notNull())
      .addColumn('parallel', 'integer', (c) => c.notNull())
      .addColumn('spec', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('control', 'text')
      .addColumn('owner_pid', 'integer')
      .addColumn('host', 'text')
      .execute();
    // All sessions newest first; the ones still running (resume, orphan detection).
    await db.schema.createIndex('sessions_created').on('sessions').columns(['created_at', 'id']).execute();
    await db.schema
      .createIndex('sessions_status_created')
      .on('sessions')
      .columns(['status', 'created_at'])
      .execute();

    await db.schema
      .createTable('journal')
      .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ts', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text')
      .addColumn('proposal_id', 'text')
      .addColumn('run_ids', 'text', (c) => c.notNull())
      .addColumn('data', 'text')
      .addPrimaryKeyConstraint('journal_pk', ['session_id', 'seq'])
      .execute();
    // One session's entries of some kinds (kills, conclusions) in order.
    await db.schema
      .createIndex('journal_session_kind')
      .on('journal')
      .columns(['session_id', 'kind', 'seq'])
      .execute();

    await db.schema
      .createTable('findings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull().unique()) // insertion order: tie-break of created_at
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('statement', 'text', (c) => c.notNull())
      .addColumn('change', 'text')
      .addColumn('effect', 'double precision')
      .addColumn('ci95', 'text')
      .addColumn('n', 'integer')
      .addColumn('confirmed', 'integer', (c) => c.notNull()) // 0/1: the same in both dialects
      .addColumn('config_hash', 'text')
      .addColumn('config', 'text')
      .addColumn('run_ids', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('findings_created').on('findings').columns(['created_at', 'seq']).execute();
    await db.schema
      .createIndex('findings_session_created')
      .on('findings')
      .columns(['session_id', 'created_at', 'seq'])
      .execute();

    await db.schema
      .createTable('ideas')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('proposal_id', 'text')
      .addColumn('outcome', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('ideas_created').on('ideas').columns(['created_at', 'key']).execute();

    // The id is allocated by the writer (max + 1 under the store's write lock), not by a sequence:
    // a Postgres sequence hands out ids in call order, not commit order, so a reader could see 7 before
    // 6 commits and skip 6 for good. SQLite's `integer primary key` is the rowid (max(id) is one seek).
    await db.schema
      .createTable('feed')
      .addColumn('id', t.feedId, (c) => c.primaryKey())
      .addColumn('ts', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('session_id', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .execute();
  },
};
