/**
 * The shape of a library idea: a known pre-training change, written as a diff from the current best
 * config, with why it should help at small scale (and where that comes from) and an honest expected
 * effect. Ideas are pure functions of the base config, so when the best changes (a confirmed win) the
 * library is simply re-evaluated against the new best.
 */
import type { TrainConfig } from '../config/train-config.ts';
import type { ConfigSet } from './config-diff.ts';

/** A data domain as the researcher knows it: its name, and what the session could tell about it. */
export interface DomainInfo {
  name: string;
  trainTokens?: number; // size of its train split (the default mixture samples by this)
  valBpb?: number; // the current best's val bpb on this domain
  unigramBpb?: number; // the domain's unigram bpb (dataset meta): how hard it is with no context at all
}

export interface IdeaContext {
  vocabSize: number; // for FLOPs/token (lm_head); from data.vocabSize, else the researcher's default
  domains: DomainInfo[];
}

export interface Idea {
  id: string; // stable, kebab-case: 'muon', 'lr-x2'
  title: string; // stable across bases, so a re-test after a new best is recognisable
  hypothesis: string; // why it should help at small scale, with its source
  expectedEffect: number; // val bpb, negative = better; small and honest
  tags: string[];
  /** Whether the idea means anything on this config (no RoPE when already RoPE). */
  applies(base: TrainConfig, ctx: IdeaContext): boolean;
  /** The diff from `base` (dotted paths). Only called when `applies`. */
  change(base: TrainConfig, ctx: IdeaContext): ConfigSet;
  /** Compute per token relative to `base`; when absent, `relativeCost` (FLOPs/token and Muon's overhead). */
  cost?(base: TrainConfig, ctx: IdeaContext): number;
}
