/**
 * Regime (b) of bench/research-efficiency.ts: a planted world where every change's true effect is
 * known. planted_trainer.py (beside this file) is a real trainer process speaking the run protocol that
 * reports `truth(config, tokens)` plus seed noise; this file holds the same truth for the accounting
 * (false keeps, missed wins). planted.test.ts runs the trainer and checks the two agree.
 *
 * The truth is additive over knobs (documented so greedy can stack changes, and so any change's true
 * effect is a sum of per-knob terms):
 *
 *   truth(config, T) = E + A (T / refTokens)^-alpha + sum_k f_k(config_k) (T / refTokens)^gamma_k
 *
 * T = tokens the run trains (a run FLOP-matched to the baseline sees fewer tokens when it costs more per
 * token, so size and shape trades pay at equal compute). f_k is either a table of categorical values
 * (`choice`) or a bowl (u(x) - u(optimum))^2 * curvature, with u = x, ln x or ln(1 + x / unit) (`bowl`),
 * and applies only `when` the config matches (an AdamW-group LR means nothing under AdamW). gamma_k < 0:
 * the effect looks bigger at short budgets (LR, warmup, batch: the short-horizon bias successive halving
 * trips over); gamma_k > 0: it grows with the budget (RoPE). There are no interactions beyond `when`.
 *
 * The numbers are the real-scale regime: seed noise sigma = 0.002 bpb at the full budget and most
 * effects within 1-2 of it; one clear win (RoPE, 5 sigma), a few 1.5-2 sigma wins, several nulls
 * (QK-norm, weight decay, width, heads, embedLr), some harmful changes (AdamW instead of Muon, GELU,
 * LayerNorm, depth away from 3-4, LRs far from their optimum). Seed noise grows at short budgets
 * (sigma (refTokens / T)^0.25) and is only partly shared between budgets of one (config, seed)
 * (correlation rho), so rung 0 ranks imperfectly. Curves: the level's power law plus an annealing term
 * lrBump * (lr(t) - lr(end)), so a run's mid-schedule evals sit above a short run's final value, as real
 * cosine / WSD runs do.
 */
import type { TrainConfig } from '../../src/config/train-config.ts';
import { vocabOf } from '../../src/config/train-config.ts';
import { flopsPerToken } from '../../src/runs/flops.ts';
import { isFlopMatched } from '../../src/research/core/spec.ts';

type When = Record<string, string | number | boolean>;

export interface ChoiceEffect {
  path: string;
  kind: 'choice';
  deltas: Record<string, number>; // choiceKey(value) -> bpb; values not listed: 0
  gamma?: number;
  when?: When;
}

export interface BowlEffect {
  path: string;
  kind: 'bowl';
  scale: 'linear' | 'log' | 'log1p';
  unit?: number; // log1p: u = ln(1 + x / unit)
  optimum: number;
  curvature: number; // bpb per unit of u^2
  gamma?: number;
  when?: When;
}

export type Effect = ChoiceEffect | BowlEffect;

export interface PlantedWorld {
  refTokens: number; // the full budget's tokens: effects are stated there
  E: number;
  A: number;
  alpha: number;
  sigma: number; // seed noise (sd of final val bpb) at refTokens
  sigmaExp: number; // sigma(T) = sigma (refTokens / T)^sigmaExp
  rho: number; // correlation of one (config, seed)'s noise between budgets
  lrBump: number; // bpb per unit of un-annealed LR fraction mid-run
  trainNoise: number; // sd of the per-step train loss noise (nats)
  effects: Effect[];
}

/** The key a categorical value has in a `choice` table (the same in planted_trainer.py). */
export const choiceKey = (v: unknown): string =>
  typeof v === 'boolean' ? String(v) : typeof v === 'number' ? String(v) : String(v);

