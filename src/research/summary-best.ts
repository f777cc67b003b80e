/**
 * The session's best (summary.ts `best`): the confirmed win with the lowest mean val bpb; without one,
 * the proposal with the most evidence at the top rung (>= 2 seeds, lowest mean), else the single best
 * top-rung result, else (no idea reached the full budget) the best result at the highest rung reached,
 * against the baseline there. Its ci95 is always stated: from the bootstrap when it has >= 2 seeds, else
 * from the baseline's noise floor (delta +- t * sigma_baseline * sqrt(1 + 1/n_baseline),
 * `ciMethod: "noise-floor"`). A best at the full budget also gets its compute multiplier, and its size
 * ladder when the session ran one.
 */
import { bootstrapDiffCI } from '../stats/bootstrap.ts';
import { studentTCdf } from '../stats/student-t.ts';
import { mean, sampleStd } from '../stats/summary.ts';
import type { Change } from '../researchers/base.ts';
import type { RunRecord } from '../store/base.ts';
import type { MultiplierOutcome } from '../analysis/multiplier.ts';
import { bestAttribution, type BestAttribution } from './core/ablation-report.ts';
import { baselineCostedRuns, candidateCostedRuns, multiplierOf } from './core/costed-runs.ts';
import { baseOf, baseValues, baseValuesAt } from './core/base.ts';
import { bestWin, candidateValues } from './core/conclude.ts';
import { topRung, type SessionSpec } from './core/spec.ts';
import { BASELINE, valuesAt, type ProposalState, type SessionState } from './core/state.ts';
import { ladderOf } from './core/ladder-state.ts';

export interface BestSummary {
  proposalId: string;
  title: string;
  base: string; // the base its delta and ci95 are against (core/base.ts)
  runId: string | null;
  change: Change | Record<string, never>;
  valBpb: number;
  delta: number | null;
  ci95: [number, number] | null;
  ciMethod: 'bootstrap' | 'noise-floor' | null;
  n: number;
  rung: number; // the rung these numbers are from (the top rung unless nothing reached it)
  tokens: number; // that rung's token budget
  verdict: string;
  confirmed: boolean;
  /** Baseline compute to reach its loss / its compute (README "Compute multiplier"); null with a reason. */
  computeMultiplier: { value: number; ci95: [number, number]; text: string } | null;
  computeMultiplierReason?: string;
  /** The size ladder (README "The size ladder"): one entry per larger size; null with a reason. */
  ladder: LadderRung[] | null;
  ladderReason?: string;
  /** One entry per knob of the best win (core/ablation-report.ts); null with a reason. */
  attribution: BestAttribution['attribution'];
  attributionReason?: string;
  /** The smallest part of the win that carries it, once its ablation is done. */
  minimalChange?: BestAttribution['minimalChange'];
  /** The ladder's first point: the session's size (matmul params) and the Δ measured there. */
  ladderBase?: { params: number; delta: number };
}

export interface LadderRung {
  params: number;
  tokens: number;
  delta: number | null;
  ci95: [number, number] | null;
  computeMultiplier: { value: number; ci95: [number, number]; text: string } | null;
  verdict: 'holds' | 'shrinks' | 'flips' | 'pending';
}

