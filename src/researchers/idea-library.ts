/**
 * The idea library: known pre-training changes as diffs from the current best, tried as one-at-a-time
 * ablations. Expected effects are our honest guesses for the CPU presets (val bpb ~2-3, budgets of
 * minutes), small on purpose: most published gains were measured at 124M+ parameters and billions of
 * tokens. Sources: the nanoGPT speedrun (modded-nanogpt, Keller Jordan et al. 2024-25), nanochat
 * (Karpathy 2025), and the papers named in each hypothesis.
 */
import type { TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { roundSig, type ConfigSet } from './config-diff.ts';
import type { Idea, IdeaContext } from './idea.ts';
import { MIXTURE_IDEAS } from './mixture-ideas.ts';
import { SHAPE_IDEAS } from './shape-trades.ts';

export type { DomainInfo, Idea, IdeaContext } from './idea.ts';

const MUON_LR = 0.02; // nanochat's matrix LR; modded-nanogpt runs 0.05 with a similar shape rescale

/**
 * Muon's extra compute relative to the base: Newton-Schulz runs `muonNsSteps` iterations per step on every
 * hidden matrix (m x n, m <= n: 4 m^2 n + 2 m^3 FLOPs each), against 6 N FLOPs per token of the step.
 */
export function muonCost(b: TrainConfig, ctx: IdeaContext): number {
  const C = b.model.width;
  const H = Math.round(b.model.mlpRatio * C);
  const ns = (m: number, n: number) => 4 * Math.min(m, n) ** 2 * Math.max(m, n) + 2 * Math.min(m, n) ** 3;
  const perStep = b.optim.muonNsSteps * b.model.depth * (ns(C, 3 * C) + ns(C, C) + 2 * ns(C, H));
  return 1 + perStep / (flopsPerToken(b.model, ctx.vocabSize) * b.train.batchTokens);
}

/** Compute per token of `next` relative to `base` (1 = same): FLOPs/token, times Muon's overhead where used. */
export function relativeCost(base: TrainConfig, next: TrainConfig, ctx: IdeaContext): number {
  const perToken = (c: TrainConfig) =>
    flopsPerToken(c.model, ctx.vocabSize) * (c.optim.name === 'muon' ? muonCost(c, ctx) : 1);
  return perToken(next) / perToken(base);
}

/** Scale the AdamW-side LRs (optim.lr under adamw, optim.adamLr under muon) and any explicit embedLr. */
function scaleAdamLrs(b: TrainConfig, k: number): ConfigSet {
  const set: ConfigSet =
    b.optim.name === 'muon'
      ? { 'optim.adamLr': roundSig(b.optim.adamLr * k) }
      : { 'optim.lr': roundSig(b.optim.lr * k) };
  if (b.optim.embedLr !== undefined) set['optim.embedLr'] = roundSig(b.optim.embedLr * k);
  return set;
}

function batchMove(b: TrainConfig, k: number): ConfigSet {
  // Adam's square-root rule (Malladi et al. 2022); Muon's orthogonalised step has a fixed norm, no batch rule.
  return { 'train.batchTokens': b.train.batchTokens * k, ...scaleAdamLrs(b, Math.sqrt(k)) };
}

const isMultipleOfSeq = (b: TrainConfig, tokens: number) =>
  tokens >= b.model.seqLen && tokens % b.model.seqLen === 0;

export const CORE_IDEAS: Idea[] = [
  {
    id: 'muon',
    title: 'Muon for hidden matrices',
    hypothesis:
      'Orthogonalised momentum (Newton-Schulz) gives every direction of a weight matrix the same step size; in the ' +
      'nanoGPT speedrun Muon reached the target loss in ~2/3 of the AdamW tokens and nanochat uses it for all ' +
      `matrices. Muon LR ${MUON_LR} (optim.lr); embeddings/head/norms stay in AdamW at the current LR (optim.adamLr).`,
    expectedEffect: -0.04,
    tags: ['optimizer'],
    applies: (b) => b.optim.name === 'adamw',
    change: (b) => ({ 'optim.name': 'muon', 'optim.lr': MUON_LR, 'optim.adamLr': b.optim.lr }),
  },
  {
    id: 'rope',
    title: 'Rotary position embeddings',
    hypothesis:
      'RoPE (Su et al. 2021) puts relative position into q.k instead of a learned absolute table the model must ' +
      'first learn; it was the first modded-nanogpt record and is standard (nanochat, Llama).',
    expectedEffect: -0.015,
    tags: ['architecture'],
    applies: (b) => b.model.position === 'learned' && (b.model.width / b.model.heads) % 2 === 0,
    change: () => ({ 'model.position': 'rope' }),
  },
  {
    id: 'untied-zero-init-head',
    title: 'Untied zero-init head',
    hypothesis:
      'A separate lm_head, zero-initialised with the residual output projections, starts every block as the ' +
      'identity and lets input and output embeddings specialise (modded-nanogpt untied the head and zero-inits ' +
      'projections; nanochat too). Same matmul FLOPs; more embedding parameters.',
    expectedEffect: -0.01,
    tags: ['architecture', 'init'],
    applies: (b) => b.model.tiedEmbeddings || !b.model.zeroInitProj,
    change: () => ({ 'model.tiedEmbeddings': false, 'model.zeroInitProj': true }),
  },
  {
    id: 'wsd-long-warmdown',
    title: 'WSD with a long warmdown',
    hypothesis:
      'Warmup-stable-decay with the last 45 % decaying linearly to 0 matches or beats cosine at a fixed budget ' +
      '(Hägele et al. 2024; modded-nanogpt lengthened its cooldown record by record); it also lets successive ' +
      'halving resume promoted runs from the stable-phase checkpoint.',
    expectedEffect: -0.008,
    tags: ['schedule'],
    applies: (b) =>
      b.schedule.name === 'cosine' || b.schedule.warmdownFrac < 0.35 || b.schedule.minLrFrac > 0,
    change: () => ({ 'schedule.name': 'wsd', 'schedule.warmdownFrac': 0.45, 'schedule.minLrFrac': 0 }),
  },
  {
    id: 'softcap-15',
    title: 'Logit softcap 15',
    hypothesis:
      '15 tanh(logits/15) bounds the output logits, which keeps early training from over-confident spikes ' +
      '(modded-nanogpt record: cap 30, later 15; Gemma 2 uses 30).',
    expectedEffect: -0.005,
    tags: ['architecture', 'stability'],
    applies: (b) => b.model.logitSoftcap === 0,
    change: () => ({ 'model.logitSoftcap': 15 }),
  },
  {
    id: 'softcap-30',
    title: 'Logit softcap 30',
    hypothesis:
      'The gentler cap of Gemma 2 and the first modded-nanogpt softcap record: bounds logits, rarely binds.',
    expectedEffect: -0.003,
    tags: ['architecture', 'stability'],
    applies: (b) => b.model.logitSoftcap === 0,
    change: () => ({ 'model.logitSoftcap': 30 }),
  },
  {
    id: 'relu2',
    title: 'ReLU² MLP activation',
    hypothesis:
      'ReLU squared (Primer, So et al. 2021) is sparse and slightly better than GELU; a modded-nanogpt record and nanochat default.',
    expectedEffect: -0.005,
    tags: ['architecture'],
    applies: (b) => b.model.activation === 'gelu',
    change: () => ({ 'model.activation': 'relu2' }),
  },
  {
    id: 'qk-norm',
    title: 'QK-norm',
    hypothesis:
      'RMS-normalising q and k per head bounds attention logits, removing the logit-growth instability at high LR ' +
      '(Dehghani et al. 2023; Wortsman et al. 2023 small-scale proxies); used in modded-nanogpt, nanochat, OLMo 2.',
    expectedEffect: -0.004,
    tags: ['architecture', 'stability'],
    applies: (b) => !b.model.qkNorm,
    change: () => ({ 'model.qkNorm': true }),
  },
  {
    id: 'rmsnorm',
    title: 'RMSNorm',
    hypothesis:
      'RMSNorm (Zhang & Sennrich 2019) drops the mean-centering: as good as LayerNorm and a little faster, so a seconds budget sees more tokens.',
    expectedEffect: -0.002,
    tags: ['architecture'],
    applies: (b) => b.model.norm === 'layernorm',
    change: () => ({ 'model.norm': 'rmsnorm' }),
  },
  {
    id: 'lr-x2',
    title: 'LR x2',
    hypothesis:
      'Short runs of small models usually prefer a higher peak LR than presets copied from longer runs (the LR ' +
      'optimum shrinks with width and horizon; muP, Yang et al. 2022). Under Muon this is the Muon LR.',
    expectedEffect: -0.004,
    tags: ['optimizer', 'lr'],
    applies: () => true,
    change: (b) => ({
      'optim.lr': roundSig(b.optim.lr * 2),
      ...(b.optim.name === 'adamw' ? scaleAdamLrs(b, 2) : {}),
    }),
  },
  {
    id: 'lr-x0.5',
    title: 'LR x0.5',
    hypothesis:
      'The other side of the LR probe: if the current LR is past the edge of stability the loss curve is noisy and a lower LR wins.',
    expectedEffect: 0,
    tags: ['optimizer', 'lr'],
    applies: () => true,
    change: (b) => ({
      'optim.lr': roundSig(b.optim.lr / 2),
      ...(b.optim.name === 'adamw' ? scaleAdamLrs(b, 0.5) : {}),
    }),
  },
  {
    id: 'adam-lr-x2',
    title: 'AdamW-group LR x2 (under Muon)',
    hypothesis:
      'Under Muon the embeddings, head and norms keep AdamW; their LR was tuned for AdamW on everything and modded-nanogpt runs embeddings far hotter.',
    expectedEffect: -0.003,
    tags: ['optimizer', 'lr'],
    applies: (b) => b.optim.name === 'muon',
    change: (b) => scaleAdamLrs(b, 2),
  },
  {
    id: 'adam-lr-x0.5',
    title: 'AdamW-group LR x0.5 (under Muon)',
    hypothesis: 'The other side of the AdamW-group LR probe under Muon.',
    expectedEffect: 0,
    tags: ['optimizer', 'lr'],
    applies: (b) => b.optim.name === 'muon',
    change: (b) => scaleAdamLrs(b, 0.5),
  },
  {
    id: 'batch-x0.5',
    title: 'Batch size x0.5 (LR x0.71)',
    hypothesis:
      'Half the tokens per step doubles the steps in the same token budget; far below the critical batch size ' +
      '(McCandlish et al. 2018) that is nearly free progress per token. AdamW LR scaled by sqrt(1/2) (Malladi et al. 2022).',
    expectedEffect: -0.006,
    tags: ['optimizer', 'batch'],
    applies: (b) => isMultipleOfSeq(b, b.train.batchTokens / 2),
    change: (b) => batchMove(b, 0.5),
  },
  {
    id: 'batch-x2',
    title: 'Batch size x2 (LR x1.41)',
    hypothesis:
      'Twice the tokens per step: fewer, less noisy steps and higher CPU throughput (more tokens in a seconds ' +
      'budget). Expected slightly worse per token at this scale; AdamW LR scaled by sqrt(2).',
    expectedEffect: 0.002,
    tags: ['optimizer', 'batch'],
    applies: (b) => isMultipleOfSeq(b, b.train.batchTokens * 2),
    change: (b) => batchMove(b, 2),
  },
  {
    id: 'warmup-x0.5',
    title: 'Warmup x0.5',
    hypothesis:
      'Short runs spend a large share of their tokens in warmup; Muon runs in modded-nanogpt use little or none.',
    expectedEffect: -0.002,
    tags: ['schedule'],
    applies: (b) => b.schedule.warmupTokens > 0,
    change: (b) => ({ 'schedule.warmupTokens': Math.floor(b.schedule.warmupTokens / 2) }),
  },
  {
    id: 'warmup-x2',
    title: 'Warmup x2 (or 10 steps)',
    hypothesis:
      'A longer warmup lets Adam second moments settle before the peak LR (Kosson et al. 2024); helps if early loss spikes.',
    expectedEffect: 0,
    tags: ['schedule'],
    applies: () => true,
    change: (b) => ({
      'schedule.warmupTokens':
        b.schedule.warmupTokens > 0 ? 2 * b.schedule.warmupTokens : 10 * b.train.batchTokens,
    }),
  },
  {
    id: 'wd-x0.5',
    title: 'Weight decay x0.5',
    hypothesis:
      'In short, under-trained runs weight decay mostly slows fitting; its regularising benefit shows at long horizons (Andriushchenko et al. 2023).',
    expectedEffect: -0.002,
    tags: ['optimizer', 'regularisation'],
    applies: (b) => b.optim.weightDecay > 0,
    change: (b) => ({ 'optim.weightDecay': roundSig(b.optim.weightDecay / 2) }),
  },
  {
    id: 'wd-x2',
    title: 'Weight decay x2 (or 0.05)',
    hypothesis:
      'More decay keeps the weight norm and so the effective LR in check late in training, which WSD/cosine decays then exploit.',
    expectedEffect: 0,
    tags: ['optimizer', 'regularisation'],
    applies: () => true,
    change: (b) => ({
      'optim.weightDecay': b.optim.weightDecay > 0 ? roundSig(b.optim.weightDecay * 2) : 0.05,
    }),
  },
];

/** Every library idea: core changes, fixed-FLOP shape trades, mixture re-weighting. */
export const IDEA_LIBRARY: Idea[] = [...CORE_IDEAS, ...SHAPE_IDEAS, ...MIXTURE_IDEAS];
