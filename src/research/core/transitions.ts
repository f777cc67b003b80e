/**
 * The only code that changes a session's state. Every transition takes the state and an input and
 * returns a new state plus the effects to carry out (core/effects.ts); `../effects.ts` carries them out
 * and persists. Transitions are pure: no store, no processes, no clock (time comes in as `now`).
 *
 * Copy-on-write: each transition first copies the state (`draft`) and changes only the copy, so a
 * state a caller holds never changes under it. The helpers of scheduler.ts and conclude.ts mutate the
 * state they are given; they are called here only on a draft (and by their own unit tests).
 *
 * The transitions, in the order a session meets them (ARCHITECTURE.md "A session's data flow"):
 *   created -> started -> launched -> (curveAsked -> curveJudged)? -> monitorStopped? -> runEnded (-> concluded, stacked) -> promoted
 *   -> reviewed -> asked / admitted / rejected -> noted -> paused / unpaused -> finished -> ended;
 *   after a crash: runEnded (resumed) for runs that ended unseen, then resumed.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import type { Assessment } from '../../monitor/assess.ts';
import type { Decision } from '../../monitor/base.ts';
import type { CurveJudgement, Proposal, ReviewDecision } from '../../researchers/base.ts';
import type { RunRecord, TriedIdea } from '../../store/base.ts';
import { formatEffect } from '../../stats/describe.ts';
import { mean } from '../../stats/summary.ts';
import { concludeReady } from './conclude.ts';
import { multiplierClause, multiplierOf } from './costed-runs.ts';
import { resultOf } from './digest.ts';
import { journal, type Effect, type JournalExtra, type Step } from './effects.ts';
import { NOT_RUN, triedKeys } from './ideas.ts';
import { admitProposal, type Admission } from './proposals.ts';
import { afterRung, cancelPending, newTrial, promote } from './scheduler.ts';
import { isFlopMatched, topRung, type SessionSpec } from './spec.ts';
import { stackProposal, STACK_SOURCE } from './stack.ts';
import { BASELINE, emptyState, proposalOf, valuesAt, type SessionState, type TrialState } from './state.ts';
import { countRunFlops, runEndState } from './trial-runs.ts';

/** What every transition may read about its session (fixed for the session's life). */
export interface EngineContext {
  sessionId: string;
  spec: SessionSpec;
  baseConfig: TrainConfig;
  baseFlopsPerToken: number;
}

export type StopDecision = Extract<Decision, { action: 'stop' }>;

/** The code folder of an admitted code change (io/code-experiments.ts made and checked it). */
export interface AdmittedCode {
  codeDir: string;
  codeHash: string;
  sandbox: 'bwrap' | 'none';
}

const draftOf = (state: SessionState): SessionState => structuredClone(state);

function trialOf(state: SessionState, id: string): TrialState {
  const t = state.trials.find((x) => x.id === id);
  if (!t) throw new Error(`unknown trial ${id}`);
  return t;
}

/** The id the next admitted proposal gets (a code change's folder is named after it before admission). */
export const nextProposalId = (state: SessionState): string => `p${state.nextProposal}`;

// ---------------------------------------------------------------------------------------------------
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
  for (let i = 0; i < spec.baselineSeeds; i++) newTrial(st, BASELINE, spec.seedBase + i, 'baseline', 0);
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
      journal('baseline', `baseline: ${spec.baselineSeeds} seeds at every rung to measure the noise floor`, {
        proposalId: BASELINE,
      }),
    ],
  };
}

