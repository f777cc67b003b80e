/**
 * Runs by dataset and trainer code, newest first: what cross-session analyses read (the offline
 * researcher's warm start from earlier sessions' runs, triage from history, the researcher's
 * `analyze_importance` and `compare_runs` tools). One bounded index range per question instead of a
 * scan of every run ever stored.
 */
import type { Migration } from './types.ts';

export const comparableRuns: Migration = {
  name: '0004-comparable-runs',
  async up(db) {
    await db.schema
      .createIndex('runs_data_code_created')
      .on('runs')
      .columns(['data_hash', 'code_hash', 'created_at', 'seq'])
      .execute();
  },
};
