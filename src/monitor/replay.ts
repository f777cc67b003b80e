/**
 * Replaying a finished curve through the rules as if live: after each train point, the rules see the
 * train points so far and the evals at or below those tokens. Used by tests (a healthy run must survive
 * every prefix, not just the final curve) and by anything that asks "what would the monitor have saved?".
 * O(n) rule calls, so O(n^2) overall: fine offline, not a live code path.
 */
import type { Curve, Decision, MonitorRule, Reference } from './base.ts';
import { evaluate } from './index.ts';

export type StopDecision = Extract<Decision, { action: 'stop' }>;

export interface ReplayStop {
  decision: StopDecision;
  index: number; // train point index at which it stopped
  step: number;
  tokens: number;
}

/** The curve as the monitor saw it right after train point `i`. */
export function prefixAt(curve: Curve, i: number): Curve {
  const train = curve.train.slice(0, i + 1);
  const tokens = train.at(-1)?.tokens ?? 0;
  return { ...curve, train, eval: curve.eval.filter((e) => e.tokens <= tokens) };
}

/** First stop the rules would have issued, or undefined if the run survives to its end. */
export function firstStop(
  curve: Curve,
  reference: Reference | undefined,
  rules: readonly MonitorRule[],
): ReplayStop | undefined {
  for (let i = 0; i < curve.train.length; i++) {
    const d = evaluate(prefixAt(curve, i), reference, rules);
    if (d.action === 'stop')
      return { decision: d, index: i, step: curve.train[i].step, tokens: curve.train[i].tokens };
  }
  return undefined;
}
