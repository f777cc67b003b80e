/**
 * What the curve corpus is made of: the baseline (the tiny preset, several seeds) and, per planted fault or
 * scary-but-healthy variant, a config knob (`sets`, dotted TrainConfig paths as in `flywheel run --set`) or
 * a test-only trainer patch (./patches.ts). Every run shares the baseline's budget and eval cadence, so it is
 * judged against the baseline band at the same tokens.
 *
 * Labels are by design and then checked against the outcome by the generator (a `healthy` run must end
 * inside the baseline's final band, a `failing` one outside it), so a knob that plants nothing is caught.
 */
import type { PatchName } from './patches.ts';

export type Label = 'failing' | 'healthy';
export type Kind = 'loud' | 'quiet' | 'scary' | 'baseline';

export interface Recipe {
  id: string;
  label: Label;
  kind: Kind;
  why: string;
  sets?: string[];
  patch?: PatchName;
  /**
   * Where a human would kill it: 'band' (default) = the first eval from which the run stays above the
   * baseline band's upper edge to the end; 'first-eval' = as soon as the first eval shows the fault (a
   * setting visible in the events themselves).
   */
  killAt?: 'band' | 'first-eval';
}

export const PRESET = 'tiny';
/** The budget and eval cadence every corpus run shares (~20 periodic evals, one every 5 % of the budget). */
export const COMMON_SETS = ['train.evalEveryTokens=10240', 'train.threads=1'];
export const BUDGET_TOKENS = 200_000;

/** Seeds of the baseline: the first REFERENCE_SEEDS form the band; the rest are judged as healthy runs. */
export const BASELINE_SEEDS = [0, 1, 2, 3, 4, 5, 6, 7];
export const REFERENCE_SEEDS = 5;
/** Seeds of every other recipe. Tuning split: seeds in TUNE_SEEDS; the rest are held out. */
export const RECIPE_SEEDS = [10, 11, 12, 13];
export const TUNE_SEEDS = [10, 11];

export const RECIPES: Recipe[] = [
  { id: 'baseline', label: 'healthy', kind: 'baseline', why: 'the tiny preset as is' },
  // loud
  {
    id: 'lr-far-too-high',
    label: 'failing',
    kind: 'loud',
    why: 'Muon and AdamW LRs 50x / 30x the preset',
    sets: ['optim.lr=1', 'optim.adamLr=1'],
  },
  {
    id: 'exploding-grads',
    label: 'failing',
    kind: 'loud',
    why: 'no grad clipping, no warmup and an AdamW LR 10x too high: gradient norms blow up',
    sets: ['optim.gradClip=0', 'schedule.warmupTokens=0', 'optim.adamLr=0.3', 'optim.lr=0.2'],
  },
  { id: 'nan-init', label: 'failing', kind: 'loud', why: 'bad init overflows to NaN', patch: 'nan-init' },
  // quiet
  {
    id: 'warmup-never-ends',
    label: 'failing',
    kind: 'quiet',
    why: 'warmup of 2M tokens in a 200k-token run: the LR never gets above 10 % of its peak',
    sets: ['schedule.warmupTokens=2000000'],
  },
  {
    id: 'decay-to-zero-early',
    label: 'failing',
    kind: 'quiet',
    why: 'the LR schedule reaches 0 at 20 % of the budget',
    patch: 'decay-to-zero-early',
  },
  {
    id: 'repeat-slice',
    label: 'failing',
    kind: 'quiet',
    why: 'the loader repeats 4 batches: train loss falls while val rises',
    patch: 'repeat-slice',
  },
  { id: 'frozen-mlp', label: 'failing', kind: 'quiet', why: 'every MLP frozen', patch: 'frozen-mlp' },
  {
    id: 'weight-decay-wrecks',
    label: 'failing',
    kind: 'quiet',
    why: 'weight decay 15x the preset slowly shrinks the weights (and the tied embeddings) towards 0',
    sets: ['optim.weightDecay=1.5'],
  },
  {
    id: 'target-shift',
    label: 'failing',
    kind: 'quiet',
    why: 'targets = inputs (off by one token)',
    patch: 'target-shift',
  },
  {
    id: 'eval-too-small',
    label: 'failing',
    kind: 'quiet',
    why: 'evals (periodic and final) on 128 tokens per domain: the verdict is noise',
    sets: ['train.evalTokensPerDomain=128', 'train.finalEvalTokensPerDomain=128'],
    killAt: 'first-eval',
  },
  // healthy but scary
  {
    id: 'spike-recovers',
    label: 'healthy',
    kind: 'scary',
    why: 'LR x4 for 3 steps at 30 %: a loss spike that recovers',
    patch: 'spike-recovers',
  },
  {
    id: 'wsd-cliff',
    label: 'healthy',
    kind: 'scary',
    why: 'warmup-stable-decay: above the cosine baseline until the final 20 %, then a cliff',
    sets: ['schedule.name=wsd'],
  },
  {
    id: 'high-lr-noisy',
    label: 'healthy',
    kind: 'scary',
    why: 'a higher LR: noisier train loss, ends level or ahead',
    sets: ['optim.lr=0.03', 'optim.adamLr=0.05'],
  },
  {
    id: 'slow-starter',
    label: 'healthy',
    kind: 'scary',
    why: 'a 7x longer warmup: behind for the first third, level by the end',
    sets: ['schedule.warmupTokens=30000'],
  },
];
