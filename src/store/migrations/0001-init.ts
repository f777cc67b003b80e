/** Runs, compact metric chunks, raw events, artifacts; see ../schema.ts for why each column is what it is. */
import { columnTypes, type Migration } from './types.ts';

export const init: Migration = {
  name: '0001-init',
  async up(db, dialect) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('heartbeat_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('status_reason', 'text')
      .addColumn('stop_rule', 'text')
      .addColumn('session_id', 'text')
      .addColumn('parent_run_id', 'text')
      .addColumn('preset', 'text')
      .addColumn('config_hash', 'text', (c) => c.notNull())
      .addColumn('seed', 'integer', (c) => c.notNull())
      .addColumn('run_dir', 'text', (c) => c.notNull())
      .addColumn('pid', 'integer')
      .addColumn('val_bpb', 'double precision')
      .addColumn('tokens', 'double precision')
      .addColumn('flops', 'double precision')
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('host', 'text')
      .addColumn('python', 'text')
      .addColumn('torch', 'text')
      .addColumn('device', 'text')
      .addColumn('code_commit', 'text')
      .addColumn('code_diff', 'text')
      .addColumn('code_hash', 'text')
      .addColumn('harness_hash', 'text')
      .addColumn('data_hash', 'text')
      .addColumn('executor', 'text')
      .execute();
    // One index per list query: all runs by time, by status, by session, seeds of one config, a preset,
    // the leaderboard, recently finished.
    const indexes: [string, string[]][] = [
      ['runs_created', ['created_at', 'seq']],
      ['runs_status_created', ['status', 'created_at']],
      ['runs_session_created', ['session_id', 'created_at']],
      ['runs_config_hash_bpb', ['config_hash', 'val_bpb']],
      ['runs_preset_created', ['preset', 'created_at']],
      ['runs_val_bpb', ['val_bpb']],
      ['runs_ended', ['ended_at']],
    ];
    for (const [name, columns] of indexes)
      await db.schema.createIndex(name).on('runs').columns(columns).execute();

    await db.schema
      .createTable('metric_chunks')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('n_points', 'integer', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('step_first', 'double precision')
      .addColumn('step_last', 'double precision')
      .addColumn('data', t.blob, (c) => c.notNull())
      .addPrimaryKeyConstraint('metric_chunks_pk', ['run_id', 'kind', 'seq'])
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ts', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('events_pk', ['run_id', 'seq'])
      .execute();
    // Cross-run event queries ("every monitor stop", "all malformed lines") without scanning every run.
    await db.schema.createIndex('events_kind_ts').on('events').columns(['kind', 'ts']).execute();

    await db.schema
      .createTable('artifacts')
      .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bigint')
      .addColumn('sha256', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('artifacts_pk', ['run_id', 'name'])
      .execute();
  },
};
