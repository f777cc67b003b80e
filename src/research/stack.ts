/**
 * Stacking confirmed wins. Every proposal is an ablation from the session's base config, so two wins
 * found in one session are each judged alone; whether they add up is a separate question (changes
 * interact: two LR-like moves can overshoot together). Once two or more config wins are confirmed, the
 * engine proposes their combination itself, runs it straight at the top rung on the candidate seeds
 * (its parts were screened already) and judges it like any other proposal: decision test in the
 * session's family, then held-out confirmation. If it wins, it is the session's best and seeds the
 * next session; if not, the best single win stands.
 *
 * Parts are taken best first; a win that sets a key an earlier part already sets differently is left
 * out (it is an alternative, not an addition). A newer, larger stack replaces an older one that has not
 * started any run yet.
 */
import { canonicalJson } from '../config/resolve.ts';
import type { Proposal } from '../researchers/base.ts';
import { enqueueProposal, triedKeys } from './intake.ts';
import { admitProposal } from './core/proposals.ts';
import type { ResearchSession } from './session.ts';
import { BASELINE, type ProposalState, type SessionState } from './core/state.ts';

export const STACK_SOURCE = 'stack';

/** The stack the confirmed config wins of a session make now (undefined: fewer than two compatible). */
export function stackProposal(state: SessionState): Proposal | undefined {
  const wins = state.proposals
    .filter(
      (p) =>
        p.id !== BASELINE &&
        p.source !== STACK_SOURCE &&
        p.verdict === 'win' &&
        p.confirmed &&
        p.change.kind === 'config' &&
        p.stats,
    )
    .sort((a, b) => a.stats!.mean - b.stats!.mean);
  const set: Record<string, unknown> = {};
  const parts: ProposalState[] = [];
  for (const w of wins) {
    const s = w.change.kind === 'config' ? w.change.set : {};
    const clash = Object.entries(s).some(([k, v]) => k in set && canonicalJson(set[k]) !== canonicalJson(v));
    if (clash) continue;
    Object.assign(set, s);
    parts.push(w);
  }
  if (parts.length < 2) return undefined;
  const effect = parts.reduce((a, p) => a + (p.stats?.delta ?? 0), 0);
  return {
    title: `Stack: ${parts.map((p) => p.title).join(' + ')}`,
    hypothesis: `${parts.map((p) => p.id).join(', ')} are each confirmed wins on their own; together they should add up (${effect.toFixed(3)} bpb if independent) unless they interact.`,
    change: { kind: 'config', set },
    expectedEffect: Number(effect.toFixed(4)),
    source: STACK_SOURCE,
    tags: parts.map((p) => p.id),
  };
}

/** After a conclusion: queue the stack of the session's confirmed wins if it is new. Returns its id. */
export async function stackWins(s: ResearchSession): Promise<string | undefined> {
  const st = s.state;
  const prop = stackProposal(st);
  if (!prop) return undefined;
  const a = admitProposal(prop, s.baseConfig, {
    searchSpace: s.spec.searchSpace,
    noiseKeys: s.spec.noiseKeys,
    triedKeys: await triedKeys(s),
  });
  if (!a.ok) return undefined; // the same stack exists already (or was run in an earlier session)
  // An older stack that has not started is superseded by this one (it holds a subset of its parts).
  for (const old of st.proposals.filter((p) => p.source === STACK_SOURCE && p.status === 'active')) {
    const trials = st.trials.filter((t) => t.proposalId === old.id);
    if (!trials.every((t) => t.status === 'pending')) continue;
    old.status = 'dropped';
    old.verdict = 'inconclusive';
    for (const t of trials) {
      t.status = 'cancelled';
      t.note = 'superseded by a larger stack';
    }
    await s.deps.store.recordIdea({
      key: old.key,
      title: old.title,
      sessionId: s.id,
      proposalId: old.id,
      outcome: 'dropped',
    });
    await s.journal.add('note', `${old.id} ${old.title}: superseded by a larger stack before it ran`, {
      proposalId: old.id,
    });
  }
  const id = `p${st.nextProposal}`;
  await enqueueProposal(s, id, prop, a, { atTop: true });
  await s.journal.add('schedule', `${id} ${prop.title}: the confirmed wins together, at the full budget`, {
    proposalId: id,
    data: { parts: prop.tags },
  });
  return id;
}
