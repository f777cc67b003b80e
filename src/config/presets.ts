/**
 * Named starting points. `tiny` is for tests (a whole run, process start to exit, in well under 15 s on
 * 2 CPU cores); `small` is the CPU research default (~1-2 min); `gpt2-124m` is GPT-2 small for a GPU.
 * Numbers here are tuned on the reference machine; see README "Presets" for the measured timings.
 */
import { FlywheelError } from '../errors.ts';
import type { TrainConfigInput } from './train-config.ts';

export const PRESET_NAMES = ['tiny', 'small', 'gpt2-124m'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Record<PresetName, TrainConfigInput> = {
  tiny: {
    preset: 'tiny',
    model: { depth: 2, width: 64, heads: 2, seqLen: 64 },
    optim: { name: 'adamw', lr: 3e-3, weightDecay: 0.1 },
    schedule: { name: 'cosine', warmupTokens: 8192 },
    train: { batchTokens: 2048, evalTokensPerDomain: 2048, finalEvalTokensPerDomain: 4096, heartbeatSeconds: 30 },
    data: { mixture: {} },
    budget: { tokens: 300_000, seconds: 12 },
    seed: 0,
  },
  small: {
    preset: 'small',
    model: { depth: 4, width: 128, heads: 4, seqLen: 128 },
    optim: { name: 'adamw', lr: 3e-3, weightDecay: 0.1 },
    schedule: { name: 'cosine', warmupTokens: 32768 },
    train: { batchTokens: 8192, evalTokensPerDomain: 8192, finalEvalTokensPerDomain: 32768 },
    data: { mixture: {} },
    budget: { seconds: 90 },
    seed: 0,
  },
  'gpt2-124m': {
    preset: 'gpt2-124m',
    model: { depth: 12, width: 768, heads: 12, seqLen: 1024, dropout: 0 },
    optim: { name: 'adamw', lr: 6e-4, weightDecay: 0.1, beta1: 0.9, beta2: 0.95 },
    schedule: { name: 'cosine', warmupTokens: 700 * 524_288 },
    train: {
      batchTokens: 524_288,
      microBatchTokens: 16 * 1024,
      evalTokensPerDomain: 65_536,
      finalEvalTokensPerDomain: 262_144,
      device: 'auto',
      dtype: 'auto',
      compile: 'auto',
    },
    data: { mixture: {}, vocabSize: 32768 },
    budget: { tokens: 10e9 },
    seed: 0,
  },
};

export function presetConfig(name: string): TrainConfigInput {
  const p = PRESETS[name as PresetName];
  if (!p) throw new FlywheelError('bad_input', `unknown preset "${name}" (choose one of ${PRESET_NAMES.join(', ')})`);
  return structuredClone(p);
}
