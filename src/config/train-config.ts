/**
 * TrainConfig: everything that determines a training run. It is validated once at the edge
 * (CLI, API, researcher proposals), resolved against a preset, and written verbatim to
 * `$FLYWHEEL_RUN_DIR/config.json`, which is the only input the trainer reads.
 *
 * Units are in the names: `*Tokens`, `*Seconds`, `*Flops`, `*Frac` (0..1 of the run's budget).
 */
import { z } from 'zod';
import { checkKnobValue } from './spec-knobs.ts';
import { TrainerSpec } from './trainer-spec.ts';

export const ModelConfig = z
  .object({
    depth: z.number().int().min(1).max(128), // transformer blocks (n_layer)
    width: z.number().int().min(8).max(16384), // residual width (n_embd)
    heads: z.number().int().min(1).max(256), // attention heads; width % heads == 0
    seqLen: z.number().int().min(8).max(32768), // context length in tokens
    mlpRatio: z.number().min(0.5).max(16).default(4), // hidden = mlpRatio * width
    norm: z.enum(['layernorm', 'rmsnorm']).default('layernorm'),
    position: z.enum(['learned', 'rope']).default('learned'),
    activation: z.enum(['gelu', 'relu2']).default('gelu'),
    qkNorm: z.boolean().default(false), // normalise q and k per head before the dot product
    tiedEmbeddings: z.boolean().default(true), // lm_head shares the token embedding matrix
    zeroInitProj: z.boolean().default(false), // zero-init attention/MLP output projections (and an untied head)
    logitSoftcap: z.number().min(0).max(1000).default(0), // 0 = off; else cap * tanh(logits / cap)
    dropout: z.number().min(0).max(0.9).default(0),
    bias: z.boolean().default(false), // biases in Linear and LayerNorm
  })
  .strict();

export const OptimConfig = z
  .object({
    name: z.enum(['adamw', 'muon']).default('adamw'),
    lr: z.number().positive().max(1e4), // base LR: AdamW for all params, or Muon for 2-D hidden matrices
    // Per-group LRs. With adamw they default to `lr`; with muon `lr` is the Muon LR of the hidden 2-D
    // matrices and these default to `adamLr` (the AdamW group: embeddings, head, norms/biases).
    embedLr: z.number().positive().max(1e4).optional(),
    headLr: z.number().positive().max(1e4).optional(),
    scalarLr: z.number().positive().max(1e4).optional(),
    adamLr: z.number().positive().max(1e4).default(3e-3),
    beta1: z.number().min(0).max(0.9999).default(0.9),
    beta2: z.number().min(0).max(0.99999).default(0.95),
    eps: z.number().positive().max(1).default(1e-8),
    weightDecay: z.number().min(0).max(10).default(0.1), // decoupled, on 2-D matrices only
    gradClip: z.number().min(0).max(1e6).default(1.0), // 0 = off; global grad-norm clip
    muonMomentum: z.number().min(0).max(0.9999).default(0.95),
    muonNsSteps: z.number().int().min(1).max(20).default(5), // Newton–Schulz iterations
  })
  .strict();

export const ScheduleConfig = z
  .object({
    name: z.enum(['cosine', 'wsd']).default('cosine'),
    // Warmup is absolute (tokens) so that a WSD run resumed under a larger budget keeps the same warmup.
    warmupTokens: z.number().int().min(0).default(0),
    warmdownFrac: z.number().min(0).max(1).default(0.2), // wsd: last fraction of the budget decays linearly to minLrFrac
    minLrFrac: z.number().min(0).max(1).default(0.1), // final LR as a fraction of the peak
  })
  .strict();

export const TrainLoopConfig = z
  .object({
    batchTokens: z
      .number()
      .int()
      .min(8)
      .max(1 << 26), // tokens per optimizer step (batch * seqLen)
    microBatchTokens: z
      .number()
      .int()
      .min(8)
      .max(1 << 26)
      .optional(), // per forward pass; grad accumulation if smaller
    logEveryTokens: z.number().int().min(0).optional(), // a `train` event at most this often (default: every step)
    evalEveryTokens: z.number().int().min(1).optional(), // an `eval` event this often (default: ~8 per run)
    evalTokensPerDomain: z.number().int().min(16).default(8192), // intermediate evals: fixed prefix of each val set
    finalEvalTokensPerDomain: z.number().int().min(16).default(32768), // the final eval that defines valBpb
    // the final eval also scores this many tokens per domain (summary.alsoEval): a research session's
    // lower-rung base run, capped for ranking, scored as its full-budget runs are for the compute law
    alsoEvalTokensPerDomain: z.number().int().min(16).optional(),
    device: z.enum(['auto', 'cpu', 'cuda', 'mps']).default('auto'),
    dtype: z.enum(['auto', 'float32', 'bfloat16', 'float16']).default('auto'), // auto: bf16 autocast on CUDA, fp32 on CPU
    compile: z.enum(['auto', 'on', 'off']).default('auto'), // torch.compile when torch>=2 and CUDA
    threads: z.number().int().min(1).max(512).optional(), // torch.set_num_threads on CPU
    checkpointAtStable: z.boolean().default(false), // wsd: save a checkpoint when the warmdown begins
    checkpointEveryTokens: z.number().int().min(1).optional(),
    divergenceFactor: z.number().min(1).default(3), // loss > factor * initial loss => diverged
    heartbeatSeconds: z.number().positive().default(60), // max silence before the orchestrator calls the run hung
  })
  .strict();

