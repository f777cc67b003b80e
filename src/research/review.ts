/**
 * The researcher's review after successive halving promotes at a rung: it sees the ranked results
 * and the monitor's stops at that rung and may promote a few more (regardless of rank), drop
 * proposals (their waiting trials are left behind), or refine (new proposals, admitted like any
 * other). Only scheduling changes: verdicts and wins stay with the engine's statistics.
 */
import { errorLine } from '../errors.ts';
import type { ResultSummary } from '../researchers/base.ts';
import { resultOf } from './core/digest.ts';
import { admitProposals, researcherContext, sessionDigest } from './intake.ts';
import type { ResearchSession } from './session.ts';
import { BASELINE, type TrialState } from './core/state.ts';

/** Ranked results at `rung` (best val bpb first; monitor-stopped proposals last). */
export function rankedAt(s: ResearchSession, rung: number): ResultSummary[] {
  const st = s.state;
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
        s.spec,
        st.proposals.find((p) => p.id === id)!,
      ),
    );
}

/** Call after `promote` returned `promoted` (all at one rung + 1). No-op for researchers without `review`. */
export async function reviewAfterPromotion(s: ResearchSession, promoted: TrialState[]): Promise<void> {
  const r = s.deps.researcher;
  if (!r.review || promoted.length === 0) return;
  const st = s.state;
  const rung = promoted[0].rung - 1;
  const { digest, ideas } = await sessionDigest(s);
  let d;
  try {
    d = await r.review(rung, rankedAt(s, rung), digest, researcherContext(s));
  } catch (e) {
    await s.journal.add('note', `researcher ${r.name} review of rung ${rung} failed: ${errorLine(e)}`);
    return;
  }
  const active = (id: string) =>
    st.proposals.find((p) => p.id === id && p.id !== BASELINE && p.status === 'active');
  for (const id of new Set(d?.drop ?? [])) {
    const p = active(id);
    if (!p) continue;
    p.status = 'dropped';
    p.verdict = 'inconclusive';
    const left = st.trials.filter(
      (t) => t.proposalId === id && (t.status === 'pending' || t.status === 'awaiting'),
    );
    for (const t of left) {
      t.status = t.status === 'awaiting' ? 'left' : 'cancelled'; // only a trial that ran saved anything
      t.note = `dropped by ${r.name} review at rung ${rung}`;
    }
    await s.deps.store.recordIdea({
      key: p.key,
      title: p.title,
      sessionId: s.id,
      proposalId: p.id,
      outcome: 'dropped',
    });
    await s.journal.add(
      'promotion',
      `${r.name} review dropped ${id} ${p.title} at rung ${rung} (${left.length} trial(s) left behind)`,
      { proposalId: id },
    );
  }
  // Extra promotions: at most as many as successive halving just made at this rung.
  let allowance = promoted.length;
  for (const id of new Set(d?.promote ?? [])) {
    if (allowance <= 0 || !active(id)) continue;
    const t = st.trials.find((x) => x.proposalId === id && x.status === 'awaiting' && x.rung === rung);
    if (!t) continue;
    t.status = 'pending';
    t.rung = rung + 1;
    allowance--;
    await s.journal.add('promotion', `${r.name} review promoted ${id}/${t.id} to rung ${t.rung}`, {
      proposalId: id,
      runIds: t.runIds.slice(-1),
    });
  }
  if (d?.refine?.length)
    await admitProposals(
      s,
      d.refine.map((p) => ({ ...p, source: p.source || r.name })),
      ideas,
    );
}