/** Two-sided 95% t quantile by bisection on the CDF (df small). */
export function t975(df: number): number {
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function bestRunOf(
  state: SessionState,
  p: ProposalState,
  rung: number,
  runs: Map<string, RunRecord>,
): string | null {
  const top = String(rung);
  let best: { id: string; v: number } | null = null;
  for (const t of state.trials.filter((x) => x.proposalId === p.id && typeof x.results[top] === 'number')) {
    const id = t.rungRuns[top] ?? t.runIds[t.runIds.length - 1];
    const v = t.results[top];
    if (id && (!best || v < best.v) && runs.has(id)) best = { id, v };
  }
  return best?.id ?? null;
}

/** `perToken`: the base's FLOPs per token (lets a FLOPs budget say why the best was not ablated). */
export function pickBest(
  state: SessionState,
  spec: SessionSpec,
  runs: Map<string, RunRecord>,
  perToken?: number,
): BestSummary | null {
  const top = topRung(spec);
  const win = bestWin(state);
  const candidates = state.proposals
    .filter((p) => p.id !== BASELINE)
    .map((p) => ({
      p,
      v: [...candidateValues(state, spec, p.id).decision, ...candidateValues(state, spec, p.id).confirm],
    }))
    .filter((x) => x.v.length > 0);
  let chosen = win ? candidates.find((c) => c.p.id === win.id) : undefined;
  // no confirmed win: the change that climbed the size ladder (core/ladder-subject.ts) has the most evidence
  const climbed = state.ladder?.status !== 'skipped' ? state.ladder?.proposalId : undefined;
  if (!chosen && climbed) chosen = candidates.find((c) => c.p.id === climbed);
  if (!chosen) {
    const multi = candidates.filter((c) => c.v.length >= 2).sort((a, b) => mean(a.v) - mean(b.v));
    const single = [...candidates].sort((a, b) => mean(a.v) - mean(b.v));
    chosen = multi[0] ?? single[0];
  }
  if (!chosen) return bestBelowTop(state, spec, runs, perToken);
  const { p } = chosen;
  const decision = candidateValues(state, spec, p.id).decision;
  const values = decision.length ? decision : chosen.v;
  const interval = p.stats ? { ci95: p.stats.ci95, method: 'bootstrap' as const } : undefined;
  return describeBest(state, spec, runs, p, top, values, perToken, interval);
}

/** Nothing reached the full budget: the best result at the highest rung any idea reached. */
function bestBelowTop(
  state: SessionState,
  spec: SessionSpec,
  runs: Map<string, RunRecord>,
  perToken?: number,
): BestSummary | null {
  for (let r = spec.rungTokens.length - 2; r >= 0; r--) {
    const at = state.proposals
      .filter((p) => p.id !== BASELINE && !p.study) // a study point is a measurement, never a candidate
      .map((p) => ({ p, v: valuesAt(state, p.id, r) }))
      .filter((x) => x.v.length > 0)
      .sort((a, b) => mean(a.v) - mean(b.v));
    if (at.length) return describeBest(state, spec, runs, at[0].p, r, at[0].v, perToken);
  }
  return null;
}

function describeBest(
  state: SessionState,
  spec: SessionSpec,
  runs: Map<string, RunRecord>,
  p: ProposalState,
  rung: number,
  values: number[],
  perToken?: number,
  interval?: { ci95: [number, number]; method: 'bootstrap' },
): BestSummary {
  const top = topRung(spec);
  const judgedOn = baseOf(state, p.id);
  const base = rung === top ? baseValues(state, spec, judgedOn) : baseValuesAt(state, judgedOn, rung);
  const m = mean(values);
  let ci95: [number, number] | null = interval?.ci95 ?? null;
  let ciMethod: BestSummary['ciMethod'] = interval ? interval.method : null;
  let delta: number | null = null;
  if (base.length >= 2) {
    delta = m - mean(base);
    if (!ci95 && values.length >= 2) {
      const ci = bootstrapDiffCI(base, values, { seed: 0 });
      ci95 = [ci.lo, ci.hi];
      ciMethod = 'bootstrap';
    } else if (!ci95) {
      const half = t975(base.length - 1) * sampleStd(base) * Math.sqrt(1 + 1 / base.length);
      ci95 = [delta - half, delta + half];
      ciMethod = 'noise-floor';
    }
  }
  return {
    proposalId: p.id,
    title: p.title,
    base: judgedOn,
    runId: bestRunOf(state, p, rung, runs),
    change: p.change,
    valBpb: m,
    delta,
    ci95,
    ciMethod,
    n: values.length,
    rung,
    tokens: spec.rungTokens[rung],
    verdict: p.verdict ?? 'pending',
    confirmed: Boolean(p.confirmed),
    computeMultiplier: null,
    computeMultiplierReason: 'not computed',
    ladder: null,
    ladderReason: 'this session ran no size ladder',
    ...bestAttribution(state, spec, p.id, perToken),
  };
}

// The summary is rebuilt after every change, the runs behind the multiplier only change when a run
// ends: the last answer is kept for the same inputs (a bootstrap refit costs ~0.1 s).
const lastMultiplier = new Map<string, { key: string; value: MultiplierOutcome }>();
function cachedMultiplier(
  state: SessionState,
  spec: SessionSpec,
  id: string,
  perToken: number,
): MultiplierOutcome {
  const key = JSON.stringify([
    baselineCostedRuns(state, spec, perToken),
    candidateCostedRuns(state, spec, id, perToken),
  ]);
  let hit = lastMultiplier.get(id);
  if (hit?.key !== key) {
    if (lastMultiplier.size > 32) lastMultiplier.clear(); // one session's wins; a long-lived server may see many
    hit = { key, value: multiplierOf(state, spec, id, perToken) };
    lastMultiplier.set(id, hit);
  }
  return hit.value;
}

/**
 * The best's compute multiplier, from the session's own runs: the baseline's L(C) over its fully-decayed
 * rung results, the best's top-rung results as the candidate. Only a result at the full budget has one.
 * The bootstrap is seeded, so the same state always gives the same interval.
 */
function withMultiplier(
  best: BestSummary,
  state: SessionState,
  spec: SessionSpec,
  perToken: number,
): BestSummary {
  if (best.rung !== topRung(spec)) {
    return { ...best, computeMultiplierReason: 'the best did not reach the full budget' };
  }
  const m = cachedMultiplier(state, spec, best.proposalId, perToken);
  if (!m.ok) return { ...best, computeMultiplierReason: m.missing };
  if (!Number.isFinite(m.value) || !m.ci95.every(Number.isFinite))
    return {
      ...best,
      computeMultiplierReason: `${m.text}: beyond the baseline's fitted floor, no finite value`,
    };
  const { computeMultiplierReason: _drop, ...rest } = best;
  return { ...rest, computeMultiplier: { value: m.value, ci95: m.ci95, text: m.text } };
}

/** The best's size ladder (core/ladder-state.ts), one entry per larger size, or why it has none. */
function withLadder(best: BestSummary, state: SessionState, spec: SessionSpec): BestSummary {
  const { ladder, reason, base } = ladderOf(state, spec, best.proposalId);
  const { ladderReason: _drop, ...rest } = best;
  if (!ladder) return { ...rest, ladder: null, ladderReason: reason };
  return {
    ...rest,
    ...(base ? { ladderBase: base } : {}),
    ladder: ladder.map((e) => ({
      params: e.params,
      tokens: e.tokens,
      delta: e.delta,
      ci95: e.ci95,
      computeMultiplier: e.computeMultiplier,
      verdict: e.verdict,
    })),
  };
}

const finiteWorth = (m: MultiplierOutcome) =>
  m.ok && Number.isFinite(m.value) && m.ci95.every(Number.isFinite)
    ? { computeMultiplier: { value: m.value, ci95: m.ci95, text: m.text } }
    : {};

/** The session's best with its multiplier and size ladder, or null when no idea has a result. */
export function sessionBest(
  state: SessionState,
  spec: SessionSpec,
  byId: Map<string, RunRecord>,
  perToken: number,
): BestSummary | null {
  const picked = pickBest(state, spec, byId, perToken);
  return picked && withLadder(withMultiplier(picked, state, spec, perToken), state, spec);
}

/** A confirmed win's compute multiplier, when it has a finite one (summary.ts `wins`). */
export function winWorth(
  state: SessionState,
  spec: SessionSpec,
  id: string,
  perToken: number,
): { computeMultiplier?: { value: number; ci95: [number, number]; text: string } } {
  return finiteWorth(cachedMultiplier(state, spec, id, perToken));
}
