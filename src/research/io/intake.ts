/**
 * Asking the researcher for ideas and admitting them: validation, dedup against every idea ever tried
 * (this session and all earlier ones), triage by expected gain per FLOP, then one explore trial each.
 * A code change is admitted only after its patched trainer compiles and passes a sandboxed smoke run
 * (code-experiments.ts), with the researcher's `fixCode` as the debug loop.
 */
import { sessionAnalysis } from './analysis.ts';
import { engineRequests } from './requests.ts';
import { errorLine, isFlywheelError } from '../../errors.ts';
import type { Digest, Proposal, ProposeContext } from '../../researchers/base.ts';
import type { TriedIdea } from '../../store/base.ts';
import { currentBase } from '../core/base.ts';
import { buildDigest, DIGEST_LIMITS } from '../core/digest.ts';
import { ideaCount } from '../core/state.ts';
import { importanceAnswer } from './analysis-memory.ts';
import { reopenedIdeas, triedIdeas, triedKeys } from '../core/ideas.ts';
import { admitProposal, isStudyPoint, type Admission } from '../core/proposals.ts';
import { admitted, asked, nextProposalId, noted, rejected, type AdmittedCode } from '../core/transitions.ts';
import { admitCodeProposal, type CodeHost } from './code-experiments.ts';
import { domainDigest } from './domain-digest.ts';
import { mixtureRefusal } from '../../config/mixture-check.ts';
import type { SessionPort } from './port.ts';
import { learnedFromHistory, triage, triageLine } from './triage.ts';

export { NOT_RUN, triedIdeas, gainPerFlop } from '../core/ideas.ts';

/** The digest a researcher reads now (findings and tried ideas from the store), and the stored ideas. */
/** The knobs that matter across the store's comparable runs (io/analysis-memory.ts scope), for every digest. */
async function importanceDigest(s: SessionPort): Promise<Digest['importance']> {
  const a = await importanceAnswer({ sessionId: s.sessionId, store: s.store, baseConfig: s.baseConfig });
  if (!a.ok) return undefined;
  return (a.knobs as { key: string; importance: number; ci95: number[]; n: number }[])
    .slice(0, 6)
    .map(({ key, importance, ci95, n }) => ({ key, importance, ci95, n }));
}

export async function sessionDigest(s: SessionPort): Promise<{ digest: Digest; ideas: TriedIdea[] }> {
  const [findings, ideas] = await Promise.all([
    s.store.listFindings({ limit: 50 }),
    s.store.listIdeas({ limit: 500 }),
  ]);
  const digest = buildDigest(
    s.sessionId,
    s.state(),
    s.spec,
    currentBase(s.state()).config, // proposals are diffs on the current base (core/base.ts)
    findings,
    triedIdeas(ideas),
    s.baseFlopsPerToken,
    s.secondsUsed(),
  );
  Object.assign(digest, await domainDigest(s, digest)); // per-domain val bpb and the mixture study
  digest.importance = await importanceDigest(s);
  const reopened = reopenedIdeas(s.state(), ideas, DIGEST_LIMITS.reopened);
  if (reopened.length) digest.reopened = reopened;
  return { digest, ideas };
}

/**
 * Ask for up to `capacity` proposals; returns how many were admitted, and whether the researcher waits
 * for a run in flight to end (ProposeContext.wait, offered only when `inflight`: a researcher cannot
 * idle a session with nothing running). Marks the researcher exhausted when it has none and does not wait.
 */
export async function admitAndQueue(
  s: SessionPort,
  inflight: boolean,
): Promise<{ admitted: number; waits: boolean }> {
  const { researcher, executor } = s;
  const { digest, ideas } = await sessionDigest(s);
  const want = Math.max(1, Math.min(executor.capacity, s.spec.maxProposals - ideaCount(s.state())));
  let proposals: Proposal[];
  let waitReason: string | undefined;
  const ctx: ProposeContext = researcherContext(s);
  if (inflight) ctx.wait = (reason) => void (waitReason = String(reason || 'no reason given'));
  try {
    proposals = await researcher.propose(digest, want, ctx);
  } catch (e) {
    // A provider outage that outlasted the retries skips this ask; five in a row end the asking.
    const transient =
      isFlywheelError(e) && (e.details as { transient?: boolean } | undefined)?.transient === true;
    await s.apply((st) =>
      asked(st, { researcher: researcher.name, failed: { error: errorLine(e), transient } }),
    );
    return { admitted: 0, waits: false };
  }
  if (!Array.isArray(proposals) || proposals.length === 0) {
    const waited = waitReason;
    await s.apply((st) => asked(st, { researcher: researcher.name, waited }));
    return { admitted: 0, waits: waited !== undefined };
  }
  const n = await admitProposals(s, proposals, ideas);
  await s.apply((st) => asked(st, { researcher: researcher.name, admitted: n }));
  return { admitted: n, waits: false };
}

/** What a researcher gets to talk back with: notes and 'llm' cost entries into the journal (echoed live). */
export function researcherContext(s: SessionPort): ProposeContext {
  return {
    analysis: sessionAnalysis(s),
    tried: (keys) => triedAmong(s, keys.slice(0, 1000)),
    engine: engineRequests(s),
    note: (text) =>
      void s.apply((st) => noted(st, { kind: 'note', title: text.slice(0, 300), extra: { body: text } })),
    journal: async (kind, title, extra) => {
      await s.apply((st) => noted(st, { kind, title, extra }));
    },
  };
}