export function getPath(config: unknown, path: string): unknown {
  let cur: unknown = config;
  for (const k of path.split('.'))
    cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

function u(e: BowlEffect, x: number): number {
  if (e.scale === 'log') return Math.log(Math.max(x, 1e-12));
  if (e.scale === 'log1p') return Math.log(1 + Math.max(x, 0) / (e.unit ?? 1));
  return x;
}

/** f_k at the full budget (0 when `when` does not hold or the knob is unset). */
export function contribution(e: Effect, config: TrainConfig): number {
  if (e.when && Object.entries(e.when).some(([p, v]) => getPath(config, p) !== v)) return 0;
  const v = getPath(config, e.path);
  if (v === undefined || v === null) return 0;
  if (e.kind === 'choice') return e.deltas[choiceKey(v)] ?? 0;
  if (typeof v !== 'number') return 0;
  return e.curvature * (u(e, v) - u(e, e.optimum)) ** 2;
}

/** True final val bpb of a run of `config` that trains `tokens` tokens (no noise). */
export function truth(w: PlantedWorld, config: TrainConfig, tokens: number): number {
  const r = tokens / w.refTokens;
  let v = w.E + w.A * r ** -w.alpha;
  for (const e of w.effects) v += contribution(e, config) * r ** (e.gamma ?? 0);
  return v;
}

/**
 * Tokens a full-budget run of `config` trains, as the bench and the engine's top rung run it: the base
 * config's FLOPs when the change costs more than 5 % more or less per token (isFlopMatched), else refTokens.
 */
export function fullTokensOf(w: PlantedWorld, base: TrainConfig, config: TrainConfig): number {
  const baseFpt = flopsPerToken(base.model, vocabOf(base));
  const fpt = flopsPerToken(config.model, vocabOf(base));
  return isFlopMatched(fpt / baseFpt) ? (w.refTokens * baseFpt) / fpt : w.refTokens;
}

/** True val bpb of `config` re-run at the full budget. */
export const truthAtFull = (w: PlantedWorld, base: TrainConfig, config: TrainConfig) =>
  truth(w, config, fullTokensOf(w, base, config));

/** A bowl whose optimum is `optimum` and which costs `gain` bpb at `baseValue`. */
function bowl(
  path: string,
  scale: BowlEffect['scale'],
  optimum: number,
  baseValue: number,
  gain: number,
  extra: Partial<BowlEffect> = {},
): BowlEffect {
  const e: BowlEffect = { path, kind: 'bowl', scale, optimum, curvature: 0, ...extra };
  e.curvature = gain / (u(e, baseValue) - u(e, optimum)) ** 2;
  return e;
}

const MUON = { 'optim.name': 'muon' };

/**
 * The planted world for the `small` preset (Muon, cosine, learned positions, tied head, batch 2048).
 * Gains are at the full budget, relative to the preset; sigma = 0.002.
 */
export function plantedWorld(refTokens: number, sigma = 0.002): PlantedWorld {
  const lr = bowl('optim.lr', 'log', 0.028, 0.02, 0.002, { gamma: -0.3, when: MUON });
  return {
    refTokens,
    E: 2.34,
    A: 0.25,
    alpha: 0.3,
    sigma,
    sigmaExp: 0.25,
    rho: 0.5,
    lrBump: 0.06,
    trainNoise: 0.02,
    effects: [
      // categorical switches
      { path: 'model.position', kind: 'choice', deltas: { rope: -0.01 }, gamma: 0.2 }, // clear win
      { path: 'schedule.name', kind: 'choice', deltas: { wsd: -0.004 } },
      { path: 'model.logitSoftcap', kind: 'choice', deltas: { '15': -0.003, '30': -0.0015 } },
      { path: 'model.tiedEmbeddings', kind: 'choice', deltas: { false: -0.0025 } },
      { path: 'model.zeroInitProj', kind: 'choice', deltas: { true: -0.0015 } },
      { path: 'model.qkNorm', kind: 'choice', deltas: { true: 0 } }, // null
      { path: 'model.norm', kind: 'choice', deltas: { layernorm: 0.002 } }, // harmful
      { path: 'model.activation', kind: 'choice', deltas: { gelu: 0.004 } }, // harmful
      { path: 'optim.name', kind: 'choice', deltas: { adamw: 0.02 } }, // harmful
      // continuous knobs: small wins where the preset is off the optimum, harm far from it
      lr,
      { ...lr, optimum: 0.004, when: { 'optim.name': 'adamw' } }, // AdamW's LR optimum, same curvature
      bowl('optim.adamLr', 'log', 0.045, 0.03, 0.0015, { gamma: -0.3, when: MUON }),
      bowl('train.batchTokens', 'log', 1024, 2048, 0.003, { gamma: -0.2 }),
      bowl('schedule.warmupTokens', 'log1p', 8192, 16384, 0.0015, { unit: 1024, gamma: -0.3 }),
      bowl('schedule.minLrFrac', 'linear', 0.03, 0.1, 0.001),
      {
        path: 'schedule.warmdownFrac',
        kind: 'bowl',
        scale: 'linear',
        optimum: 0.4,
        curvature: 0.05,
        when: { 'schedule.name': 'wsd' },
      },
      { path: 'optim.beta2', kind: 'bowl', scale: 'linear', optimum: 0.95, curvature: 1.25 }, // flat near the preset
      { path: 'model.depth', kind: 'bowl', scale: 'linear', optimum: 3.5, curvature: 0.00033 },
      // optim.weightDecay, optim.embedLr, model.width, model.heads: no entry (null)
    ],
  };
}
