/**
 * Conclusions that are ready, their findings, re-basing onto a win, and carrying a win judged against
 * an older base onto the current one. See ../transitions.ts.
 */
import type { TriedIdea } from '../../../store/base.ts';
import { formatEffect } from '../../../stats/describe.ts';
import { baseOf, currentBase } from '../base.ts';
import { concludeReady, type Conclusion } from '../conclude.ts';
import { multiplierClause, multiplierOf } from '../costed-runs.ts';
import { journal, type Effect } from '../effects.ts';
import { triedKeys } from '../ideas.ts';
import { admitProposal } from '../proposals.ts';
import { dropSuperseded, rebaseTo } from '../rebase.ts';
import { topRung } from '../spec.ts';
import { carryOver } from '../stack.ts';
import { BASELINE, type ProposalState, type SessionState } from '../state.ts';
import { type EngineContext, idea } from './context.ts';
import { ablateOnWin, stopLeftBehind } from './ablated.ts';
import { enqueue } from './proposals.ts';

const baseName = (id: string) => (id === BASELINE ? 'the baseline' : `base ${id}`);

/** Judge what is ready (on the draft); returns the ids of the proposals concluded now. */
export function concludeAll(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  ideas: TriedIdea[],
  now: string,
): Set<string> {
  const concluded = new Set<string>();
  for (const c of concludeReady(st, ctx.spec)) {
    const { proposal: p } = c;
    const runIds = st.trials.filter((t) => t.proposalId === p.id).flatMap((t) => Object.values(t.rungRuns));
    if (c.step !== 'verdict') {
      fx.push(scheduled(st, c, runIds));
      continue;
    }
    fx.push(...verdictEffects(ctx, st, c, runIds));
    concluded.add(p.id);
    if (p.verdict === 'win') {
      afterWin(ctx, st, fx, ideas, p, now);
      ablateOnWin(ctx, st, fx, p.id); // a multi-knob best is taken apart (transitions/ablated.ts)
    }
  }
  return concluded;
}

/** The journal line for a step that schedules runs: the held-out confirmation, or one more seed. */
function scheduled(st: SessionState, c: Conclusion, runIds: string[]): Effect {
  const { proposal: p, judgement: j } = c;
  // the candidate's run and its base's on the same seed are one seed
  const seeds = [...new Set(c.newTrials.map((t) => t.seed))].join(', ');
  const p1 = (j.adjustedP ?? j.pValue).toPrecision(2);
  const title =
    c.step === 'confirm'
      ? `${p.id} ${p.title} passes the decision test after ${p.stats?.n} seed(s) (${formatEffect(j.delta, j.ci95)}, adjusted sequential p=${p1}): held-out confirmation with seed(s) ${seeds}`
      : `${p.id} ${p.title} is ahead of ${baseName(baseOf(st, p.id))} but undecided after ${p.stats?.n} seed(s) (${formatEffect(j.delta, j.ci95)}, adjusted sequential p=${p1}): one more seed (${seeds})`;
  return journal('schedule', title, {
    proposalId: p.id,
    runIds,
    data: { judgement: j, looks: p.looks, trials: c.newTrials.map((t) => t.id) },
  });
}

