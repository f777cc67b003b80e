/**
 * Asking the researcher for ideas and admitting them: validation, dedup against every idea ever tried
 * (this session and all earlier ones), triage by expected gain per FLOP, then one explore trial each.
 * A code change is admitted only after its patched trainer compiles and passes a sandboxed smoke run
 * (code-experiments.ts), with the researcher's `fixCode` as the debug loop.
 */
import { errorLine, isFlywheelError } from '../errors.ts';
import type { Digest, Proposal, ProposeContext } from '../researchers/base.ts';
import type { TriedIdea } from '../store/base.ts';
import { admitCodeProposal, type CodeHost } from './code-experiments.ts';
import type { CodeRun } from './code-guard.ts';
import { buildDigest } from './digest.ts';
import { admitProposal, type Admission } from './proposals.ts';
import { newTrial } from './scheduler.ts';
import type { ResearchSession } from './session.ts';

/** The stored outcome of an idea a session admitted but never ran: not counted as tried. */
export const NOT_RUN = 'not-run';

/** Ideas tried in any session, as keys to refuse (ideas that never ran are left out). */
export function triedIdeas(ideas: TriedIdea[]): TriedIdea[] {
  return ideas.filter((i) => i.outcome !== NOT_RUN);
}

/** The digest a researcher reads now (findings and tried ideas from the store), and the stored ideas. */
export async function sessionDigest(s: ResearchSession): Promise<{ digest: Digest; ideas: TriedIdea[] }> {
  const [findings, ideas] = await Promise.all([
    s.deps.store.listFindings({ limit: 50 }),
    s.deps.store.listIdeas({ limit: 500 }),
  ]);
  const digest = buildDigest(
    s.id,
    s.state,
    s.spec,
    s.baseConfig,
    findings,
    triedIdeas(ideas),
    s.baseFlopsPerToken,
    s.secondsUsed(),
  );
  return { digest, ideas };
}

/** Keys of every idea tried (any session, this one included) -> where, for refusal reasons. */
export async function triedKeys(s: ResearchSession, ideas?: TriedIdea[]): Promise<Map<string, string>> {
  const tried = new Map<string, string>();
  for (const i of triedIdeas(ideas ?? (await s.deps.store.listIdeas({ limit: 500 }))))
    tried.set(i.key, `${i.title}, session ${i.sessionId}`);
  for (const p of s.state.proposals) tried.set(p.key, `${p.title}, this session`);
  return tried;
}

/** Expected improvement per unit of compute: the triage order (most promising per FLOP first). */
export function gainPerFlop(p: Proposal): number {
  const cost = p.cost && p.cost > 0 ? p.cost : 1;
  return -(Number.isFinite(p.expectedEffect) ? p.expectedEffect : 0) / cost;
}

/** Ask for up to `capacity` proposals; returns how many were admitted. Marks the researcher exhausted when it has none. */
export async function admitAndQueue(s: ResearchSession): Promise<number> {
  const { researcher, executor } = s.deps;
  const st = s.state;
  const { digest, ideas } = await sessionDigest(s);
  const want = Math.max(1, Math.min(executor.capacity, s.spec.maxProposals - (st.proposals.length - 1)));
  let proposals: Proposal[];
  try {
    proposals = await researcher.propose(digest, want, researcherContext(s));
  } catch (e) {
    await s.journal.add('note', `researcher ${researcher.name} failed to propose: ${errorLine(e)}`);
    // A provider outage that outlasted the retries skips this ask; five in a row end the asking.
    const transient =
      isFlywheelError(e) && (e.details as { transient?: boolean } | undefined)?.transient === true;
    st.emptyAsks = (st.emptyAsks ?? 0) + 1;
    if (!transient || st.emptyAsks >= 5) st.researcherExhausted = true;
    return 0;
  }
  if (!Array.isArray(proposals) || proposals.length === 0) {
    st.researcherExhausted = true;
    await s.journal.add('note', `researcher ${researcher.name} has no further proposals`);
    return 0;
  }
  const admitted = await admitProposals(s, proposals, ideas);
  // A researcher that keeps proposing only what is refused (5 asks in a row) is treated as out of ideas.
  st.emptyAsks = admitted > 0 ? 0 : (st.emptyAsks ?? 0) + 1;
  if (st.emptyAsks >= 5) {
    st.researcherExhausted = true;
    await s.journal.add(
      'note',
      `researcher ${researcher.name}: five rounds without an admissible proposal; no more asks`,
    );
  }
  return admitted;
}

