/** Start and end of a session, pauses and notes. See ../transitions.ts. */
import { resultOf } from '../digest.ts';
import { formatSigned } from '../../../stats/describe.ts';
import { journal, type Effect, type JournalExtra, type Step } from '../effects.ts';
import { NOT_RUN, UNCONFIRMED } from '../ideas.ts';
import { baselineSeedsText, baselineTrials } from '../carried-base.ts';
import { continueTests, isCutOffPass, isOpenAtEnd, type Continued } from '../open-tests.ts';
import type { SessionSpec } from '../spec.ts';
import { BASELINE, emptyState, maxSeedsOf, type SessionState, type TrialState } from '../state.ts';
import { ablationsAtEnd } from './ablated.ts';
import { concludeAll } from './concluded.ts';
import { type EngineContext, draftOf, idea } from './context.ts';

// Start and end of a session

/** A new session: the baseline proposal, its seeds at rung 0, and the first journal entries. */
export function created(ctx: EngineContext, input: { now: string }): Step {
  const { spec } = ctx;
  const st = emptyState();
  st.proposals.push({
    id: BASELINE,
    title: 'baseline',
    hypothesis: 'the current best config; its seeds measure the noise floor',
    change: { kind: 'config', set: {} },
    expectedEffect: 0,
    cost: 1,
    source: 'engine',
    key: 'baseline',
    config: ctx.baseConfig,
    status: 'active',
    createdAt: input.now,
  });
  const trials = baselineTrials(st, spec);
  const continued = continueTests(st, spec, ctx.baseConfig, input.now);
  // a carried pass adds no run: its look is taken now, when its base is ready (core/open-tests.ts)
  const looked: Effect[] = [];
  if (continued.some((c) => c.test.passed && 'proposal' in c)) concludeAll(ctx, st, looked, [], input.now);
  return {
    state: st,
    effects: [
      journal(
        'session',
        `session ${ctx.sessionId} started: ${spec.researcher} researcher, ${spec.parallel} slot(s), rungs ${spec.rungTokens.join('/')} tokens`,
        {
          data: {
            baseSource: spec.baseSource,
            rungTokens: spec.rungTokens,
            budgetSeconds: spec.budgetSeconds,
            budgetFlops: spec.budgetFlops,
          },
        },
      ),
      journal('baseline', `baseline: ${baselineSeedsText(spec)} to measure the noise floor`, {
        proposalId: BASELINE,
      }),
      ...historyEntry(spec.historyNoise),
      ...carriedEntry(trials),
      ...continued.flatMap((c) => continuedEntries(spec, c)),
      ...looked,
    ],
  };
}

/** A continued test's journal entries and its idea record (core/open-tests.ts), or why it was not. */
function continuedEntries(spec: SessionSpec, c: Continued): Effect[] {
  const from = `session ${c.test.session}'s ${c.test.proposalId}`;
  if ('reason' in c)
    return [journal('note', `${from} ${c.test.title}: its open test is not continued here: ${c.reason}`)];
  const p = c.proposal;
  const last = c.test.looks[c.test.looks.length - 1];
  const seeds = c.carried.map((t) => t.seed).join(', ');
  const what = c.test.passed
    ? `it passed there and lost its held-out confirmation to the session's end: ${c.carried.length} decision seed(s) carried (${seeds}; Δ ${formatSigned(last.delta)} there), judged again here as a new test, one look at all of them, then confirmed`
    : `${c.carried.length} decision seed(s) carried (${seeds}; Δ ${formatSigned(last.delta)} at its last look there); the looks there spent their share of the level, only its looks here are read, up to its ${maxSeedsOf(spec, p)} seeds; next seed ${c.next[0].seed}`;
  return [
    idea(p.key, p.title, p.id, 'pending'),
    journal('proposal', `${p.id}: ${p.title} (continues ${from}; ${p.source}; cost ${p.cost.toFixed(2)}x)`, {
      proposalId: p.id,
      body: p.hypothesis,
      data: {
        change: p.change,
        expectedEffect: p.expectedEffect,
        cost: p.cost,
        key: p.key,
        continues: p.continues,
        looks: c.test.looks,
      },
    }),
    journal('schedule', `${p.id} ${p.title} continues its test from ${from}: ${what}`, {
      proposalId: p.id,
      runIds: c.carried.flatMap((t) => t.runIds),
      data: { trials: c.next.map((t) => t.id) },
    }),
  ];
}

/** Where the noise floor's history came from (setup.ts `sessionHistoryNoise`), journaled once. */
function historyEntry(h: SessionSpec['historyNoise']): Effect[] {
  if (!h) return [];
  return [
    journal(
      'baseline',
      `noise floor: pooling ${h.df} df (sd ${h.sd.toFixed(4)}) from ${h.configs} config(s) of ${h.sessions.length} earlier session(s) of this config family at this budget`,
      { proposalId: BASELINE, data: { historyNoise: h } },
    ),
  ];
}

