/**
 * Asking the researcher for ideas and admitting them: validation, dedup against every idea ever tried
 * (this session and all earlier ones), triage by expected gain per FLOP, then one explore trial each.
 */
import { errorLine } from '../errors.ts';
import type { Proposal } from '../researchers/base.ts';
import { buildDigest } from './digest.ts';
import { admitProposal } from './proposals.ts';
import { newTrial } from './scheduler.ts';
import type { ResearchSession } from './session.ts';

/** Expected improvement per unit of compute: the triage order (most promising per FLOP first). */
export function gainPerFlop(p: Proposal): number {
  const cost = p.cost && p.cost > 0 ? p.cost : 1;
  return -(Number.isFinite(p.expectedEffect) ? p.expectedEffect : 0) / cost;
}

/** Ask for up to `capacity` proposals; returns how many were admitted. Marks the researcher exhausted when it has none. */
export async function admitAndQueue(s: ResearchSession): Promise<number> {
  const { store, researcher, executor } = s.deps;
  const st = s.state;
  const [findings, ideas] = await Promise.all([store.listFindings({ limit: 50 }), store.listIdeas({ limit: 500 })]);
  const digest = buildDigest(s.id, st, s.spec, s.baseConfig, findings, ideas, s.baseFlopsPerToken, s.secondsUsed());
  const want = Math.max(1, executor.capacity);
  let proposals: Proposal[];
  try {
    proposals = await researcher.propose(digest, want, { note: (text) => void s.journal.add('note', text.slice(0, 300), { body: text }) });
  } catch (e) {
    await s.journal.add('note', `researcher ${researcher.name} failed to propose: ${errorLine(e)}`);
    st.researcherExhausted = true;
    return 0;
  }
  if (!Array.isArray(proposals) || proposals.length === 0) {
    st.researcherExhausted = true;
    await s.journal.add('note', `researcher ${researcher.name} has no further proposals`);
    return 0;
  }
  const tried = new Map<string, string>();
  for (const i of ideas) tried.set(i.key, `${i.title}, session ${i.sessionId}`);
  for (const p of st.proposals) tried.set(p.key, `${p.title}, this session`);
  let admitted = 0;
  for (const prop of [...proposals].sort((a, b) => gainPerFlop(b) - gainPerFlop(a))) {
    const a = admitProposal(prop, s.baseConfig, { searchSpace: s.spec.searchSpace, noiseKeys: s.spec.noiseKeys, triedKeys: tried });
    if (!a.ok) {
      st.rejected.push({ title: String(prop?.title ?? '?'), reason: a.reason });
      await s.journal.add('rejection', `rejected "${prop?.title}": ${a.reason}`, { data: { change: prop?.change } });
      continue;
    }
    const id = `p${st.nextProposal++}`;
    st.proposals.push({
      id,
      title: prop.title,
      hypothesis: prop.hypothesis,
      change: prop.change,
      expectedEffect: prop.expectedEffect,
      cost: a.cost,
      source: prop.source,
      key: a.key,
      config: a.config,
      status: 'active',
      createdAt: new Date().toISOString(),
    });
    tried.set(a.key, prop.title);
    newTrial(st, id, s.spec.seedBase, 'explore', 0);
    await store.recordIdea({ key: a.key, title: prop.title, sessionId: s.id, proposalId: id, outcome: 'pending' });
    await s.journal.add('proposal', `${id}: ${prop.title} (${prop.source}; expected ${prop.expectedEffect >= 0 ? '+' : ''}${prop.expectedEffect} bpb, cost ${a.cost.toFixed(2)}x)`, {
      proposalId: id,
      body: prop.hypothesis,
      data: { change: prop.change, expectedEffect: prop.expectedEffect, cost: a.cost, key: a.key },
    });
    admitted++;
  }
  // A researcher that keeps proposing only what is refused (5 asks in a row) is treated as out of ideas.
  st.emptyAsks = admitted > 0 ? 0 : (st.emptyAsks ?? 0) + 1;
  if (st.emptyAsks >= 5) {
    st.researcherExhausted = true;
    await s.journal.add('note', `researcher ${researcher.name}: five rounds without an admissible proposal; no more asks`);
  }
  return admitted;
}
