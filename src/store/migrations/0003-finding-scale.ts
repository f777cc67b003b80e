/**
 * Findings carry what a win is worth beyond its session: its compute multiplier, its size-ladder
 * verdicts and the attribution of a multi-knob win to its knobs (README "What a win is worth"). One
 * JSON column, so later evidence kinds need no migration of their own.
 */
import type { Migration } from './types.ts';

export const findingScale: Migration = {
  name: '0003-finding-scale',
  async up(db) {
    await db.schema.alterTable('findings').addColumn('scale', 'text').execute();
  },
};