/** The conclusion's journal entry, its idea outcome and (a win or a significant loss) its finding. */
function verdictEffects(ctx: EngineContext, st: SessionState, c: Conclusion, runIds: string[]): Effect[] {
  const { spec, sessionId } = ctx;
  const { proposal: p, judgement: j } = c;
  const base = baseOf(st, p.id);
  if (c.futile) {
    return [
      journal(
        'conclusion',
        `${p.id} ${p.title}: behind ${baseName(base)} at the full budget after ${p.stats?.n} seed(s); dropped`,
        { proposalId: p.id, runIds, body: j.reasons.join('; '), data: { judgement: j, looks: p.looks } },
      ),
      idea(p.key, p.title, p.id, p.verdict ?? 'inconclusive'),
    ];
  }
  // What a win is worth in compute (README "Compute multiplier"), said in the journal and the finding.
  const m = p.verdict === 'win' ? multiplierOf(st, spec, p.id, ctx.baseFlopsPerToken) : undefined;
  const worth = m ? multiplierClause(m) : '';
  const fx: Effect[] = [
    journal(
      'conclusion',
      `${p.id} ${p.title}: ${p.verdict} ${formatEffect(j.delta, j.ci95)} (n=${p.stats?.n})${worth}`,
      {
        proposalId: p.id,
        runIds,
        body: j.reasons.join('; '),
        data: { judgement: j, verdict: p.verdict, base, looks: p.looks },
      },
    ),
    idea(p.key, p.title, p.id, p.verdict ?? 'inconclusive'),
  ];
  if (p.verdict === 'win' || p.verdict === 'loss') {
    const finding = {
      id: `${sessionId}-${p.id}`,
      sessionId,
      title: `${p.title}: ${p.verdict === 'win' ? 'better' : 'worse'} than ${base === BASELINE ? 'the baseline' : `its base (${base})`}`,
      statement: `${p.title} changes val bpb by ${formatEffect(j.delta, j.ci95)} at ${spec.rungTokens[topRung(spec)]} tokens (n=${p.stats?.n} seeds, sequential looks)${p.verdict === 'win' ? ', confirmed on held-out seeds' : ''}${worth}.`,
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
  return fx;
}

/**
 * After a confirmed win: judged against the current base, a config win becomes the base (core/rebase.ts);
 * judged against an older one, its carry-over onto the current base is queued (core/stack.ts).
 */
function afterWin(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  ideas: TriedIdea[],
  p: ProposalState,
  now: string,
): void {
  const base = currentBase(st);
  if (p.change.kind !== 'config') {
    fx.push(
      journal(
        'note',
        `${p.id} ${p.title}: a code win; the base stays ${base.id} (re-basing onto agent code is not supported)`,
        { proposalId: p.id },
      ),
    );
    return;
  }
  if (baseOf(st, p.id) === base.id) {
    const { rebase, fillers } = rebaseTo(st, ctx.spec, p, now);
    const e = rebase.evidence;
    fx.push(
      journal(
        'baseline',
        `re-based: ${p.id} ${p.title} is the new base (${formatEffect(e.delta, e.ci95)} vs ${baseName(rebase.from)}, n=${e.n} vs ${e.nBase}, adjusted p=${e.p.toPrecision(2)}); ${rebase.seedTrials.length} of its runs are its base seeds${fillers.length ? `, ${fillers.length} lower-rung seed(s) added` : ''}`,
        { proposalId: p.id, data: { rebase, fillers: fillers.map((t) => t.id) } },
      ),
    );
    for (const d of dropSuperseded(st))
      fx.push(
        idea(d.p.key, d.p.title, d.p.id, 'dropped'),
        journal(
          'note',
          `${d.p.id} ${d.p.title}: dropped, judged against ${baseName(baseOf(st, d.p.id))} on ${d.keys.join(', ')}, which the new base ${p.id} changed: it could not be carried onto it`,
          { proposalId: d.p.id },
        ),
      );
    stopLeftBehind(ctx, st, fx); // an ablation of a win the new base leaves (transitions/ablated.ts)
    return;
  }
  const prop = carryOver(st, p);
  if ('reason' in prop) {
    fx.push(
      journal('note', `${p.id} ${p.title}: not carried onto base ${base.id}: ${prop.reason}`, {
        proposalId: p.id,
      }),
    );
    return;
  }
  const a = admitProposal(prop, base.config, {
    searchSpace: ctx.spec.searchSpace,
    noiseKeys: ctx.spec.noiseKeys,
    triedKeys: triedKeys(st, ideas),
  });
  if (!a.ok) {
    fx.push(
      journal('note', `${p.id} ${p.title}: not carried onto base ${base.id}: ${a.reason}`, {
        proposalId: p.id,
      }),
    );
    return;
  }
  const id = enqueue(ctx, st, fx, prop, a, { atTop: true, now });
  fx.push(
    journal(
      'schedule',
      `${id} ${prop.title}: the confirmed wins together, at the full budget, against base ${base.id}`,
      {
        proposalId: id,
        data: { parts: prop.tags },
      },
    ),
  );
}