/** A data domain's name, as `prepare` makes them (src/data/source-dir.ts): lower case, digits, `_`, `-`. */
export const DOMAIN_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const DataConfig = z
  .object({
    dir: z.string().optional(), // prepared dataset directory (resolved by the CLI)
    vocabSize: z.number().int().min(257).max(65535).optional(), // tokenizer knob (prepare); filled from the dataset
    // domain -> weight; normalised by the trainer; {} = by size
    mixture: z.record(z.string().regex(DOMAIN_NAME, 'not a domain name'), z.number().min(0)).default({}),
  })
  .strict();

export const BudgetConfig = z
  .object({
    seconds: z.number().positive().optional(), // wall seconds of training (excludes startup)
    tokens: z.number().positive().optional(),
    flops: z.number().positive().optional(),
  })
  .strict()
  .refine((b) => b.seconds !== undefined || b.tokens !== undefined || b.flops !== undefined, {
    message: 'a budget needs at least one of seconds, tokens, flops',
  });

/** For trainers that print instead of writing events: regexes over stdout lines, named groups = event fields. */
export const StdoutAdapterConfig = z
  .object({
    train: z.string().optional(), // e.g. "iter (?<step>\\d+): loss (?<loss>[\\d.]+)"
    eval: z.string().optional(), // e.g. "val loss (?<valLoss>[\\d.]+)"
  })
  .strict();

export const TrainerConfig = z
  .object({
    // Default: the reference trainer `trainers/gpt/train.py`. A foreign trainer is any command.
    command: z.array(z.string()).min(1).optional(),
    dir: z.string().optional(), // directory holding the trainer code (snapshotted per run)
    stdoutAdapter: StdoutAdapterConfig.optional(),
    // A script the user brings (README "Bring your own trainer"): how to run it; its knobs are `knobs.*`.
    spec: TrainerSpec.optional(),
  })
  .strict();

export const ResumeConfig = z
  .object({
    checkpoint: z.string(), // path to a checkpoint written by the trainer
  })
  .strict();

export const TrainConfig = z
  .object({
    preset: z.string().optional(),
    model: ModelConfig,
    optim: OptimConfig,
    schedule: ScheduleConfig,
    train: TrainLoopConfig,
    data: DataConfig,
    budget: BudgetConfig,
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
    trainer: TrainerConfig.default({}),
    resume: ResumeConfig.optional(),
    // values of a spec trainer's knobs (trainer.spec.knobs), checked against their search space
    knobs: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.knobs) {
      const spec = c.trainer.spec;
      for (const [name, v] of Object.entries(c.knobs)) {
        const bad = spec ? checkKnobValue(spec, name, v) : 'knobs need a trainer spec (--trainer)';
        if (bad) ctx.addIssue({ code: 'custom', path: ['knobs', name], message: bad });
      }
    }
    if (c.model.width % c.model.heads !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'heads'],
        message: `model.width=${c.model.width} is not divisible by model.heads=${c.model.heads}`,
      });
    } else if (c.model.position === 'rope' && (c.model.width / c.model.heads) % 2 !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'heads'],
        message: `RoPE needs an even head size; width/heads = ${c.model.width / c.model.heads}`,
      });
    }
    if (c.train.batchTokens < c.model.seqLen) {
      ctx.addIssue({
        code: 'custom',
        path: ['train', 'batchTokens'],
        message: `train.batchTokens=${c.train.batchTokens} is smaller than model.seqLen=${c.model.seqLen}`,
      });
    }
  });

export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;
export type ModelConfig = z.infer<typeof ModelConfig>;
export type BudgetConfig = z.infer<typeof BudgetConfig>;

/** The vocabulary a config trains with when its dataset does not say (prepare's default; data/prepare.ts explains 2048). */
export const DEFAULT_VOCAB = 2048;

export const vocabOf = (c: { data: { vocabSize?: number } }): number => c.data.vocabSize ?? DEFAULT_VOCAB;
