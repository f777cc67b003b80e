/** Fixtures shared by the two halves of the store suite. */
import assert from 'node:assert/strict';
import { presetConfig } from '../config/presets.ts';
import { TrainConfig } from '../config/train-config.ts';
import { isFlywheelError, type ErrorCode } from '../errors.ts';
import type { NewRun, Store } from './base.ts';

export const CONFIG = TrainConfig.parse(presetConfig('tiny'));

export function newRun(id: string, over: Partial<NewRun> = {}): NewRun {
  return {
    id,
    config: CONFIG,
    configHash: 'hash-a',
    seed: 0,
    runDir: `/tmp/runs/${id}`,
    preset: 'tiny',
    ...over,
  };
}

export async function rejectsWith(p: Promise<unknown>, code: ErrorCode) {
  await assert.rejects(p, (e: unknown) => isFlywheelError(e) && e.code === code);
}

/** Holder so nested helpers see the store of the current test. */
export interface Ctx {
  store: Store;
}
