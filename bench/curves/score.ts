/**
 * Scoring a kill policy (an ordered list of monitor rules) on a labelled corpus: each run is replayed
 * point by point through the rules (src/monitor/replay.ts) against its baseline band, and the first stop
 * is its kill. What the table reports, per policy:
 *
 * - recall: failing runs killed / failing runs (a failing run the trainer aborted itself counts as killed
 *   only if a rule stopped it; the trainer's own abort is not the monitor's catch);
 * - median kill: median fraction of the token budget a killed failing run had spent when killed;
 * - median spent: the same over all failing runs, an unkilled one counted at its natural end (so a policy
 *   cannot look fast by killing only the easy ones);
 * - false kills: healthy runs killed (overall and of the healthy-but-scary kind);
 * - saved: the failing runs' compute not spent thanks to the kills, over what they spend unmonitored;
 *   lost: the same for healthy runs killed by mistake (compute that has to be re-run).
 * Compute is in tokens (flops are tokens x a per-run constant that the faults here do not change).
 */
import type { Curve, MonitorRule, Reference } from '../../src/monitor/base.ts';
import { firstStop, type ReplayStop } from '../../src/monitor/replay.ts';
import { median } from '../../src/stats/summary.ts';

export interface Entry {
  id: string;
  label: 'failing' | 'healthy';
  kind: string; // loud | quiet | scary | baseline
  split?: string; // tune | held-out
  curve: Curve;
  budgetTokens: number;
  reference: Reference;
  /** The baseline seeds' curves behind `reference` (for rules that need more than the band). */
  baselines: Curve[];
  humanKillTokens?: number;
}

export type PolicyFactory = (e: Entry) => MonitorRule[];

export interface Outcome {
  id: string;
  label: Entry['label'];
  kind: string;
  split?: string;
  killed: boolean;
  rule?: string;
  message?: string;
  /** Tokens spent: at the kill, or the run's natural end. */
  spentTokens: number;
  naturalTokens: number;
  budgetTokens: number;
  humanKillTokens?: number;
}

export interface Summary {
  failing: number;
  killed: number;
  recall: number;
  medianKillFrac: number; // NaN when nothing was killed
  medianSpentFrac: number;
  beforeHuman: number; // killed failing runs killed at or before the human kill point
  healthy: number;
  falseKills: number;
  scary: number;
  scaryFalseKills: number;
  savedFrac: number;
  lostFrac: number;
}

export function replayEntry(e: Entry, rules: readonly MonitorRule[]): Outcome {
  const stop: ReplayStop | undefined = firstStop(e.curve, e.reference, rules);
  const naturalTokens = e.curve.train.at(-1)?.tokens ?? 0;
  return {
    id: e.id,
    label: e.label,
    kind: e.kind,
    split: e.split,
    killed: stop !== undefined,
    rule: stop?.decision.rule,
    message: stop?.decision.message,
    spentTokens: stop ? stop.tokens : naturalTokens,
    naturalTokens,
    budgetTokens: e.budgetTokens,
    humanKillTokens: e.humanKillTokens,
  };
}

export function summarize(outcomes: readonly Outcome[]): Summary {
  const failing = outcomes.filter((o) => o.label === 'failing');
  const healthy = outcomes.filter((o) => o.label === 'healthy');
  const scary = healthy.filter((o) => o.kind === 'scary');
  const killed = failing.filter((o) => o.killed);
  const frac = (o: Outcome) => o.spentTokens / o.budgetTokens;
  const sum = (xs: readonly Outcome[], f: (o: Outcome) => number) => xs.reduce((a, o) => a + f(o), 0);
  const failingNatural = sum(failing, (o) => o.naturalTokens);
  const healthyNatural = sum(healthy, (o) => o.naturalTokens);
  return {
    failing: failing.length,
    killed: killed.length,
    recall: failing.length ? killed.length / failing.length : NaN,
    medianKillFrac: killed.length ? median(killed.map(frac)) : NaN,
    medianSpentFrac: failing.length ? median(failing.map(frac)) : NaN,
    beforeHuman: killed.filter((o) => o.humanKillTokens !== undefined && o.spentTokens <= o.humanKillTokens)
      .length,
    healthy: healthy.length,
    falseKills: healthy.filter((o) => o.killed).length,
    scary: scary.length,
    scaryFalseKills: scary.filter((o) => o.killed).length,
    savedFrac: failingNatural ? sum(failing, (o) => o.naturalTokens - o.spentTokens) / failingNatural : NaN,
    lostFrac: healthyNatural ? sum(healthy, (o) => o.naturalTokens - o.spentTokens) / healthyNatural : NaN,
  };
}

export function scorePolicy(
  entries: readonly Entry[],
  policy: PolicyFactory,
): { outcomes: Outcome[]; summary: Summary } {
  const outcomes = entries.map((e) => replayEntry(e, policy(e)));
  return { outcomes, summary: summarize(outcomes) };
}

/** A beats B on both axes: at least B's recall with a lower median spend, and no more false kills. */
export function dominates(a: Summary, b: Summary): boolean {
  return (
    a.recall >= b.recall &&
    a.medianSpentFrac <= b.medianSpentFrac &&
    a.falseKills <= b.falseKills &&
    (a.recall > b.recall || a.medianSpentFrac < b.medianSpentFrac || a.falseKills < b.falseKills)
  );
}