/** What a researcher gets to talk back with: notes and 'llm' cost entries into the journal (echoed live). */
export function researcherContext(s: ResearchSession): ProposeContext {
  return {
    note: (text) => void s.journal.add('note', text.slice(0, 300), { body: text }),
    journal: async (kind, title, extra) => {
      await s.journal.add(kind, title, extra);
    },
  };
}

/** The code-experiment host: what admitting a code change needs from the session. */
function codeHost(s: ResearchSession): CodeHost {
  return {
    sessionId: s.id,
    store: s.deps.store,
    executor: s.deps.executor,
    researcher: s.deps.researcher,
    baseConfig: s.baseConfig,
    journal: (kind, title, extra) => s.journal.add(kind, title, extra),
    signal: s.deps.signal,
  };
}

/** Validate, dedup and queue proposals (from `propose`, or a review's refinements). Returns how many were admitted. */
export async function admitProposals(
  s: ResearchSession,
  proposals: Proposal[],
  ideas?: TriedIdea[],
): Promise<number> {
  const { researcher } = s.deps;
  const st = s.state;
  const tried = await triedKeys(s, ideas);
  const opts = { searchSpace: s.spec.searchSpace, noiseKeys: s.spec.noiseKeys, triedKeys: tried };
  let admitted = 0;
  for (const original of [...proposals].sort((a, b) => gainPerFlop(b) - gainPerFlop(a))) {
    let prop = original;
    const id = `p${st.nextProposal}`;
    let a: Admission;
    let code: CodeRun | undefined;
    if (prop?.change?.kind === 'code' && s.baseConfig.trainer.spec) {
      // the user's script is theirs: researchers turn its knobs, they do not edit it (README "Bring your own trainer")
      a = {
        ok: false,
        reason: `code experiments are not run on trainer ${s.baseConfig.trainer.spec.name}: propose knob values`,
      };
    } else if (prop?.change?.kind === 'code') {
      // code: patched folder, compile, sandboxed smoke run, debug loop (code-experiments.ts)
      const c = await admitCodeProposal(
        codeHost(s),
        prop,
        id,
        (p, codeHash) => admitProposal(p, s.baseConfig, { ...opts, codeHash }),
        Boolean(researcher.unsafeNoSandbox),
      );
      if (c.ok) {
        prop = c.proposal;
        code = c.code;
      }
      a = c.ok ? c.admission : { ok: false, reason: c.reason };
    } else a = admitProposal(prop, s.baseConfig, opts);
    if (!a.ok) {
      st.rejected.push({ title: String(prop?.title ?? '?'), reason: a.reason });
      await s.journal.add('rejection', `rejected "${prop?.title}": ${a.reason}`, {
        data: { change: prop?.change },
      });
      continue;
    }
    await enqueueProposal(s, id, prop, a, { code });
    tried.set(a.key, prop.title);
    admitted++;
  }
  return admitted;
}

/**
 * Record an admitted proposal with its first trial(s), in the store's ideas and the journal. By default
 * one explore trial at rung 0 (successive halving from the bottom); `atTop`: `candidateSeeds` trials
 * straight at the top rung (a change that needs no screening, such as a stack of confirmed wins).
 */
export async function enqueueProposal(
  s: ResearchSession,
  id: string,
  prop: Proposal,
  a: Extract<Admission, { ok: true }>,
  opts: { code?: CodeRun; atTop?: boolean } = {},
): Promise<void> {
  const st = s.state;
  const code = opts.code;
  st.nextProposal++;
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
    ...(code ? { codeDir: code.codeDir, codeHash: code.codeHash, sandbox: code.sandbox } : {}),
    status: 'active',
    createdAt: new Date().toISOString(),
  });
  if (opts.atTop) {
    const top = s.spec.rungTokens.length - 1;
    for (let i = 0; i < s.spec.candidateSeeds; i++) newTrial(st, id, s.spec.seedBase + i, 'seeds', top);
  } else newTrial(st, id, s.spec.seedBase, 'explore', 0);
  await s.deps.store.recordIdea({
    key: a.key,
    title: prop.title,
    sessionId: s.id,
    proposalId: id,
    outcome: 'pending',
  });
  await s.journal.add(
    'proposal',
    `${id}: ${prop.title} (${prop.source}; expected ${prop.expectedEffect >= 0 ? '+' : ''}${prop.expectedEffect} bpb, cost ${a.cost.toFixed(2)}x)`,
    {
      proposalId: id,
      body: prop.hypothesis,
      data: {
        change: prop.change,
        expectedEffect: prop.expectedEffect,
        cost: a.cost,
        key: a.key,
        ...(code ? { codeHash: code.codeHash, sandbox: code.sandbox } : {}),
      },
    },
  );
}
