/** Conclusions that are ready, their findings, and the stack of confirmed wins. See ../transitions.ts. */
import type { TriedIdea } from '../../../store/base.ts';
import { formatEffect } from '../../../stats/describe.ts';
import { concludeReady } from '../conclude.ts';
import { multiplierClause, multiplierOf } from '../costed-runs.ts';
import { journal, type Effect } from '../effects.ts';
import { triedKeys } from '../ideas.ts';
import { admitProposal } from '../proposals.ts';
import { topRung } from '../spec.ts';
import { stackProposal, STACK_SOURCE } from '../stack.ts';
import { type SessionState } from '../state.ts';
import { type EngineContext, idea } from './context.ts';
import { enqueue } from './proposals.ts';

/** Judge what is ready (on the draft); returns the ids of the proposals concluded now. */
export function concludeAll(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  ideas: TriedIdea[],
  now: string,
): Set<string> {
  const { spec, sessionId } = ctx;
  const concluded = new Set<string>();
  for (const c of concludeReady(st, spec)) {
    const { proposal: p, judgement: j } = c;
    const runIds = st.trials.filter((t) => t.proposalId === p.id).flatMap((t) => Object.values(t.rungRuns));
    if (c.newTrials.length) {
      fx.push(
        journal(
          'schedule',
          `${p.id} ${p.title} passes the decision test (${formatEffect(j.delta, j.ci95)}, adjusted p=${(j.adjustedP ?? j.pValue).toPrecision(2)}): held-out confirmation with seed(s) ${c.newTrials.map((t) => t.seed).join(', ')}`,
          { proposalId: p.id, runIds, data: { judgement: j } },
        ),
      );
      continue;
    }
    if (p.status !== 'concluded') continue;
    // What a win is worth in compute (README "Compute multiplier"), said in the journal and the finding.
    const m = p.verdict === 'win' ? multiplierOf(st, spec, p.id, ctx.baseFlopsPerToken) : undefined;
    const worth = m ? multiplierClause(m) : '';
    fx.push(
      journal(
        'conclusion',
        `${p.id} ${p.title}: ${p.verdict} ${formatEffect(j.delta, j.ci95)} (n=${p.stats?.n})${worth}`,
        {
          proposalId: p.id,
          runIds,
          body: j.reasons.join('; '),
          data: { judgement: j, verdict: p.verdict },
        },
      ),
      idea(p.key, p.title, p.id, p.verdict ?? 'inconclusive'),
    );
    if (p.verdict === 'win' || p.verdict === 'loss') {
      const finding = {
        id: `${sessionId}-${p.id}`,
        sessionId,
        title: `${p.title}: ${p.verdict === 'win' ? 'better' : 'worse'} than the baseline`,
        statement: `${p.title} changes val bpb by ${formatEffect(j.delta, j.ci95)} at ${spec.rungTokens[topRung(spec)]} tokens (n=${p.stats?.n} seeds vs ${spec.baselineSeeds})${p.verdict === 'win' ? ', confirmed on held-out seeds' : ''}${worth}.`,
        change: p.change,
        effect: j.delta,
        ci95: j.ci95,
        n: p.stats?.n,
        confirmed: p.verdict === 'win',
        configHash: p.key,
        config: p.verdict === 'win' ? p.config : undefined,
        runIds,
        ...(m?.ok && Number.isFinite(m.value) && m.ci95.every(Number.isFinite)
          ? { scale: { computeMultiplier: { value: m.value, ci95: m.ci95 } } }
          : {}),
      };
      fx.push(
        { kind: 'finding', finding },
        journal('finding', finding.title, { proposalId: p.id, runIds, body: finding.statement }),
      );
    }
    concluded.add(p.id);
    if (p.verdict === 'win') stackWins(ctx, st, fx, ideas, now);
  }
  return concluded;
}
/** After a win: queue the stack of the session's confirmed wins if it is new (core/stack.ts). */
function stackWins(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  ideas: TriedIdea[],
  now: string,
): void {
  const prop = stackProposal(st);
  if (!prop) return;
  const a = admitProposal(prop, ctx.baseConfig, {
    searchSpace: ctx.spec.searchSpace,
    noiseKeys: ctx.spec.noiseKeys,
    triedKeys: triedKeys(st, ideas),
  });
  if (!a.ok) return; // the same stack exists already (or was run in an earlier session)
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
    fx.push(
      idea(old.key, old.title, old.id, 'dropped'),
      journal('note', `${old.id} ${old.title}: superseded by a larger stack before it ran`, {
        proposalId: old.id,
      }),
    );
  }
  const id = enqueue(ctx, st, fx, prop, a, { atTop: true, now });
  fx.push(
    journal('schedule', `${id} ${prop.title}: the confirmed wins together, at the full budget`, {
      proposalId: id,
      data: { parts: prop.tags },
    }),
  );
}
