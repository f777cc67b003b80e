/**
 * A search space: the knobs a researcher may turn, as dotted TrainConfig paths with their ranges.
 * The offline researcher's Bayesian optimisation samples from it; every proposal is checked against it
 * (a path outside the space is rejected before any compute).
 */
import { z } from 'zod';

export const Knob = z.discriminatedUnion('type', [
  z
    .object({
      path: z.string(),
      type: z.literal('float'),
      low: z.number(),
      high: z.number(),
      log: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      path: z.string(),
      type: z.literal('int'),
      low: z.number().int(),
      high: z.number().int(),
      log: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      path: z.string(),
      type: z.literal('categorical'),
      choices: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1),
    })
    .strict(),
]);
export type Knob = z.infer<typeof Knob>;

export const SearchSpace = z.object({ knobs: z.array(Knob) }).strict();
export type SearchSpace = z.infer<typeof SearchSpace>;

/**
 * The default space for CPU research on the reference trainer (continuous knobs + discrete switches).
 * Ranges tuned for the offline researcher (src/researchers/), each for a reason:
 * - optim.lr reaches 6e-2: with optim.name=muon it is the Muon LR of the hidden matrices, whose good
 *   region (0.02-0.05 in modded-nanogpt and nanochat) sat above the old 3e-2 cap; for AdamW the extra
 *   third of a decade is cheap for TPE to learn away.
 * - optim.adamLr: the AdamW group (embeddings, head, norms) under Muon; without it switching to Muon
 *   could not keep the AdamW LR the current best was tuned with. Up to 0.1 so the presets' 0.03 can be
 *   doubled.
 * - train.batchTokens and schedule.warmupTokens: the ranges here fit no run in particular; a session
 *   sizes both to its own full run and base (`sizedToRun`): a batch can be halved twice (small
 *   batches are usually better per token at this scale, below the critical batch size).
 * - model.zeroInitProj, model.logitSoftcap (off / 15 / 30) and the model shape
 *   (depth, width, heads): knobs the idea library turns (warmup moves, untied zero-init head, softcap,
 *   fixed-FLOP width/depth trades). TPE leaves the shape knobs to those trades: width, heads and the
 *   even head size RoPE needs are coupled, which independent per-knob sampling cannot respect.
 * Mixture weights depend on the dataset: `withMixtureKnobs` (src/researchers/config-diff.ts) adds them.
 */
export const DEFAULT_SEARCH_SPACE: SearchSpace = {
  knobs: [
    { path: 'optim.lr', type: 'float', low: 3e-4, high: 6e-2, log: true },
    { path: 'optim.adamLr', type: 'float', low: 3e-4, high: 1e-1, log: true },
    { path: 'optim.weightDecay', type: 'float', low: 0, high: 0.3, log: false },
    { path: 'optim.beta2', type: 'float', low: 0.9, high: 0.999, log: false },
    { path: 'schedule.warmdownFrac', type: 'float', low: 0.05, high: 0.7, log: false },
    { path: 'schedule.minLrFrac', type: 'float', low: 0, high: 0.3, log: false },
    { path: 'schedule.warmupTokens', type: 'int', low: 0, high: 262144, log: false },
    { path: 'optim.embedLr', type: 'float', low: 1e-3, high: 1e-1, log: true },
    { path: 'train.batchTokens', type: 'int', low: 512, high: 32768, log: true },
    { path: 'optim.name', type: 'categorical', choices: ['adamw', 'muon'] },
    { path: 'schedule.name', type: 'categorical', choices: ['cosine', 'wsd'] },
    { path: 'model.norm', type: 'categorical', choices: ['layernorm', 'rmsnorm'] },
    { path: 'model.position', type: 'categorical', choices: ['learned', 'rope'] },
    { path: 'model.activation', type: 'categorical', choices: ['gelu', 'relu2'] },
    { path: 'model.qkNorm', type: 'categorical', choices: [false, true] },
    { path: 'model.tiedEmbeddings', type: 'categorical', choices: [true, false] },
    { path: 'model.zeroInitProj', type: 'categorical', choices: [false, true] },
    { path: 'model.logitSoftcap', type: 'categorical', choices: [0, 15, 30] },
    { path: 'model.depth', type: 'int', low: 1, high: 24, log: false },
    { path: 'model.width', type: 'int', low: 16, high: 1024, log: true },
    { path: 'model.heads', type: 'int', low: 1, high: 16, log: false },
  ],
};

/** A sized space's warmup: at most this fraction of the full run's tokens. */
export const MAX_WARMUP_FRAC = 0.5;
/** A sized space's batch: at least this many optimizer steps in the full run. */
export const MIN_RUN_STEPS = 32;

/** The knobs `sizedToRun` sizes. */
const SIZED_PATHS = ['schedule.warmupTokens', 'train.batchTokens'] as const;
type SizedPath = (typeof SIZED_PATHS)[number];
const isSized = (path: string): path is SizedPath => (SIZED_PATHS as readonly string[]).includes(path);

/**
 * `space` with the two knobs whose sensible range depends on the run, warmup and batch, sized to a
 * session's full run (`runTokens`) and its base config, so that no draw wastes a run and the base
 * stays inside:
 * - schedule.warmupTokens: 0 up to half the run (never below the base's own warmup);
 * - train.batchTokens (log): a quarter of the base's batch (at least one sequence) up to 16x it, but
 *   no larger than leaves MIN_RUN_STEPS optimizer steps (never below twice the base's batch).
 * The fixed ranges fitted one run length only: at 110,592 tokens, 58 % of warmups in 0-262,144 were
 * longer than the whole run, and 54 % of batches in 512-32,768 left fewer than 32 steps; and the
 * gpt2-124m preset's own batch (524,288) and warmup sat outside them. A knob the space lacks stays out.
 */
export function sizedToRun(
  space: SearchSpace,
  runTokens: number,
  base: { schedule: { warmupTokens: number }; train: { batchTokens: number }; model: { seqLen: number } },
): SearchSpace {
  const b = base.train.batchTokens;
  const ranges: Record<SizedPath, { low: number; high: number }> = {
    'schedule.warmupTokens': {
      low: 0,
      high: Math.max(Math.floor(runTokens * MAX_WARMUP_FRAC), base.schedule.warmupTokens, 1),
    },
    'train.batchTokens': {
      low: Math.max(base.model.seqLen, Math.floor(b / 4)),
      high: Math.max(2 * b, Math.min(16 * b, Math.floor(runTokens / MIN_RUN_STEPS))),
    },
  };
  return {
    knobs: space.knobs.map((k) => (k.type === 'int' && isSized(k.path) ? { ...k, ...ranges[k.path] } : k)),
  };
}

/** The sized knobs' ranges in words, for a session's log: "schedule.warmupTokens 0-55296, ...". */
export function sizedRanges(space: SearchSpace): string {
  return space.knobs
    .flatMap((k) => (k.type === 'int' && isSized(k.path) ? [`${k.path} ${k.low}-${k.high}`] : []))
    .join(', ');
}
