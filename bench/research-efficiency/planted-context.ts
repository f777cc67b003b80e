/**
 * Regime (b)'s fixed parts: the planted trainer (a real process speaking the run protocol), the base
 * config it trains (the `small` preset, whose knob values the planted world's gains are stated from) and
 * the world at the reference budget. Regime (b) ignores --preset and --full-tokens: its world is stated
 * for this base and this budget.
 */
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { BenchOptions } from './options.ts';
import { plantedWorld, type PlantedWorld } from './planted-world.ts';

export const PLANTED_TRAINER = join(import.meta.dirname, 'planted_trainer.py');

/** Seconds per planted step unless FLYWHEEL_PLANTED_STEP_SECONDS says otherwise: a full run takes ~1.6 s, slow
 * enough for a pruner or the monitor (polling every 200 ms) to stop a run before it ends. */
export const PLANTED_STEP_SECONDS = '0.03';

/** 54 steps of the small preset's 2048-token batch: rungs of 6 / 18 / 54 steps with eta 3. */
export const PLANTED_FULL_TOKENS = 110_592;

export function plantedBase(): TrainConfig {
  return resolveConfig({
    preset: 'small',
    sets: [`trainer.command=${JSON.stringify(['python3', PLANTED_TRAINER])}`],
  });
}

export const plantedWorldFor = (opts: Pick<BenchOptions, 'plantedSigma'>): PlantedWorld =>
  plantedWorld(PLANTED_FULL_TOKENS, opts.plantedSigma);
