/**
 * The researcher's review after successive halving promotes at a rung: it sees the ranked results
 * and the monitor's stops at that rung and may promote a few more (regardless of rank), drop
 * proposals (their waiting trials are left behind), or refine (new proposals, admitted like any
 * other). Only scheduling changes: verdicts and wins stay with the engine's statistics
 * (core/transitions.ts `reviewed`).
 */
import { errorLine } from '../../errors.ts';
import type { ResultSummary } from '../../researchers/base.ts';
import type { SessionSpec } from '../core/spec.ts';
import { resultOf } from '../core/digest.ts';
import type { SessionState, TrialState } from '../core/state.ts';
import { noted, reviewed } from '../core/transitions.ts';
import { admitProposals, researcherContext, sessionDigest } from './intake.ts';
import type { SessionPort } from './port.ts';

/** Ranked results at `rung` (best val bpb first; monitor-stopped proposals last). */
export function rankedAt(st: SessionState, spec: SessionSpec, rung: number): ResultSummary[] {
  const key = String(rung);
  const best = new Map<string, number>();
  for (const t of st.trials) {
    if (t.purpose !== 'explore') continue;
    const v = t.results[key];
    if (typeof v === 'number') best.set(t.proposalId, Math.min(best.get(t.proposalId) ?? Infinity, v));
    else if (t.status === 'killed' && t.rung === rung && !best.has(t.proposalId))
      best.set(t.proposalId, Infinity);
  }
  return [...best.entries()]
    .sort((a, b) => a[1] - b[1])
    .map(([id]) =>
      resultOf(
        st,
        spec,
        st.proposals.find((p) => p.id === id)!,
      ),
    );
}

/** Call after `promoted` returned `promoted` (all at one rung + 1). No-op for researchers without `review`. */
export async function reviewAfterPromotion(s: SessionPort, promoted: TrialState[]): Promise<void> {
  const r = s.researcher;
  if (!r.review || promoted.length === 0) return;
  const rung = promoted[0].rung - 1;
  const { digest, ideas } = await sessionDigest(s);
  let d;
  try {
    d = await r.review(rung, rankedAt(s.state(), s.spec, rung), digest, researcherContext(s));
  } catch (e) {
    await s.apply((st) =>
      noted(st, {
        kind: 'note',
        title: `researcher ${r.name} review of rung ${rung} failed: ${errorLine(e)}`,
      }),
    );
    return;
  }
  await s.apply((st) =>
    reviewed(st, { rung, promotedCount: promoted.length, decision: d, reviewer: r.name }),
  );
  if (d?.refine?.length)
    await admitProposals(
      s,
      d.refine.map((p) => ({ ...p, source: p.source || r.name })),
      ideas,
    );
}