/** Which of the baseline's runs an earlier session made (core/carried-base.ts), journaled once. */
function carriedEntry(trials: TrialState[]): Effect[] {
  const carried = trials.flatMap((t) =>
    Object.entries(t.rungRuns).map(([rung, runId]) => ({ seed: t.seed, rung: Number(rung), runId })),
  );
  if (!carried.length) return [];
  const seeds = [...new Set(carried.map((c) => c.seed))];
  const toRun = trials.filter((t) => t.status !== 'done').length;
  return [
    journal(
      'baseline',
      `baseline: ${carried.length} run(s) on seed(s) ${seeds.join(', ')} carried from an earlier session of this config at these rungs; ${toRun} seed(s) still to run`,
      { proposalId: BASELINE, data: { carried } },
    ),
  ];
}

/** The session is over: waiting trials are left, queued ones cancelled, open ideas inconclusive. */
export function finished(ctx: EngineContext, state: SessionState): Step {
  const st = draftOf(state);
  const effects: Effect[] = [];
  for (const t of st.trials) {
    if (t.status === 'awaiting') t.status = 'left';
    else if (t.status === 'pending') t.status = 'cancelled';
  }
  ablationsAtEnd(ctx, st, effects); // studies settle with what ran (transitions/ablated.ts)
  for (const p of st.proposals) {
    if (p.id === BASELINE || p.status !== 'active') continue;
    if (isCutOffPass(st, ctx.spec, p)) {
      // passed, confirmation cut off: the next session on this base judges its runs again (core/open-tests.ts)
      p.openAtEnd = true;
      p.passedAtEnd = true;
    }
    if (isOpenAtEnd(st, ctx.spec, p)) {
      // ahead and undecided: the next session on this base continues its test (core/open-tests.ts)
      p.openAtEnd = true;
      effects.push(
        journal(
          'note',
          `${p.id} ${p.title} is ahead of its base and undecided after ${p.looks![p.looks!.length - 1].n} seed(s): the next session on this base continues its test`,
          { proposalId: p.id },
        ),
      );
    }
    if (p.ablationOf) {
      p.status = 'concluded'; // an ablation arm is a measurement, never an idea
      continue;
    }
    p.status = 'concluded';
    p.verdict = p.verdict === 'win' ? 'win' : 'inconclusive';
    // an idea the session never got to run stays open for later sessions, and so does one that passed
    // its decision test and was cut off before its held-out confirmation (core/ideas.ts UNCONFIRMED)
    const mine = st.trials.filter((t) => t.proposalId === p.id);
    if (!mine.some((t) => t.runIds.length > 0)) effects.push(idea(p.key, p.title, p.id, NOT_RUN));
    else if (mine.some((t) => t.purpose === 'confirm')) {
      effects.push(idea(p.key, p.title, p.id, UNCONFIRMED));
      effects.push(
        journal(
          'note',
          `${p.id} ${p.title} passed its decision test but the session ended before its held-out confirmation: ` +
            (p.passedAtEnd
              ? 'the next session on this base judges its runs again, then confirms it'
              : 'a later session may propose it again'),
          { proposalId: p.id },
        ),
      );
    }
  }
  st.finished = true;
  return { state: st, effects };
}

/** The last journal entry, with the final summary as its data. */
export function ended(
  state: SessionState,
  input: { status: string; reason: string; summary: Record<string, unknown> },
): Step {
  return {
    state,
    effects: [journal('session', `session ${input.status}: ${input.reason}`, { data: input.summary })],
  };
}

/**
 * After a crash, once the runs that ended unseen went through `runEnded` (resumed): trials still
 * marked running are queued again, and the new researcher sees every stored result (the Researcher
 * contract: it keeps no state the engine needs).
 */
export function resumed(ctx: EngineContext, state: SessionState, input: { pid: number }): Step {
  const st = draftOf(state);
  let requeued = 0;
  for (const t of st.trials) {
    if (t.status !== 'running') continue;
    t.status = 'pending';
    requeued++;
  }
  const effects: Effect[] = [];
  for (const p of st.proposals) {
    if (p.id === BASELINE || p.ablationOf) continue;
    if (st.trials.some((t) => t.proposalId === p.id && Object.keys(t.results).length))
      effects.push({ kind: 'observe', result: resultOf(st, ctx.spec, p) });
  }
  effects.push(
    journal('session', `session resumed by pid ${input.pid}: ${requeued} trial(s) re-queued`, {
      data: { requeued },
    }),
  );
  return { state: st, effects };
}

/** The user paused or resumed the session from the dashboard (no state: the pause lives in the loop). */
export function paused(state: SessionState): Step {
  return {
    state,
    effects: [journal('session', 'paused: no new runs until resumed (runs in flight continue)')],
  };
}

export function unpaused(state: SessionState): Step {
  return { state, effects: [journal('session', 'resumed')] };
}

/** A line for the journal with no decision in it (a researcher's note, an LLM call's cost, a code check). */
export function noted(
  state: SessionState,
  input: { kind: 'note' | 'llm'; title: string; extra?: JournalExtra },
): Step {
  return { state, effects: [journal(input.kind, input.title, input.extra)] };
}
