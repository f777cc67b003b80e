/**
 * The curve corpus on disk (bench/curves/corpus.json) and in memory. Column-wise and rounded to 5
 * significant digits to stay small; `tokens` of a train point is not stored (step x batchTokens) and
 * `flops` is tokens x flopsPerToken. NaN/Infinity are stored as null (JSON has neither).
 * The final eval (a larger val slice than the periodic ones, so not on the same scale) is kept apart.
 */
import { readFileSync } from 'node:fs';
import type { Curve, EvalPointLite, TrainPointLite } from '../../src/monitor/base.ts';
import type { Kind, Label } from './recipes.ts';

export interface StoredRun {
  id: string; // "<recipe>/s<seed>"
  recipe: string;
  seed: number;
  label: Label;
  kind: Kind;
  split: 'tune' | 'held-out' | 'reference';
  why: string;
  command: string; // the equivalent `flywheel run` (plus the test-only patch, if any)
  patch?: string;
  status: string; // the trainer's end status
  reason: string;
  batchTokens: number;
  budgetTokens: number;
  flopsPerToken: number;
  evalTokensPerDomain: number;
  finalValBpb: number | null;
  /** Where a human would kill it (failing runs): train-point index and token count, with the criterion. */
  humanKill?: { index: number; tokens: number; criterion: string };
  train: { step: number[]; loss: (number | null)[]; lr: number[]; gradNorm: (number | null)[] };
  eval: { step: number[]; tokens: number[]; valLoss: (number | null)[]; valBpb: (number | null)[] };
}

export interface CorpusFile {
  about: string;
  command: string;
  preset: string;
  budgetTokens: number;
  /** Ids of the runs whose curves form the baseline band every other run is judged against. */
  reference: string[];
  runs: StoredRun[];
}

export const CORPUS_PATH = new URL('./corpus.json', import.meta.url);

export function loadCorpus(path: URL | string = CORPUS_PATH): CorpusFile {
  return JSON.parse(readFileSync(path, 'utf8')) as CorpusFile;
}

const num = (x: number | null) => (x === null ? NaN : x);

export function toCurve(r: StoredRun): Curve {
  const train: TrainPointLite[] = r.train.step.map((step, i) => {
    const tokens = step * r.batchTokens;
    return {
      step,
      tokens,
      flops: tokens * r.flopsPerToken,
      loss: num(r.train.loss[i]),
      lr: r.train.lr[i],
      gradNorm: num(r.train.gradNorm[i]),
    };
  });
  const evals: EvalPointLite[] = r.eval.step.map((step, i) => ({
    step,
    tokens: r.eval.tokens[i],
    flops: r.eval.tokens[i] * r.flopsPerToken,
    valLoss: num(r.eval.valLoss[i]),
    valBpb: num(r.eval.valBpb[i]),
    evalTokensPerDomain: r.evalTokensPerDomain,
  }));
  return { train, eval: evals, budgetTokens: r.budgetTokens };
}

/** 5 significant digits; non-finite -> null. */
export function compact(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(5)) : null;
}
