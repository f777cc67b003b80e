/** Successive halving, the researcher's review, and proposals. See ../transitions.ts. */
import type { Proposal, ReviewDecision } from '../../../researchers/base.ts';
import { journal, type Effect, type Step } from '../effects.ts';
import { isStudyPoint, type Admission } from '../proposals.ts';
import { currentBase } from '../base.ts';
import { newTrial, promote } from '../trial-steps.ts';
import { exploreRung, studyRung, topRung } from '../spec.ts';
import { BASELINE, type SessionState, type TrialState } from '../state.ts';
import { type EngineContext, type AdmittedCode, draftOf, nextProposalId, idea } from './context.ts';

// ---------------------------------------------------------------------------------------------------
// Successive halving and the researcher's review

/** Promote what successive halving allows now (`force`: see trial-steps.ts `promote`), journaled. */
export function promoted(
  ctx: EngineContext,
  state: SessionState,
  input: { force: boolean },
): Step & { promoted: TrialState[] } {
  const st = draftOf(state);
  const up = promote(st, ctx.spec, input.force);
  if (!up.length) return { state, effects: [], promoted: [] };
  return {
    state: st,
    promoted: up,
    effects: [
      journal(
        'promotion',
        `promoted ${up.map((t) => `${t.proposalId}/${t.id}`).join(', ')} to rung ${up[0].rung}`,
        {
          runIds: up.flatMap((t) => t.runIds.slice(-1)),
          data: { trials: up.map((t) => t.id) },
        },
      ),
    ],
  };
}

/**
 * The researcher's review after successive halving promoted `promotedCount` trials from `rung`: it may
 * drop proposals (their waiting trials are left behind) and promote a few more (at most as many as
 * successive halving just did). Its refinements are admitted like any other proposal (`admitted`).
 * Only scheduling changes: verdicts and wins stay with the engine's statistics.
 */
export function reviewed(
  state: SessionState,
  input: { rung: number; promotedCount: number; decision: ReviewDecision | undefined; reviewer: string },
): Step {
  const { rung, decision: d, reviewer } = input;
  const st = draftOf(state);
  const fx: Effect[] = [];
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
      t.note = `dropped by ${reviewer} review at rung ${rung}`;
    }
    fx.push(
      idea(p.key, p.title, p.id, 'dropped'),
      journal(
        'promotion',
        `${reviewer} review dropped ${id} ${p.title} at rung ${rung} (${left.length} trial(s) left behind)`,
        {
          proposalId: id,
        },
      ),
    );
  }
  let allowance = input.promotedCount;
  for (const id of new Set(d?.promote ?? [])) {
    if (allowance <= 0 || !active(id)) continue;
    const t = st.trials.find((x) => x.proposalId === id && x.status === 'awaiting' && x.rung === rung);
    if (!t) continue;
    t.status = 'pending';
    t.rung = rung + 1;
    allowance--;
    fx.push(
      journal('promotion', `${reviewer} review promoted ${id}/${t.id} to rung ${t.rung}`, {
        proposalId: id,
        runIds: t.runIds.slice(-1),
      }),
    );
  }
  return { state: st, effects: fx };
}

// ---------------------------------------------------------------------------------------------------
// Proposals

/**
 * The end of one ask for proposals. `failed`: the researcher threw (a transient provider outage skips
 * this ask; five in a row end the asking); `waited`: it had none and waits for a run in flight to end
 * (ProposeContext.wait, offered only while one is: nothing changes, the session asks again after the
 * next run ends); `admitted` undefined: it had no proposals (exhausted); otherwise how many of its
 * proposals were admitted (five asks in a row with none ends the asking).
 */
export function asked(
  state: SessionState,
  input: {
    researcher: string;
    failed?: { error: string; transient: boolean };
    waited?: string;
    admitted?: number;
  },
): Step {
  const st = draftOf(state);
  const fx: Effect[] = [];
  const name = input.researcher;
  if (input.waited !== undefined) {
    fx.push(journal('note', `researcher ${name} waits for a run to end: ${input.waited.slice(0, 200)}`));
  } else if (input.failed) {
    fx.push(journal('note', `researcher ${name} failed to propose: ${input.failed.error}`));
    st.emptyAsks = (st.emptyAsks ?? 0) + 1;
    if (!input.failed.transient || st.emptyAsks >= 5) st.researcherExhausted = true;
  } else if (input.admitted === undefined) {
    st.researcherExhausted = true;
    fx.push(journal('note', `researcher ${name} has no further proposals`));
  } else {
    st.emptyAsks = input.admitted > 0 ? 0 : (st.emptyAsks ?? 0) + 1;
    if (st.emptyAsks >= 5) {
      st.researcherExhausted = true;
      fx.push(
        journal('note', `researcher ${name}: five rounds without an admissible proposal; no more asks`),
      );
    }
  }
  return { state: st, effects: fx };
}

/** A proposal failed admission (core/proposals.ts, or a code change's checks): recorded, never run. */
export function rejected(
  state: SessionState,
  input: { proposal: Proposal | undefined; reason: string },
): Step {
  const st = draftOf(state);
  const prop = input.proposal;
  st.rejected.push({ title: String(prop?.title ?? '?'), reason: input.reason });
  return {
    state: st,
    effects: [
      journal('rejection', `rejected "${prop?.title}": ${input.reason}`, { data: { change: prop?.change } }),
    ],
  };
}

/**
 * An admitted proposal with its first trial(s): by default one explore trial at `exploreRung` (successive
 * halving from the bottom); `atTop`: one seed straight at the top rung (a change that needs no
 * screening, such as a stack of confirmed wins). It is a diff on the current base (core/base.ts), so
 * the caller admits it against `currentBase(state).config`. Its id is `nextProposalId(state)`.
 */
export function admitted(
  ctx: EngineContext,
  state: SessionState,
  input: {
    proposal: Proposal;
    admission: Extract<Admission, { ok: true }>;
    code?: AdmittedCode;
    atTop?: boolean;
    now: string;
  },
): Step & { id: string } {
  const st = draftOf(state);
  const fx: Effect[] = [];
  const id = enqueue(ctx, st, fx, input.proposal, input.admission, input);
  return { state: st, effects: fx, id };
}

export function enqueue(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  prop: Proposal,
  a: Extract<Admission, { ok: true }>,
  opts: { code?: AdmittedCode; atTop?: boolean; now: string },
): string {
  const { spec } = ctx;
  const code = opts.code;
  const id = nextProposalId(st);
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
    ...(isStudyPoint(prop) ? { study: true as const } : {}),
    createdAt: opts.now,
    baseId: currentBase(st).id, // its config is a diff on this base, and it is judged against it
  });
  // at the top, one seed at a time: conclude.ts looks after each and adds seeds only while undecided
  // a study point: one measurement at the study rung, or at the top for 'study-top' (trial-steps.ts
  // afterRung ends it; promote() never sees it)
  if (prop.runAs === 'study-top') newTrial(st, id, spec.seedBase, 'study', topRung(spec));
  else if (prop.runAs === 'study')
    newTrial(
      st,
      id,
      spec.seedBase,
      'study',
      studyRung(spec.rungTokens, spec.baseConfig.schedule.warmupTokens),
    );
  else if (opts.atTop || prop.runAs === 'top') newTrial(st, id, spec.seedBase, 'seeds', topRung(spec));
  else newTrial(st, id, spec.seedBase, 'explore', exploreRung(spec));
  fx.push(
    idea(a.key, prop.title, id, 'pending'),
    journal(
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
    ),
  );
  return id;
}
