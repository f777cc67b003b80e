/**
 * The size ladder (README, "Research sessions: the size ladder"): a win found at the session's model
 * size is re-tested against the baseline at N larger sizes, with seeds, and judged by the same
 * statistics (stats/judge.ts). Pure: sizes, their cost, and the verdict of each size.
 *
 * Width/depth rule, step k = 1..N: depth + k, width x 1.25^k rounded to a multiple of heads x 8 (so
 * the head size stays a multiple of 8, even for RoPE), heads unchanged. Tokens scale with the
 * parameters (Chinchilla: the compute-optimal D grows ~linearly with N), so a size's compute is
 * ~(N_k / N_0)^2 times the session's full run.
 */
import type { ModelConfig } from '../../config/train-config.ts';
import { flopsPerToken, matmulParams } from '../../runs/flops.ts';
import { judgeChange } from '../../stats/judge.ts';
import { computeMultiplier, type CostedRun } from '../../analysis/multiplier.ts';

export const WIDTH_GROWTH = 1.25; // per ladder step
export const LADDER_MAX = 4;

export interface LadderSize {
  step: number; // 1..N
  model: ModelConfig;
  params: number; // matmul parameters (runs/flops.ts)
  tokens: number; // the run's token budget at this size
  flopsPerToken: number;
}

/** The model at ladder step k (see the rule above). */
export function ladderModel(base: ModelConfig, step: number): ModelConfig {
  const unit = base.heads * 8;
  const width = Math.max(base.width + unit, Math.round((base.width * WIDTH_GROWTH ** step) / unit) * unit);
  return { ...base, depth: base.depth + step, width };
}

/** The N larger sizes of a config, tokens scaled with parameters and rounded to whole batches. */
export function ladderSizes(
  base: ModelConfig,
  n: number,
  fullTokens: number,
  vocabSize: number,
  batchTokens: number,
): LadderSize[] {
  const p0 = matmulParams(base, vocabSize);
  const out: LadderSize[] = [];
  for (let step = 1; step <= n; step++) {
    const model = ladderModel(base, step);
    const params = matmulParams(model, vocabSize);
    const raw = (fullTokens * params) / p0;
    const tokens = Math.max(batchTokens, Math.round(raw / batchTokens) * batchTokens);
    out.push({ step, model, params, tokens, flopsPerToken: flopsPerToken(model, vocabSize) });
  }
  return out;
}

/**
 * The ladder's cost in units of the session's full (top-rung) baseline run: `seeds` runs of the
 * baseline and `seeds` of the candidate at every size. The session reserves it (scheduler endgame).
 */
export function ladderFullRuns(
  sizes: readonly LadderSize[],
  seeds: number,
  full: { tokens: number; flopsPerToken: number },
): number {
  const fullFlops = full.tokens * full.flopsPerToken;
  return sizes.reduce((s, z) => s + (2 * seeds * z.tokens * z.flopsPerToken) / fullFlops, 0);
}

export type LadderVerdict = 'holds' | 'shrinks' | 'flips';

/**
 * Thresholds: `holds` = still significantly better at this size (CI below 0) and keeps at least
 * HOLD_SHARE of the improvement measured at the session's size; `flips` = on the mean the change no
 * longer helps at this size (delta >= 0: gone or reversed); `shrinks` = anything in between (better
 * on the mean, but by less than half, or no longer significant). A flipped win is not carried forward.
 */
export const HOLD_SHARE = 0.5;

export function ladderVerdict(baseDelta: number, delta: number, ci95: [number, number]): LadderVerdict {
  if (!(delta < 0)) return 'flips';
  if (ci95[1] < 0 && delta <= HOLD_SHARE * baseDelta) return 'holds';
  return 'shrinks';
}

export interface LadderEntry {
  step: number;
  params: number;
  tokens: number;
  delta: number | null;
  ci95: [number, number] | null;
  computeMultiplier: { value: number; ci95: [number, number]; text: string } | null;
  verdict: LadderVerdict | 'pending';
  n: { baseline: number; candidate: number };
}

/**
 * One size's entry: Δ bpb ± CI from the judge (a verdict needs >= 2 seeds a side), and the compute
 * multiplier of the candidate's runs at this size against the baseline's L(C) fitted over every
 * fully-decayed baseline run the session has (all sizes and budgets: `baselineLaw`).
 */
export function ladderEntry(
  size: Pick<LadderSize, 'step' | 'params' | 'tokens'>,
  baseDelta: number,
  baseline: readonly CostedRun[],
  candidate: readonly CostedRun[],
  baselineLaw: readonly CostedRun[],
): LadderEntry {
  const b = baseline.map((r) => r.valBpb).filter(Number.isFinite);
  const c = candidate.map((r) => r.valBpb).filter(Number.isFinite);
  const entry: LadderEntry = {
    step: size.step,
    params: size.params,
    tokens: size.tokens,
    delta: null,
    ci95: null,
    computeMultiplier: null,
    verdict: 'pending',
    n: { baseline: b.length, candidate: c.length },
  };
  if (b.length < 2 || c.length < 2) return entry;
  const j = judgeChange({ baseline: b, candidate: c, minSeeds: 2, resamples: 2000 });
  entry.delta = j.delta;
  entry.ci95 = j.ci95;
  entry.verdict = ladderVerdict(baseDelta, j.delta, j.ci95);
  const m = computeMultiplier(baselineLaw, candidate, { resamples: 300 });
  if (m.ok) entry.computeMultiplier = { value: m.value, ci95: m.ci95, text: m.text };
  return entry;
}

/** The ladder in words, for the journal: "holds at 2.1M params (Δ -0.031 [-0.05, -0.01], worth 1.2× compute)". */
export function describeLadder(entries: readonly LadderEntry[]): string {
  return entries
    .map((e) => {
      const at = `${(e.params / 1e6).toFixed(2)}M params, ${e.tokens} tokens`;
      if (e.delta === null || !e.ci95) return `pending at ${at}`;
      const d = `Δ ${e.delta.toFixed(4)} [${e.ci95[0].toFixed(4)}, ${e.ci95[1].toFixed(4)}]`;
      const m = e.computeMultiplier ? `, ${e.computeMultiplier.text}` : '';
      return `${e.verdict} at ${at} (${d}${m})`;
    })
    .join('; ');
}

/** A session's ladder (core/ladder-state.ts): what climbs, against which base, its sizes and entries. */
export interface LadderState {
  proposalId: string; // the change that climbs
  baseId: string; // the base it was judged against (`winBase`)
  baseDelta: number; // its Δ val bpb at the session's size
  confirmed: boolean; // a confirmed win (else the session's best change, when no win was confirmed in time)
  baseFlopsPerToken: number; // of the base at the session's size
  baseParams?: number; // matmul parameters of the base at the session's size (the ladder's first point)
  sizes: LadderSize[];
  entries: LadderEntry[]; // one per size, filled as its runs end
  status: 'running' | 'done' | 'skipped';
  reason: string;
}