const NOT_DRY: Admission = { ok: false, reason: 'not a config change' };

/** Add to `tried` the stored ideas among `keys` (any session, any age; ideas never run are not tried). */
async function lookUpTried(s: SessionPort, tried: Map<string, string>, keys: string[]): Promise<void> {
  const missing = [...new Set(keys)].filter((k) => !tried.has(k));
  if (!missing.length) return;
  for (const i of triedIdeas(await s.store.listIdeas({ keys: missing })))
    tried.set(i.key, `${i.title}, session ${i.sessionId}`);
}

/** Which of `keys` were tried in any session or proposed in this one (ProposeContext.tried). */
async function triedAmong(s: SessionPort, keys: string[]): Promise<Set<string>> {
  const tried = triedKeys(s.state(), []);
  await lookUpTried(s, tried, keys);
  return new Set(keys.filter((k) => tried.has(k)));
}

/** The code-experiment host: what admitting a code change needs from the session. */
function codeHost(s: SessionPort): CodeHost {
  return {
    sessionId: s.sessionId,
    store: s.store,
    executor: s.executor,
    researcher: s.researcher,
    baseConfig: s.baseConfig,
    journal: (kind, title, extra) =>
      s.apply((st) => noted(st, { kind: kind === 'llm' ? 'llm' : 'note', title, extra })),
    signal: s.signal,
  };
}

/**
 * Validate, dedup and queue proposals (from `propose`, or a review's refinements). Returns how many
 * were admitted. Dedup covers every idea ever tried: each proposal's key is looked up in the store
 * (an indexed key lookup, any age), besides this session's own proposals. The order is triage's
 * (triage.ts): expected gain per FLOP learned from stored comparable runs, journaled with its reasons.
 */
export async function admitProposals(
  s: SessionPort,
  proposals: Proposal[],
  ideas: TriedIdea[] = [],
): Promise<number> {
  const tried = triedKeys(s.state(), ideas);
  const opts = { searchSpace: s.spec.searchSpace, noiseKeys: s.spec.noiseKeys, triedKeys: tried };
  const dry = proposals.map((p) => ({
    proposal: p,
    dry:
      p?.change?.kind === 'config'
        ? admitProposal(p, s.baseConfig, { ...opts, triedKeys: new Map() })
        : NOT_DRY,
  }));
  await lookUpTried(
    s,
    tried,
    dry.flatMap((x) => (x.dry.ok ? [x.dry.key] : [])),
  );
  const { ranked, history } = await triage(s, dry);
  // a study's points are a design, not ideas competing for slots: their order is not worth a note
  const design = ranked.every((t) => isStudyPoint(t.proposal));
  if (!design && (ranked.length > 1 || learnedFromHistory(ranked))) {
    const title = `triage: ${ranked.length} proposal(s) by expected gain per FLOP, learned from ${history?.runs ?? 0} stored comparable run(s) and the stated expectations`;
    await s.apply((st) =>
      noted(st, {
        kind: 'note',
        title,
        extra: {
          body: ranked.map((t, i) => `${i + 1}. ${triageLine(t)}`).join('\n'),
          data: {
            triage: ranked.map((t) => ({
              title: t.proposal.title,
              stated: t.proposal.expectedEffect,
              estimate: t.effect?.estimate,
              similarRuns: t.effect?.evidence?.runs,
              cost: t.cost,
              score: Number.isFinite(t.score) ? t.score : null,
            })),
          },
        },
      }),
    );
  }
  let n = 0;
  for (const { proposal: original } of ranked) {
    let prop = original;
    let a: Admission;
    let code: AdmittedCode | undefined;
    const badMixture = mixtureRefusal(prop?.change, s.baseConfig, s.spec.searchSpace);
    if (badMixture) a = { ok: false, reason: badMixture };
    else if (prop?.change?.kind === 'code' && s.baseConfig.trainer.spec) {
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
        nextProposalId(s.state()),
        async (p, codeHash) => {
          const d = admitProposal(p, currentBase(s.state()).config, {
            ...opts,
            triedKeys: new Map(),
            codeHash,
          });
          if (d.ok) await lookUpTried(s, tried, [d.key]);
          return admitProposal(p, currentBase(s.state()).config, { ...opts, codeHash });
        },
        Boolean(s.researcher.unsafeNoSandbox),
      );
      if (c.ok) {
        prop = c.proposal;
        code = c.code;
      }
      a = c.ok ? c.admission : { ok: false, reason: c.reason };
    } else a = admitProposal(prop, currentBase(s.state()).config, opts);
    if (!a.ok) {
      const reason = a.reason;
      const rejectedProp = prop;
      await s.apply((st) => rejected(st, { proposal: rejectedProp, reason }));
      continue;
    }
    const ok = a;
    const admittedProp = prop;
    await s.apply((st) =>
      admitted(s, st, { proposal: admittedProp, admission: ok, code, now: new Date().toISOString() }),
    );
    tried.set(a.key, prop.title);
    n++;
  }
  return n;
}
