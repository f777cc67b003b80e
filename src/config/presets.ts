/**
 * Named starting points. `tiny` is for tests (a whole run, process start to exit, ~8 s on 2 CPU cores);
 * `small` is the CPU research default (~1.5-2 min with its 90 s budget); `gpt2-124m` is GPT-2 small for
 * a GPU. The CPU numbers were tuned on the reference machine (2 vCPU AMD EPYC, torch 1.13, one thread,
 * default dataset with its 2048-token vocabulary); measured timings: BENCHMARKS.md "Trainer throughput".
 *
 * Why these choices (from token-budget sweeps on the default dataset, val bpb after 300k tokens):
 * - Muon for the hidden matrices: AdamW (lr 3e-3..3e-2) sits on the unigram plateau (~3.1 bpb) for the
 *   first ~200 steps; Muon (lr 0.02, AdamW group 3e-2) leaves it at once: 2.45 vs 3.08.
 * - Small batches and short context: in a CPU minute the budget is a few hundred thousand tokens, far
 *   below the critical batch size, so more steps win (2048 vs 4096 tokens/step: 2.41 vs 2.45), and 64
 *   tokens of context are as good as 128 for these models while 19 % faster per token (2.40 vs 2.41).
 * - ReLU^2 + RMSNorm: -0.03 bpb per token at equal cost. RoPE gave another -0.03 but costs ~5 % speed;
 *   it is left for the research loop to find (its idea library has it).
 * - Width 128 x depth 4: narrower models run at lower MFU on CPU (w96: +8 % tok/s, worse per token).
 */
import { FlywheelError } from '../errors.ts';
import type { TrainConfigInput } from './train-config.ts';

export const PRESET_NAMES = ['tiny', 'small', 'gpt2-124m'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Record<PresetName, TrainConfigInput> = {
  tiny: {
    preset: 'tiny',
    model: { depth: 2, width: 64, heads: 2, seqLen: 64, activation: 'relu2', norm: 'rmsnorm' },
    optim: { name: 'muon', lr: 0.02, adamLr: 3e-2, weightDecay: 0.1 },
    schedule: { name: 'cosine', warmupTokens: 4096 },
    train: {
      batchTokens: 1024,
      evalTokensPerDomain: 1024,
      finalEvalTokensPerDomain: 4096,
      heartbeatSeconds: 30,
    },
    data: { mixture: {} },
    // tokens only (~6 s of training here): a seconds cap would also enter progress() and so the LR
    // schedule, and make the run depend on the machine's load; tests need it deterministic
    budget: { tokens: 200_000 },
    seed: 0,
  },
  small: {
    preset: 'small',
    model: { depth: 4, width: 128, heads: 4, seqLen: 64, activation: 'relu2', norm: 'rmsnorm' },
    optim: { name: 'muon', lr: 0.02, adamLr: 3e-2, weightDecay: 0.1 },
    schedule: { name: 'cosine', warmupTokens: 16_384 },
    train: { batchTokens: 2048, evalTokensPerDomain: 4096, finalEvalTokensPerDomain: 16_384 },
    data: { mixture: {} },
    budget: { seconds: 90 },
    seed: 0,
  },
  'gpt2-124m': {
    // GPT-2 small as in nanoGPT / llm.c (AdamW 6e-4, 0.5M-token batches), for one GPU. 2.5e9 tokens is
    // ~20 tokens per parameter (Chinchilla-optimal), ~1-2 h on an H100 with bf16 + torch.compile.
    preset: 'gpt2-124m',
    model: { depth: 12, width: 768, heads: 12, seqLen: 1024, dropout: 0 },
    optim: { name: 'adamw', lr: 6e-4, weightDecay: 0.1, beta1: 0.9, beta2: 0.95 },
    schedule: { name: 'cosine', warmupTokens: 200 * 524_288 },
    train: {
      batchTokens: 524_288,
      microBatchTokens: 32 * 1024, // 16 micro-steps of 32 x 1024 tokens: fits 80 GB with a 32k vocab
      evalTokensPerDomain: 65_536,
      finalEvalTokensPerDomain: 262_144,
      device: 'auto',
      dtype: 'auto',
      compile: 'auto',
      heartbeatSeconds: 300, // torch.compile's first step and the final eval take minutes of silence
    },
    data: { mixture: {}, vocabSize: 32768 },
    budget: { tokens: 2.5e9 },
    seed: 0,
  },
};

export function presetConfig(name: string): TrainConfigInput {
  const p = PRESETS[name as PresetName];
  if (!p)
    throw new FlywheelError(
      'bad_input',
      `unknown preset "${name}" (choose one of ${PRESET_NAMES.join(', ')})`,
    );
  return structuredClone(p);
}
