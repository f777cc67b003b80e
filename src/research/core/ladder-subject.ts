/**
 * What the ladder climbs and how each size is judged (README "Research sessions: the size ladder").
 *
 * Subject: the session's best confirmed win when the ladder is due (a stack of wins, when it won, is
 * the best); without one, the session's best change at the full budget that is ahead of its base
 * (most evidence first: >= 2 seeds, then one; the summary's `best` follows it, marked unconfirmed), so the question "does it hold at scale?" is still asked;
 * nothing ahead of the base: no ladder. Each size: Δ bpb ± CI by the judge (stats/judge.ts, >= 2 seeds
 * a side), compute multiplier against the base's L(C) over all its fully-decayed runs (every rung and
 * every ladder size), verdict holds / shrinks / flips (ladder.ts).
 */
import type { CostedRun } from '../../analysis/multiplier.ts';
import { mean } from '../../stats/summary.ts';
import { baseValuesAt } from './base.ts';
import { bestWin, candidateValues } from './conclude.ts';
import { baseCostedRuns } from './costed-runs.ts';
import { ladderEntry, type LadderEntry } from './ladder.ts';
import { winBase, type LadderState } from './ladder-state.ts';
import { isFlopMatched, topRung, type SessionSpec } from './spec.ts';
import { proposalOf, type SessionState } from './state.ts';

export interface LadderSubject {
  proposalId: string;
  baseId: string;
  baseDelta: number;
  confirmed: boolean;
}

/** The change the ladder climbs now, or why there is none. */
export function ladderSubject(
  state: SessionState,
  spec: SessionSpec,
): { ok: true; subject: LadderSubject } | { ok: false; reason: string } {
  const top = topRung(spec);
  const win = bestWin(state);
  if (win?.stats) {
    const base = winBase(state, win.id);
    return {
      ok: true,
      subject: { proposalId: win.id, baseId: base.id, baseDelta: win.stats.delta, confirmed: true },
    };
  }
  const ahead = state.proposals
    .filter((p) => p.id !== winBase(state, p.id).id)
    .map((p) => {
      const { decision, confirm } = candidateValues(state, spec, p.id);
      const v = [...decision, ...confirm];
      const base = baseValuesAt(state, winBase(state, p.id).id, top);
      return { p, v, delta: v.length && base.length >= 2 ? mean(v) - mean(base) : NaN };
    })
    .filter((x) => x.v.length >= 1 && x.delta < 0)
    .sort((a, b) => Number(b.v.length >= 2) - Number(a.v.length >= 2) || mean(a.v) - mean(b.v));
  if (!ahead.length)
    return {
      ok: false,
      reason: 'no confirmed win, and no change ahead of its base at the full budget',
    };
  const { p, delta } = ahead[0];
  return {
    ok: true,
    subject: { proposalId: p.id, baseId: winBase(state, p.id).id, baseDelta: delta, confirmed: false },
  };
}

const runCost = (cost: number) => (isFlopMatched(cost) ? 1 : cost);

/** The ladder's results of one side at one size, as costed runs. */
function sideRuns(state: SessionState, l: LadderState, proposalId: string, step: number): CostedRun[] {
  const size = l.sizes.find((s) => s.step === step)!;
  const cost = runCost(proposalOf(state, proposalId).cost);
  return state.trials
    .filter((t) => t.purpose === 'ladder' && t.proposalId === proposalId && t.ladder?.step === step)
    .filter((t) => Number.isFinite(t.ladder?.valBpb))
    .map((t) => ({
      id: t.ladder!.runId ?? t.id,
      flops: size.tokens * size.flopsPerToken * cost,
      valBpb: t.ladder!.valBpb!,
    }));
}

/** The base's fully-decayed runs at every rung (session size) and every ladder size: its L(C). */
function baseLaw(state: SessionState, spec: SessionSpec, l: LadderState): CostedRun[] {
  const out = baseCostedRuns(state, spec, l.baseId, l.baseFlopsPerToken);
  for (const s of l.sizes) out.push(...sideRuns(state, l, l.baseId, s.step));
  return out;
}

/** Every size's entry as the runs stand now (a size without 2 results a side is `pending`). */
export function ladderEntries(state: SessionState, spec: SessionSpec, l: LadderState): LadderEntry[] {
  const law = baseLaw(state, spec, l);
  return l.sizes.map((s) =>
    ladderEntry(
      s,
      l.baseDelta,
      sideRuns(state, l, l.baseId, s.step),
      sideRuns(state, l, l.proposalId, s.step),
      law,
    ),
  );
}
