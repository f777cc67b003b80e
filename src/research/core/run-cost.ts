/**
 * What runs cost, and what a session's budget pays for, in full (top-rung) runs of the base config.
 * Pure: read by the scheduler (what fits before the deadline) and by the plans that size themselves
 * to a share of the session (core/ablation.ts).
 */
import type { SessionState } from './state.ts';
import { isFlopMatched, topRung, type SessionSpec } from './spec.ts';

/**
 * A run's compute relative to a baseline run of the same rung. A change that costs more or less per
 * token runs FLOP-matched (run-trial.ts gives it the baseline's FLOPs, not its tokens), so only a
 * near-equal cost (within 5 %) shows up in its compute.
 */
export function runCost(cost: number): number {
  return isFlopMatched(cost) ? 1 : cost;
}

/** Seconds one run of `tokens` takes at the calibrated throughput, its start-up included. */
export function estimateSeconds(
  state: SessionState,
  spec: SessionSpec,
  tokens: number,
  cost: number,
): number {
  const tps = state.calibration.tokPerSec ?? spec.tokPerSec ?? 20_000;
  const startup = state.calibration.startupSeconds ?? spec.startupSeconds;
  return (tokens * runCost(cost)) / tps + startup;
}

/**
 * Full-budget runs of the base config the session's budget pays for: by wall time (`parallel` slots,
 * start-up included) and by FLOPs (when `perToken`, the base's FLOPs per token, is known), the smaller.
 * Infinity when the session has neither budget.
 */
export function capacityRuns(state: SessionState, spec: SessionSpec, perToken?: number): number {
  const full = spec.rungTokens[topRung(spec)];
  const bySeconds = spec.budgetSeconds
    ? (spec.budgetSeconds * spec.parallel) / estimateSeconds(state, spec, full, 1)
    : Infinity;
  const byFlops = spec.budgetFlops && perToken ? spec.budgetFlops / (full * perToken) : Infinity;
  return Math.min(bySeconds, byFlops);
}