/** The session is over: waiting trials are left, queued ones cancelled, open ideas inconclusive. */
export function finished(ctx: EngineContext, state: SessionState): Step {
  const st = draftOf(state);
  const effects: Effect[] = [];
  for (const t of st.trials) {
    if (t.status === 'awaiting') t.status = 'left';
    else if (t.status === 'pending') t.status = 'cancelled';
  }
  for (const p of st.proposals) {
    if (p.id === BASELINE || p.status !== 'active') continue;
    p.status = 'concluded';
    p.verdict = p.verdict === 'win' ? 'win' : 'inconclusive';
    // an idea the session never got to run stays open for later sessions
    if (!st.trials.some((t) => t.proposalId === p.id && t.runIds.length > 0))
      effects.push(idea(p.key, p.title, p.id, NOT_RUN));
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
    if (p.id === BASELINE) continue;
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

// ---------------------------------------------------------------------------------------------------
// Runs

/** A trial took a slot. */
export function started(state: SessionState, input: { trialId: string }): Step {
  const st = draftOf(state);
  trialOf(st, input.trialId).status = 'running';
  return { state: st, effects: [] };
}

/** A trial's run has an id (its record exists): the trial keeps it as evidence. */
export function launched(state: SessionState, input: { trialId: string; runId: string }): Step {
  const st = draftOf(state);
  const t = trialOf(st, input.trialId);
  if (!t.runIds.includes(input.runId)) t.runIds.push(input.runId);
  return { state: st, effects: [] };
}

/** A monitor rule stopped a run (the run has not ended yet): the kill is journaled with its evidence. */
export function monitorStopped(
  state: SessionState,
  input: { trialId: string; rung: number; runId: string; decision: StopDecision },
): Step {
  const t = trialOf(state, input.trialId);
  const d = input.decision;
  return {
    state,
    effects: [
      journal('kill', `${t.proposalId} ${t.id} stopped by ${d.rule}: ${d.message}`, {
        proposalId: t.proposalId,
        runIds: [input.runId],
        data: { rule: d.rule, evidence: d.evidence, rung: input.rung },
      }),
    ],
  };
}

/** Ambiguous curves put to the researcher per session, at most (each ask is one short LLM turn). */
export const MAX_CURVE_ASKS = 8;

/**
 * The monitor's rules disagree about a run (src/monitor/assess.ts): may the researcher be asked? Not
 * about a baseline run (it measures the noise: only the certain rules stop it), and at most
 * MAX_CURVE_ASKS times a session; otherwise the ask is counted and journaled with the rules' evidence.
 */
export function curveAsked(
  state: SessionState,
  input: { trialId: string; rung: number; runId: string; assessment: Assessment; researcher: string },
): Step & { allowed: boolean } {
  const t = trialOf(state, input.trialId);
  const asks = state.curveAsks ?? 0;
  if (t.proposalId === BASELINE || t.purpose === 'baseline' || asks >= MAX_CURVE_ASKS)
    return { state, effects: [], allowed: false };
  const st = draftOf(state);
  st.curveAsks = asks + 1;
  const a = input.assessment;
  const rule = a.decision.action === 'stop' ? a.decision.rule : 'none';
  return {
    state: st,
    allowed: true,
    effects: [
      journal(
        'note',
        `${t.proposalId} ${t.id}: ${rule} would stop it, but ${a.reasons.join('; ')}: asking ${input.researcher} (ask ${asks + 1} of ${MAX_CURVE_ASKS})`,
        {
          proposalId: t.proposalId,
          runIds: [input.runId],
          data: { rung: input.rung, verdicts: a.verdicts, signals: a.signals, reasons: a.reasons },
        },
      ),
    ],
  };
}

/**
 * The researcher's call on an ambiguous curve, journaled next to the rule it overrules or confirms. No
 * answer (an offline researcher, a failed turn, an answer about another run) leaves it to the rules. A
 * kill is then carried out as a monitor stop (`monitorStopped` journals it with the researcher's reason
 * in its evidence); a keep mutes that rule for this run only, a flag holds it to the run's next eval;
 * neither changes anything else.
 */
export function curveJudged(
  state: SessionState,
  input: {
    trialId: string;
    runId: string;
    rule: string;
    researcher: string;
    judgement?: CurveJudgement;
    refused?: string; // why an answer was not taken
  },
): Step {
  const t = trialOf(state, input.trialId);
  const j = input.judgement;
  const title = j
    ? `${input.researcher} judged ${t.proposalId} ${t.id} (${input.rule} said stop): ${j.call}: ${j.reason}`
    : `${input.researcher} gave no call on ${t.proposalId} ${t.id}${input.refused ? ` (${input.refused})` : ''}: the rules decide (${input.rule} stops it)`;
  return {
    state,
    effects: [
      journal('note', title.slice(0, 400), {
        proposalId: t.proposalId,
        runIds: [input.runId],
        data: { rule: input.rule, call: j?.call ?? 'rules', reason: j?.reason, refused: input.refused },
      }),
    ],
  };
}

/** How a trial's run ended, as the session saw it. */
export interface RunEnd {
  trialId: string;
  rung: number;
  resumeFrom?: string; // the checkpoint the run resumed from (its FLOPs start there)
  run?: RunRecord;
  decision?: StopDecision; // a monitor rule stopped it
  error?: string; // it could not be launched or followed
  aborted?: string; // the session was stopping when it ended
  resumed?: boolean; // settled after a crash (no live decision available)
  /** Ideas stored by earlier sessions: a stack proposed now is refused if one of them is the same. */
  ideas: TriedIdea[];
  now: string;
}

/**
 * A run ended: its FLOPs and calibration, then what it means for its trial and proposal (a result at
 * a rung, a monitor kill, a failure, a run cut short), then every conclusion that is ready now, and a
 * stack once two wins are confirmed. The researcher observes this result and every conclusion.
 */
export function runEnded(ctx: EngineContext, state: SessionState, o: RunEnd): Step {
  const { spec } = ctx;
  const st = draftOf(state);
  const fx: Effect[] = [];
  const t = trialOf(st, o.trialId);
  const p = proposalOf(st, t.proposalId);
  const run = o.run;
  const runIds = run ? [run.id] : [];
  if (run) {
    countRunFlops(st, t, o.resumeFrom, run, ctx.baseFlopsPerToken * p.cost);
    if (!o.resumed) runEndState(t, run);
    updateCalibration(st, run, p.cost);
  }
  const value = run ? resultOfRun(run) : undefined;

  if (value !== undefined) {
    t.results[String(o.rung)] = value;
    t.rungRuns[String(o.rung)] = run!.id;
    const base = valuesAt(st, BASELINE, o.rung);
    const delta =
      t.proposalId !== BASELINE && base.length
        ? ` (${formatEffect(value - mean(base))} vs baseline mean)`
        : '';
    fx.push(
      journal(
        'result',
        `${t.proposalId} ${t.id} rung ${o.rung} seed ${t.seed}: val bpb ${value.toFixed(4)}${delta}`,
        {
          proposalId: t.proposalId,
          runIds,
          data: { trial: t.id, rung: o.rung, valBpb: value, purpose: t.purpose },
        },
      ),
    );
    const wasActive = p.status === 'active';
    const created = afterRung(st, spec, t);
    if (t.proposalId === BASELINE) fx.push({ kind: 'reference', rung: o.rung });
    if (wasActive && p.status === 'concluded') {
      fx.push(
        journal('conclusion', `${p.id} ${p.title}: behind the baseline at the full budget; dropped`, {
          proposalId: p.id,
          runIds,
        }),
        idea(p.key, p.title, p.id, 'loss'),
      );
    }
    if (created.length) {
      fx.push(
        journal(
          'schedule',
          `${p.id} ${p.title} is ahead of the baseline at the full budget: ${created.length} more seed(s)`,
          { proposalId: p.id, runIds, data: { trials: created.map((x) => x.id) } },
        ),
      );
    }
  } else if (o.decision) {
    t.status = 'killed';
    t.stopRule = o.decision.rule;
    if (p.id === BASELINE) replaceBaselineSeed(ctx, st, t, fx);
    else {
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(st, p.id, `${p.id} stopped by ${o.decision.rule}`);
      fx.push(idea(p.key, p.title, p.id, 'stopped'));
    }
  } else if (o.aborted) {
    t.status = 'cancelled';
    t.note = o.aborted;
  } else if (o.resumed) {
    return { state: st, effects: fx }; // settled after a crash without a result: `resumed` re-queues it
  } else {
    t.status = 'failed';
    t.note = o.error ?? run?.statusReason ?? 'no result';
    fx.push(
      journal('result', `${t.proposalId} ${t.id} rung ${o.rung}: ${run?.status ?? 'error'} — ${t.note}`, {
        proposalId: t.proposalId,
        runIds,
      }),
    );
    if (p.id === BASELINE) replaceBaselineSeed(ctx, st, t, fx);
    const mine = st.trials.filter((x) => x.proposalId === p.id);
    if (p.id !== BASELINE && mine.every((x) => x.status === 'failed' || x.status === 'cancelled')) {
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(st, p.id, `${p.id} failed`);
      fx.push(idea(p.key, p.title, p.id, run?.status ?? 'failed'));
    }
  }
  // the researcher sees this result, and every proposal concluded now, with its verdict
  const concluded = concludeAll(ctx, st, fx, o.ideas, o.now);
  if (p.id !== BASELINE) concluded.add(p.id);
  for (const id of concluded) fx.push({ kind: 'observe', result: resultOf(st, spec, proposalOf(st, id)) });
  return { state: st, effects: fx };
}

/** A run whose trainer reached its budget and reported a finite val bpb: a usable result. */
function resultOfRun(run: RunRecord): number | undefined {
  const trainerDone = run.summary.trainerStatus === 'completed' || run.status === 'completed';
  const v = run.summary.valBpb;
  return trainerDone && typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Judge what is ready (on the draft); returns the ids of the proposals concluded now. */
function concludeAll(
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
    const worth =
      p.verdict === 'win' ? multiplierClause(multiplierOf(st, spec, p.id, ctx.baseFlopsPerToken)) : '';
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

/**
 * Every verdict waits for `baselineSeeds` baseline values at the top rung, so a baseline seed that
 * failed or was stopped is replaced by a fresh one (at most `baselineSeeds` replacements: a base config
 * that keeps failing is not retried forever).
 */
function replaceBaselineSeed(ctx: EngineContext, st: SessionState, t: TrialState, fx: Effect[]): void {
  const { spec } = ctx;
  if (t.purpose !== 'baseline') return;
  const mine = st.trials.filter((x) => x.proposalId === BASELINE);
  if (mine.filter((x) => x.note?.startsWith('replaces ')).length >= spec.baselineSeeds) return;
  const used = new Set(mine.map((x) => x.seed));
  let seed = spec.seedBase + spec.baselineSeeds;
  while (used.has(seed)) seed++;
  const n = newTrial(st, BASELINE, seed, 'baseline', 0);
  n.note = `replaces ${t.id}`;
  fx.push(
    journal('schedule', `baseline ${n.id} seed ${seed} replaces ${t.id} (${t.status})`, {
      proposalId: BASELINE,
      data: { trial: n.id, replaces: t.id },
    }),
  );
}

/** Throughput and per-run start-up overhead, refined from every run of the base cost. */
function updateCalibration(st: SessionState, run: RunRecord, cost: number): void {
  const c = st.calibration;
  const tps = run.summary.tokPerSec;
  const wall = run.summary.wallSeconds;
  const train = run.summary.trainSeconds;
  if (typeof tps !== 'number' || !(tps > 0) || isFlopMatched(cost)) return;
  const k = c.samples;
  c.tokPerSec = k === 0 || c.tokPerSec === undefined ? tps : (c.tokPerSec * k + tps) / (k + 1);
  if (typeof wall === 'number' && typeof train === 'number' && wall > train) {
    const startup = wall - train;
    c.startupSeconds =
      k === 0 || c.startupSeconds === undefined ? startup : (c.startupSeconds * k + startup) / (k + 1);
  }
  c.samples = k + 1;
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

// ---------------------------------------------------------------------------------------------------
// Successive halving and the researcher's review

/** Promote what successive halving allows now (`force`: see scheduler.ts `promote`), journaled. */
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
 * this ask; five in a row end the asking); `admitted` undefined: it had no proposals (exhausted);
 * otherwise how many of its proposals were admitted (five asks in a row with none ends the asking).
 */
export function asked(
  state: SessionState,
  input: { researcher: string; failed?: { error: string; transient: boolean }; admitted?: number },
): Step {
  const st = draftOf(state);
  const fx: Effect[] = [];
  const name = input.researcher;
  if (input.failed) {
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
 * An admitted proposal with its first trial(s): by default one explore trial at rung 0 (successive
 * halving from the bottom); `atTop`: `candidateSeeds` trials straight at the top rung (a change that
 * needs no screening, such as a stack of confirmed wins). Its id is `nextProposalId(state)`.
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

function enqueue(
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
    createdAt: opts.now,
  });
  if (opts.atTop) {
    for (let i = 0; i < spec.candidateSeeds; i++) newTrial(st, id, spec.seedBase + i, 'seeds', topRung(spec));
  } else newTrial(st, id, spec.seedBase, 'explore', 0);
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

const idea = (key: string, title: string, proposalId: string, outcome: string): Effect => ({
  kind: 'idea',
  idea: { key, title, proposalId, outcome },
});
