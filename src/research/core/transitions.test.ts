/**
 * Every rule of the engine, one case each, without a store or a process: the transitions are pure, so a
 * session's history is built here by calling them in order, as session.ts does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import type { Proposal } from '../../researchers/base.ts';
import type { RunRecord } from '../../store/base.ts';
import type { Effect, Step } from './effects.ts';
import { pooledNoise } from './conclude.ts';
import { NOT_RUN, triedIdeas, UNCONFIRMED } from './ideas.ts';
import { bandBases, currentBase } from './base.ts';
import { admitProposal } from './proposals.ts';
import { promote } from './trial-steps.ts';
import type { SessionSpecInput } from './spec.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { STACK_SOURCE } from './proposals.ts';
import { BASELINE, proposalOf, type SessionState, type TrialState } from './state.ts';
import { nextWork } from './scheduler.ts';
import * as T from './transitions.ts';
import { baselineValues, candidateValues, concludeReady } from './conclude.ts';
import { buildDigest } from './digest.ts';
import { compactDigest } from '../../researchers/prompts.ts';

const base = resolveConfig({ preset: 'tiny' });
const NOW = '2026-01-01T00:00:00.000Z';

function contextFor(spec: Partial<SessionSpecInput>): T.EngineContext {
  return {
    sessionId: 's-test',
    spec: testSpec(base, { rungTokens: [9000], tokPerSec: 1000, startupSeconds: 1, ...spec }),
    baseConfig: base,
    baseFlopsPerToken: 1000,
  };
}
const one = contextFor({}); // one rung: every result is a full-budget result
const three = contextFor({ rungTokens: [1000, 3000, 9000] }); // rungs 0 and 1 end inside warmup (4096)
const threeLong = contextFor({ rungTokens: [9000, 27_000, 81_000] }); // rung 0 is past twice the warmup

let runSeq = 0;
function runRecord(
  valBpb: number | undefined,
  status = valBpb === undefined ? 'failed' : 'completed',
): RunRecord {
  return {
    id: `r${++runSeq}`,
    status,
    statusReason: status === 'failed' ? 'exit 1' : undefined,
    runDir: '/nowhere',
    config: base,
    tags: {},
    summary: { valBpb, tokens: 1000, flops: 6e6, tokPerSec: 1000, wallSeconds: 3, trainSeconds: 1 },
  } as unknown as RunRecord;
}

const trial = (st: SessionState, id: string): TrialState => st.trials.find((t) => t.id === id)!;
const trialsOf = (st: SessionState, p: string) => st.trials.filter((t) => t.proposalId === p);
const kinds = (fx: Effect[]) => fx.map((e) => (e.kind === 'journal' ? `journal:${e.entry}` : e.kind));
const ideas = (fx: Effect[]) => fx.flatMap((e) => (e.kind === 'idea' ? [e.idea.outcome] : []));

/** End a trial's current run (a result, a monitor stop, a failure). */
function end(
  ctx: T.EngineContext,
  st: SessionState,
  id: string,
  how: { value?: number; stop?: string; error?: string; aborted?: string; resumed?: boolean },
): Step {
  const t = trial(st, id);
  const run = how.error ? undefined : runRecord(how.value, how.stop ? 'stopped' : undefined);
  const decision = how.stop
    ? { action: 'stop' as const, rule: how.stop, message: `${how.stop} fired`, evidence: {} }
    : undefined;
  if (run) st = T.launched(st, { trialId: id, runId: run.id }).state;
  return T.runEnded(ctx, st, {
    trialId: id,
    rung: t.rung,
    run,
    decision,
    error: how.error,
    aborted: how.aborted,
    resumed: how.resumed,
    ideas: [],
    now: NOW,
  });
}

/** Run a trial to the end of its rungs (or until it waits for promotion) with one value per rung. */
function finish(ctx: T.EngineContext, st: SessionState, id: string, value: (rung: number) => number) {
  const effects: Effect[] = [];
  while (trial(st, id).status === 'pending' || trial(st, id).status === 'running') {
    const step = end(ctx, st, id, { value: value(trial(st, id).rung) });
    st = step.state;
    effects.push(...step.effects);
  }
  return { state: st, effects };
}

function propose(title: string, set: Record<string, unknown>): Proposal {
  return {
    title,
    hypothesis: `${title} helps`,
    change: { kind: 'config', set },
    expectedEffect: -0.01,
    source: 'test',
  };
}

function admit(ctx: T.EngineContext, st: SessionState, p: Proposal, atTop = false) {
  const a = admitProposal(p, currentBase(st).config, {
    searchSpace: ctx.spec.searchSpace,
    noiseKeys: ctx.spec.noiseKeys,
    triedKeys: new Map(),
  });
  assert.ok(a.ok, a.ok ? '' : a.reason);
  return T.admitted(ctx, st, { proposal: p, admission: a, atTop, now: NOW });
}

/** A session whose baseline finished every rung (1.99, 2.00, 2.01 at rung 0; 0.1 lower each rung up). */
function withBaseline(ctx: T.EngineContext): SessionState {
  let st = T.created(ctx, { now: NOW }).state;
  for (const [i, t] of trialsOf(st, BASELINE).entries())
    st = finish(ctx, st, t.id, (r) => 2 - r * 0.1 + (i - 1) * 0.01).state;
  return st;
}

/** A candidate on a one-rung session with its three decision seeds at `value`. */
function judgedCandidate(st: SessionState, title: string, set: Record<string, unknown>, value: number) {
  const a = admit(one, st, propose(title, set));
  return { ...runCandidate(a.state, a.id, value), id: a.id };
}

/** Run an admitted candidate's pending decision trials at about `value`. */
function runCandidate(st: SessionState, id: string, value: number) {
  const effects: Effect[] = [];
  for (;;) {
    const next = trialsOf(st, id).find((t) => t.status === 'pending' && t.purpose !== 'confirm');
    if (!next) break;
    const r = finish(one, st, next.id, () => value + 0.01 * (trialsOf(st, id).indexOf(next) - 1));
    st = r.state;
    effects.push(...r.effects);
  }
  return { state: st, effects };
}

/** A candidate on a one-rung session, judged at `value` and confirmed at `value` (baseline 2.0). */
function confirmedWin(st: SessionState, title: string, set: Record<string, unknown>, value: number) {
  const c = judgedCandidate(st, title, set, value);
  return { ...confirmAt(c.state, c.id, value, c.effects), id: c.id };
}

/** Run the pending confirmation trials: the candidate at `value`, its base (the baseline) at 2.0. */
function confirmAt(st: SessionState, id: string, value: number, effects: Effect[] = []) {
  effects = [...effects];
  for (const t of st.trials.filter((x) => x.purpose === 'confirm' && x.status === 'pending')) {
    const s = end(one, st, t.id, { value: t.proposalId === id ? value : 2.0 });
    st = s.state;
    effects.push(...s.effects);
  }
  return { state: st, effects };
}

/** Run the pending extra decision seeds of `ids` at `value` (a pass needs two: sequential.ts MIN_PASS_SEEDS). */
function moreSeeds(st: SessionState, ids: string[], value: number, ctx = one) {
  for (;;) {
    const t = st.trials.find(
      (x) => ids.includes(x.proposalId) && x.purpose === 'seeds' && x.status === 'pending',
    );
    if (!t) return st;
    st = end(ctx, st, t.id, { value }).state;
  }
}

/** Run every pending confirmation trial with `value(trial)`. */
function confirmAll(st: SessionState, value: (t: TrialState) => number, ctx = one) {
  const effects: Effect[] = [];
  for (;;) {
    const t = st.trials.find((x) => x.purpose === 'confirm' && x.status === 'pending');
    if (!t) break;
    const s = end(ctx, st, t.id, { value: value(t) });
    st = s.state;
    effects.push(...s.effects);
  }
  return { state: st, effects };
}

const COVERED = new Set<string>();
const covers = (...names: string[]) => names.forEach((n) => COVERED.add(n));

describe('session transitions', () => {
  it('created: the baseline proposal, two seeds from rung 0 and the third at the top, journaled', () => {
    covers('created');
    const s = T.created(three, { now: NOW });
    const top = three.spec.rungTokens.length - 1;
    assert.ok(top > 0, 'the spec has lower rungs');
    assert.deepEqual(
      s.state.trials.map((t) => [t.proposalId, t.purpose, t.rung, t.status]),
      [0, 0, top].map((r) => [BASELINE, 'baseline', r, 'pending']),
    );
    assert.deepEqual(kinds(s.effects), ['journal:session', 'journal:baseline']);
    const said = s.effects[1];
    assert.ok(
      said.kind === 'journal' && said.title.includes('3 seeds at the top rung, 2 of them at every rung'),
    );
    const history = { sd: 0.01, df: 12, sessions: ['s-a', 's-b'], configs: 5 };
    const h = T.created(contextFor({ baselineSeeds: 2, historyNoise: history }), { now: NOW });
    assert.equal(h.state.trials.length, 2, 'history covers the noise: 2 baseline seeds');
    const entry = h.effects.at(-1);
    assert.ok(entry?.kind === 'journal' && /pooling 12 df .* 2 earlier session/.test(entry.title));
    assert.deepEqual(entry.extra?.data, { historyNoise: history }, 'its provenance');
  });

  it('started and launched: the trial runs and keeps its run id; the state given is never changed', () => {
    covers('started', 'launched');
    const st0 = T.created(three, { now: NOW }).state;
    const frozen = structuredClone(st0);
    const id = st0.trials[0].id;
    const st1 = T.started(st0, { trialId: id }).state;
    const st2 = T.launched(st1, { trialId: id, runId: 'r-1' }).state;
    assert.equal(trial(st2, id).status, 'running');
    assert.deepEqual(trial(st2, id).runIds, ['r-1']);
    assert.deepEqual(T.launched(st2, { trialId: id, runId: 'r-1' }).state.trials[0].runIds, ['r-1'], 'once');
    assert.deepEqual(st0, frozen, 'copy-on-write: the input state is unchanged');
    assert.equal(trial(st1, id).runIds.length, 0);
  });

  it('a baseline result moves it up a rung and rebuilds the reference band; FLOPs and calibration are counted', () => {
    covers('runEnded');
    const st = T.created(three, { now: NOW }).state;
    const id = st.trials[0].id;
    const s = end(three, st, id, { value: 2.0 });
    assert.deepEqual([trial(s.state, id).status, trial(s.state, id).rung], ['pending', 1]);
    assert.ok(s.effects.some((e) => e.kind === 'reference' && e.rung === 0));
    assert.equal(s.state.flopsUsed, 6e6);
    assert.equal(s.state.calibration.tokPerSec, 1000);
    assert.equal(s.state.calibration.startupSeconds, 2);
  });

  it('a monitor stop journals the kill; the run ending stopped records the idea as stopped and cancels its queue', () => {
    covers('monitorStopped');
    let st = withBaseline(three);
    const a = admit(three, st, propose('higher LR', { 'optim.lr': 0.01 }));
    st = a.state;
    const t = trialsOf(st, a.id)[0];
    const kill = T.monitorStopped(st, {
      trialId: t.id,
      rung: 0,
      runId: 'r-9',
      decision: { action: 'stop', rule: 'divergence', message: 'loss 3x its minimum', evidence: {} },
    });
    assert.deepEqual(kinds(kill.effects), ['journal:kill']);
    assert.equal(kill.state, st, 'a kill by itself changes nothing: the run has not ended yet');
    const s = end(three, st, t.id, { stop: 'divergence' });
    assert.equal(trial(s.state, t.id).status, 'killed');
    assert.equal(trial(s.state, t.id).stopRule, 'divergence');
    const p = s.state.proposals.find((x) => x.id === a.id)!;
    assert.deepEqual([p.status, p.verdict], ['concluded', 'loss']);
    assert.deepEqual(ideas(s.effects), ['stopped']);
    assert.ok(
      s.effects.some(
        (e) => e.kind === 'observe' && e.result.proposalId === a.id && e.result.status === 'stopped',
      ),
    );
  });

  it('a monitor stop that lands after the trainer reached its budget leaves the value standing, and the journal says so', () => {
    let st = withBaseline(three);
    const a = admit(three, st, propose('higher LR', { 'optim.lr': 0.01 }));
    st = a.state;
    const t = trialsOf(st, a.id)[0];
    st = T.launched(st, { trialId: t.id, runId: 'r-late' }).state;
    const run = { ...runRecord(3.1, 'stopped'), id: 'r-late' } as RunRecord;
    run.summary = { ...run.summary, trainerStatus: 'completed' };
    const s = T.runEnded(three, st, {
      trialId: t.id,
      rung: 0,
      run,
      decision: { action: 'stop', rule: 'behind-baseline', message: 'behind', evidence: {} },
      ideas: [],
      now: NOW,
    });
    assert.equal(trial(s.state, t.id).results['0'], 3.1);
    assert.notEqual(trial(s.state, t.id).status, 'killed');
    const line = s.effects.find((e) => e.kind === 'journal' && e.entry === 'result') as Extract<
      Effect,
      { kind: 'journal' }
    >;
    assert.match(line.title, /the behind-baseline stop landed after the run reached its budget/);
  });

  it('an ambiguous curve may be put to the researcher, never about a baseline run and at most MAX_CURVE_ASKS times; its call is journaled', () => {
    covers('curveAsked', 'curveJudged');
    let st = withBaseline(three);
    const a = admit(three, st, propose('higher LR', { 'optim.lr': 0.01 }));
    st = a.state;
    const t = trialsOf(st, a.id)[0];
    const stop = {
      action: 'stop' as const,
      rule: 'cannot-catch-up',
      message: 'cannot reach the band',
      evidence: { at: 1 },
    };
    const assessment = {
      decision: stop,
      ambiguous: true,
      confidence: 'low' as const,
      reasons: ['cannot-catch-up says stop but behind-baseline says continue'],
      verdicts: [
        { rule: 'cannot-catch-up', action: 'stop' as const, message: stop.message, evidence: stop.evidence },
        { rule: 'behind-baseline', action: 'continue' as const },
      ],
      signals: { evalZ: 4 },
    };
    const ask = (state: SessionState, trialId: string) =>
      T.curveAsked(state, { trialId, rung: 0, runId: 'r-7', assessment, researcher: 'claude' });
    const first = ask(st, t.id);
    assert.equal(first.allowed, true);
    assert.equal(first.state.curveAsks, 1);
    assert.equal(st.curveAsks, undefined, 'the state given is never changed');
    assert.deepEqual(kinds(first.effects), ['journal:note']);
    const e = first.effects[0] as Extract<Effect, { kind: 'journal' }>;
    assert.deepEqual(e.extra?.data?.verdicts, assessment.verdicts, "the rules' evidence is journaled");
    const b = trialsOf(st, BASELINE)[0];
    const onBaseline = ask(st, b.id);
    assert.equal(onBaseline.allowed, false, 'a baseline run is never put to the researcher');
    assert.deepEqual(onBaseline.effects, []);
    let spent = first.state;
    for (let i = 1; i < T.MAX_CURVE_ASKS; i++) spent = ask(spent, t.id).state;
    assert.equal(ask(spent, t.id).allowed, false, 'the asks are rate-limited per session');

    const kept = T.curveJudged(first.state, {
      trialId: t.id,
      runId: 'r-7',
      rule: 'cannot-catch-up',
      researcher: 'claude',
      judgement: { runId: 'r-7', call: 'keep', reason: 'ahead on train loss' },
    });
    assert.equal(kept.state, first.state, "a call changes no state: it only decides that run's stop");
    assert.match((kept.effects[0] as { title: string }).title, /keep: ahead on train loss/);
    const none = T.curveJudged(first.state, {
      trialId: t.id,
      runId: 'r-7',
      rule: 'cannot-catch-up',
      researcher: 'claude',
      refused: 'its answer was about run r-1',
    });
    assert.match((none.effects[0] as { title: string }).title, /the rules decide/);
  });

  it('a stopped or failed baseline seed is replaced by a fresh seed (at most baselineSeeds times)', () => {
    let st = T.created(three, { now: NOW }).state;
    const first = st.trials[0].id;
    st = end(three, st, first, { stop: 'nan' }).state;
    const repl = st.trials.filter((t) => t.note?.startsWith('replaces '));
    assert.equal(repl.length, 1);
    assert.equal(repl[0].seed, three.spec.seedBase + three.spec.baselineSeeds);
    for (let i = 0; i < 5; i++) {
      const next = st.trials.find((t) => t.proposalId === BASELINE && t.status === 'pending')!;
      st = end(three, st, next.id, { error: 'no python' }).state;
    }
    assert.equal(st.trials.filter((t) => t.note?.startsWith('replaces ')).length, three.spec.baselineSeeds);
  });

  it('a proposal whose every trial failed is a loss recorded as failed; an aborted run is only cancelled', () => {
    let st = withBaseline(three);
    const a = admit(three, st, propose('wider', { 'model.width': 96 }));
    st = a.state;
    const t = trialsOf(st, a.id)[0];
    const aborted = end(three, st, t.id, { aborted: 'time budget spent' });
    assert.equal(trial(aborted.state, t.id).status, 'cancelled');
    assert.deepEqual(ideas(aborted.effects), []);
    const failed = end(three, st, t.id, { error: 'trainer crashed' });
    assert.equal(trial(failed.state, t.id).status, 'failed');
    assert.equal(failed.state.proposals.find((x) => x.id === a.id)!.verdict, 'loss');
    assert.deepEqual(ideas(failed.effects), ['failed']);
  });

  it('after a crash, a run that ended without a result leaves its trial to be re-queued', () => {
    let st = withBaseline(three);
    const a = admit(three, st, propose('wider', { 'model.width': 96 }));
    st = T.started(a.state, { trialId: trialsOf(a.state, a.id)[0].id }).state;
    const t = trialsOf(st, a.id)[0];
    const s = end(three, st, t.id, { error: 'lost', resumed: true });
    assert.deepEqual(s.effects, []);
    assert.equal(trial(s.state, t.id).status, 'running');
  });

  it('sequential looks: behind its base after one seed is a loss, undecided gets one seed at a time up to maxSeeds, a clear win goes to confirmation after its second', () => {
    let st = withBaseline(one); // 1.99, 2.00, 2.01: a noise floor of 0.01
    const worse = judgedCandidate(st, 'worse', { 'optim.lr': 0.01 }, 2.02); // 2.01: behind, within the noise
    assert.deepEqual(ideas(worse.effects), ['loss']);
    assert.deepEqual(
      trialsOf(worse.state, worse.id).map((t) => t.purpose),
      ['explore'],
      'one seed was enough',
    );
    assert.ok(kinds(worse.effects).includes('journal:conclusion'));
    assert.ok(!worse.effects.some((e) => e.kind === 'finding'), 'futility is no statistical claim');
    st = worse.state;
    const a = admit(one, st, propose('ambiguous', { 'optim.lr': 0.004 }));
    const s = end(one, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.995 });
    assert.deepEqual(
      trialsOf(s.state, a.id).map((t) => [t.purpose, t.status]),
      [
        ['explore', 'done'],
        ['seeds', 'pending'],
      ],
    );
    assert.ok(s.effects.some((e) => e.kind === 'journal' && /one more seed/.test(e.title)));
    const amb = judgedCandidate(st, 'ambiguous 2', { 'optim.lr': 0.0045 }, 1.985);
    const p = amb.state.proposals.find((x) => x.id === amb.id)!;
    assert.equal(p.stats?.n, one.spec.maxSeeds, 'seeds up to maxSeeds');
    assert.deepEqual(
      p.looks?.map((l) => l.n),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual([p.status, p.verdict], ['concluded', 'inconclusive']);
    const clear = judgedCandidate(st, 'clear', { 'optim.lr': 0.003 }, 1.7);
    assert.equal(
      trialsOf(clear.state, clear.id).filter((t) => t.purpose !== 'confirm').length,
      2,
      'never a pass on one seed (src/stats/sequential.ts MIN_PASS_SEEDS)',
    );
    assert.equal(trialsOf(clear.state, clear.id).filter((t) => t.purpose === 'confirm').length, 1);
  });

  it('a candidate that passes the decision test is re-run on held-out seeds, paired with the baseline', () => {
    const c = judgedCandidate(withBaseline(one), 'better', { 'optim.lr': 0.004 }, 1.7);
    const confirm = c.state.trials.filter((t) => t.purpose === 'confirm');
    assert.deepEqual(confirm.map((t) => t.proposalId).sort(), [BASELINE, c.id].sort());
    assert.equal(c.state.proposals.find((p) => p.id === c.id)!.verdict, 'pending');
    assert.ok(kinds(c.effects).includes('journal:schedule'));
  });

  it('a confirmed candidate is a win with a finding; a confirmation that fails demotes it', () => {
    const c = judgedCandidate(withBaseline(one), 'better', { 'optim.lr': 0.004 }, 1.7);
    const confirmTrials = (st: SessionState) => st.trials.filter((t) => t.purpose === 'confirm');
    const confirmWith = (value: number) => {
      let st = c.state;
      const fx: Effect[] = [];
      for (const t of confirmTrials(st)) {
        const s = end(one, st, t.id, { value: t.proposalId === BASELINE ? 2.0 : value });
        st = s.state;
        fx.push(...s.effects);
      }
      return { state: st, effects: fx, p: st.proposals.find((p) => p.id === c.id)! };
    };
    const win = confirmWith(1.7);
    assert.deepEqual([win.p.status, win.p.verdict, win.p.confirmed], ['concluded', 'win', true]);
    assert.deepEqual(ideas(win.effects), ['win']);
    const finding = win.effects.find((e) => e.kind === 'finding');
    assert.ok(finding && finding.kind === 'finding' && finding.finding.confirmed);
    const demoted = confirmWith(2.1);
    assert.equal(demoted.p.status, 'concluded');
    assert.notEqual(demoted.p.verdict, 'win');
    assert.ok(!demoted.effects.some((e) => e.kind === 'finding' && e.finding.confirmed));
  });

  it('a confirmed win says what it is worth in compute, from the baseline fitted over its rungs', () => {
    // Baseline L(C) = 1 + 40 C^-0.2 at the three rungs (C = tokens x 1000 FLOPs/token); the candidate
    // reaches, at the full budget, the loss the baseline fit puts at 1.5x its compute.
    const law = (tokens: number) => 1 + 40 * (tokens * 1000) ** -0.2;
    let st = T.created(three, { now: NOW }).state;
    for (const [i, t] of trialsOf(st, BASELINE).entries())
      st = finish(three, st, t.id, (r) => law(three.spec.rungTokens[r]) + (i - 1) * 0.002).state;
    const a = admit(three, st, propose('better', { 'optim.lr': 0.004 }), true);
    st = a.state;
    const fx: Effect[] = [];
    for (;;) {
      const next = st.trials.find((t) => t.status === 'pending');
      if (!next) break;
      const v = next.proposalId === BASELINE ? law(9000) : law(1.5 * 9000);
      const r = finish(three, st, next.id, () => v + 0.002 * ((Number(next.id.slice(1)) % 3) - 1));
      st = r.state;
      fx.push(...r.effects);
    }
    const finding = fx.find((e) => e.kind === 'finding');
    assert.ok(finding && finding.kind === 'finding' && finding.finding.confirmed, 'a confirmed win');
    const m = /worth ([\d.]+)× compute \[/.exec(finding.finding.statement);
    assert.ok(m, finding.finding.statement);
    assert.ok(Math.abs(Number(m[1]) - 1.5) < 0.2, finding.finding.statement);
    const conclusion = fx.find((e) => e.kind === 'journal' && e.entry === 'conclusion');
    assert.match(
      conclusion && conclusion.kind === 'journal' ? conclusion.title : '',
      /worth [\d.]+× compute/,
    );
  });

  it('a confirmed win becomes the base: later ideas are diffs on it and judged against it; the base history keeps the evidence', () => {
    const c = judgedCandidate(withBaseline(one), 'lower LR', { 'optim.lr': 0.004 }, 1.7);
    const won = confirmAll(c.state, (t) => (t.proposalId === BASELINE ? 2.0 : 1.7));
    assert.equal(won.state.base, c.id);
    assert.equal(won.state.rebases?.length, 1);
    const r = won.state.rebases![0];
    assert.deepEqual([r.from, r.to, r.evidence.n, r.evidence.nBase], [BASELINE, c.id, 2, 3]);
    assert.ok(r.evidence.ci95[1] < 0 && r.evidence.delta < 0);
    assert.equal(r.seedTrials.length, 3, 'its two decision seeds and its held-out confirmation');
    const entry = won.effects.find((e) => e.kind === 'journal' && e.entry === 'baseline');
    assert.match(
      entry && entry.kind === 'journal' ? entry.title : '',
      /re-based: p1 lower LR is the new base/,
    );
    // a later idea: admitted on the new base, judged against it (1.7 is no better than the base)
    const later = judgedCandidate(won.state, 'more decay', { 'optim.weightDecay': 0.033 }, 1.72);
    const lp = later.state.proposals.find((p) => p.id === later.id)!;
    assert.equal(lp.baseId, c.id);
    assert.equal(lp.config.optim.lr, 0.004, 'a diff on the new base');
    assert.equal(lp.verdict, 'loss', 'behind the new base (though far ahead of the baseline)');
    const better = judgedCandidate(later.state, 'even lower LR', { 'optim.weightDecay': 0.05 }, 1.4);
    const bw = confirmAll(better.state, (t) => (t.proposalId === c.id ? 1.7 : 1.4));
    const bp = bw.state.proposals.find((p) => p.id === better.id)!;
    assert.equal(bp.verdict, 'win');
    assert.ok(Math.abs(bp.stats!.delta + 0.3) < 0.03, `judged against the new base: ${bp.stats!.delta}`);
    assert.deepEqual(
      bw.state.rebases?.map((x) => [x.from, x.to]),
      [
        [BASELINE, c.id],
        [c.id, better.id],
      ],
    );
  });

  it('a base run stopped by the monitor or failing leaves the base and its verdict as they are', () => {
    const c = judgedCandidate(withBaseline(one), 'lower LR', { 'optim.lr': 0.004 }, 1.7);
    let st = confirmAll(c.state, (t) => (t.proposalId === BASELINE ? 2.0 : 1.7)).state;
    const later = judgedCandidate(st, 'more decay', { 'optim.weightDecay': 0.033 }, 1.4);
    st = later.state;
    const baseConfirm = st.trials.find((t) => t.proposalId === c.id && t.status === 'pending')!;
    assert.equal(baseConfirm.purpose, 'confirm', 'the base is re-run on the held-out seed');
    st = end(one, st, baseConfirm.id, { stop: 'spike' }).state;
    const p = st.proposals.find((x) => x.id === c.id)!;
    assert.deepEqual([p.verdict, st.base], ['win', c.id]);
  });

  it('a re-base drops the ideas judged against the old base on a knob the new base changed; the others go on', () => {
    let st = withBaseline(three);
    const a = admit(three, st, propose('lower LR', { 'optim.lr': 0.004 }), true);
    const clash = admit(
      three,
      a.state,
      propose('other LR and decay', { 'optim.lr': 0.006, 'optim.beta2': 0.99 }),
    );
    const apart = admit(three, clash.state, propose('more decay', { 'optim.weightDecay': 0.033 }));
    st = apart.state;
    st = end(three, st, trialsOf(st, a.id)[0].id, { value: 1.5 }).state;
    st = moreSeeds(st, [a.id], 1.5, three);
    const won = confirmAll(st, (t) => (t.proposalId === BASELINE ? 1.8 : 1.5), three);
    assert.equal(won.state.base, a.id);
    const status = (id: string) => won.state.proposals.find((p) => p.id === id)!.status;
    assert.equal(status(clash.id), 'dropped');
    assert.equal(won.state.proposals.find((p) => p.id === clash.id)!.verdict, 'inconclusive');
    assert.deepEqual(
      trialsOf(won.state, clash.id).map((t) => t.status),
      ['cancelled'],
      'its waiting trial never runs',
    );
    assert.equal(status(apart.id), 'active', 'a change the new base did not touch can still be carried');
    assert.ok(
      won.effects.some(
        (e) =>
          e.kind === 'journal' &&
          e.entry === 'note' &&
          e.title.includes(`${clash.id} other LR and decay: dropped`) &&
          e.title.includes('optim.lr'),
      ),
    );
  });

  it('a win judged against an older base is carried onto the current one as a stack, at the top rung', () => {
    let st = withBaseline(one);
    const a = admit(one, st, propose('lower LR', { 'optim.lr': 0.004 }));
    const b = admit(one, a.state, propose('more decay', { 'optim.weightDecay': 0.033 }));
    st = b.state;
    for (const id of [a.id, b.id]) st = end(one, st, trialsOf(st, id)[0].id, { value: 1.7 }).state;
    st = moreSeeds(st, [a.id, b.id], 1.7);
    const both = confirmAll(st, (t) => (t.proposalId === BASELINE ? 2.0 : 1.7));
    assert.equal(both.state.base, a.id, 'the first confirmed became the base');
    const stacks = both.state.proposals.filter((p) => p.source === 'stack');
    assert.equal(stacks.length, 1);
    assert.equal(stacks[0].baseId, a.id);
    assert.deepEqual(stacks[0].change, { kind: 'config', set: { 'optim.weightDecay': 0.033 } });
    assert.equal(stacks[0].config.optim.lr, 0.004);
    assert.deepEqual(
      trialsOf(both.state, stacks[0].id).map((t) => [t.purpose, t.rung]),
      [['seeds', 0]],
    );
    assert.ok(
      both.effects.some(
        (e) => e.kind === 'journal' && e.entry === 'schedule' && /confirmed wins together/.test(e.title),
      ),
    );
  });

  it('a re-base that leaves a multi-knob win behind stops its ablation (arms not started are cancelled) and takes apart the stack it keeps', () => {
    const ctx = contextFor({ budgetSeconds: 2000 }); // 200 full runs: the ablation share pays for the arms
    const three = { 'optim.lr': 0.004, 'model.qkNorm': true, 'model.logitSoftcap': 15 };
    const a = admit(ctx, withBaseline(ctx), propose('bundle', three), true);
    let st = moreSeeds(
      end(ctx, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.5 }).state,
      [a.id],
      1.5,
      ctx,
    );
    const w = confirmAll(st, (t) => (t.proposalId === BASELINE ? 1.9 : 1.5), ctx);
    st = w.state;
    assert.equal(st.base, a.id);
    assert.equal(st.ablations?.[0].status, 'running', 'the best multi-knob win is taken apart');
    const arms = st.trials.filter((t) => t.purpose === 'ablation');
    assert.ok(arms.length >= 6);
    // one arm's seed runs; then a candidate that sets the LR back (a pace check) is confirmed on it
    st = end(ctx, st, arms[0].id, { value: 1.6 }).state;
    const b = admit(ctx, st, propose('bundle at the old LR', { 'optim.lr': base.optim.lr }), true);
    st = moreSeeds(end(ctx, b.state, trialsOf(b.state, b.id)[0].id, { value: 1.3 }).state, [b.id], 1.3, ctx);
    const r = confirmAll(st, (t) => (t.proposalId === a.id ? 1.5 : 1.3), ctx);
    assert.equal(r.state.base, b.id);
    const study = r.state.ablations!.find((x) => x.winId === a.id)!;
    assert.equal(study.status, 'done');
    assert.match(study.minimal?.note ?? '', /no knob was measured/, 'one arm seed measures no share');
    const after = r.state.trials.filter((t) => arms.some((x) => x.id === t.id));
    assert.deepEqual(
      [...new Set(after.map((t) => t.status))].sort(),
      ['cancelled', 'done'],
      'the arm that ran keeps its value; the rest never start',
    );
    assert.ok(
      r.effects.some(
        (e) =>
          e.kind === 'journal' &&
          /its ablation stops with what ran: the new base .* sets optim\.lr otherwise/.test(e.title),
      ),
    );
    // the new base is the bundle without its LR: that stack is taken apart, against the baseline
    const kept = r.state.ablations!.find((x) => x.winId === b.id)!;
    assert.equal(kept.baseId, BASELINE);
    assert.deepEqual(kept.set, { 'model.qkNorm': true, 'model.logitSoftcap': 15 });
    const armConfigs = kept.arms.map((x) => proposalOf(r.state, x.proposalId).config);
    assert.ok(armConfigs.every((c) => c.optim.lr === base.optim.lr));
    assert.deepEqual(armConfigs.map((c) => [c.model.qkNorm, c.model.logitSoftcap]).sort(), [
      [false, 15],
      [true, base.model.logitSoftcap],
    ]);
  });

  it('re-basing on a three-rung session adds the lower-rung base seed it lacks, from the explore rung, run first', () => {
    const rebased = (ctx: typeof three) => {
      const a = admit(ctx, withBaseline(ctx), propose('lower LR', { 'optim.lr': 0.004 }), true);
      let s = end(ctx, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.5 }).state;
      s = moreSeeds(s, [a.id], 1.5, ctx);
      s = confirmAll(s, (t) => (t.proposalId === BASELINE ? 1.8 : 1.5), ctx).state;
      assert.equal(s.base, a.id);
      return { s, id: a.id, fillers: trialsOf(s, a.id).filter((t) => t.purpose === 'baseline') };
    };
    // rung 0 ends inside warmup here: ideas start at rung 1 (spec.ts exploreRung), and so do the fillers
    const { s, id, fillers } = rebased(three);
    // one: the band's spread below the top comes from the baseline's two seeds (core/base.ts bandBases)
    assert.deepEqual(
      fillers.map((t) => [t.rung, t.untilRung, t.status]),
      [[1, 1, 'pending']],
    );
    assert.equal(nextWork(s, three.spec, Infinity), undefined, 'no idea runs below the top yet: they wait');
    const later = admit(three, s, propose('wider', { 'model.width': 96 }));
    const idea = nextWork(later.state, three.spec, Infinity);
    assert.equal(idea?.trial.proposalId, later.id, 'an idea proposed but not started wants no base seed yet');
    const started = T.started(later.state, { trialId: idea!.trial.id }).state;
    const next = nextWork(started, three.spec, Infinity);
    assert.equal(next?.trial.id, fillers[0].id, 'once it has started, a base seed below the top runs next');
    let done = started;
    for (const f of fillers) done = finish(three, done, f.id, (r) => 1.9 - r * 0.1).state;
    assert.deepEqual(
      trialsOf(done, id)
        .filter((t) => t.purpose === 'baseline')
        .map((t) => [t.status, Object.keys(t.results)]),
      [['done', ['1']]],
    );
    assert.deepEqual(bandBases(done, 1), { level: id, spread: BASELINE });
    assert.deepEqual(bandBases(done, 0), { level: BASELINE, spread: BASELINE });
    // the digest gives the researcher the new base at every rung it ran: a screening design's row 0
    const d = buildDigest('s-test', done, three.spec, proposalOf(done, id).config, [], [], 1000, 0);
    const first = trialsOf(done, id).find((t) => t.seed === three.spec.seedBase && t.results['1'])!;
    assert.deepEqual(
      d.baseAtRungs?.map((x) => [x.rung, x.n]),
      [
        [1, 1],
        [2, trialsOf(done, id).filter((t) => t.results['2'] !== undefined).length],
      ],
    );
    assert.equal(d.baseAtRungs?.[0].firstSeed, first.results['1']);
    // where ideas start at rung 0, the fillers climb from rung 0
    assert.deepEqual(
      rebased(threeLong).fillers.map((t) => [t.rung, t.untilRung]),
      [[0, 1]],
    );
  });

  it('promoted: successive halving promotes the top 1/eta of a rung, journaled', () => {
    covers('promoted');
    let st = withBaseline(threeLong);
    const ids: string[] = [];
    for (const [i, lr] of [0.004, 0.005, 0.007].entries()) {
      const a = admit(threeLong, st, propose(`lr ${lr}`, { 'optim.lr': lr }));
      st = end(threeLong, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.9 + i * 0.01 }).state;
      ids.push(a.id);
    }
    const none = T.promoted(threeLong, st, { force: false });
    assert.equal(none.promoted.length, 1);
    assert.equal(none.promoted[0].proposalId, ids[0]);
    assert.deepEqual([none.promoted[0].status, none.promoted[0].rung], ['pending', 1]);
    assert.deepEqual(kinds(none.effects), ['journal:promotion']);
    assert.equal(T.promoted(threeLong, none.state, { force: false }).promoted.length, 0, 'nothing twice');
  });

  it('reviewed: the researcher drops (waiting trials left behind) and promotes at most as many as halving did', () => {
    covers('reviewed');
    let st = withBaseline(threeLong);
    const ids: string[] = [];
    for (const [i, lr] of [0.004, 0.005, 0.007].entries()) {
      const a = admit(threeLong, st, propose(`lr ${lr}`, { 'optim.lr': lr }));
      st = end(threeLong, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.9 + i * 0.01 }).state;
      ids.push(a.id);
    }
    st = T.promoted(threeLong, st, { force: false }).state;
    const s = T.reviewed(st, {
      rung: 0,
      promotedCount: 1,
      decision: { drop: [ids[1]], promote: [ids[1], ids[2], ids[2]] },
      reviewer: 'llm',
    });
    const p1 = s.state.proposals.find((p) => p.id === ids[1])!;
    assert.deepEqual([p1.status, trialsOf(s.state, ids[1])[0].status], ['dropped', 'left']);
    assert.deepEqual(ideas(s.effects), ['dropped']);
    assert.deepEqual(
      [trialsOf(s.state, ids[2])[0].status, trialsOf(s.state, ids[2])[0].rung],
      ['pending', 1],
    );
    assert.equal(s.effects.filter((e) => e.kind === 'journal' && /promoted/.test(e.title)).length, 1);
  });

  it('asked: no proposals ends the asking; failures and refusals end it after five in a row', () => {
    covers('asked');
    const st = T.created(one, { now: NOW }).state;
    assert.equal(T.asked(st, { researcher: 'x' }).state.researcherExhausted, true);
    assert.equal(
      T.asked(st, { researcher: 'x', failed: { error: 'bad key', transient: false } }).state
        .researcherExhausted,
      true,
    );
    let s = st;
    for (let i = 0; i < 4; i++)
      s = T.asked(s, { researcher: 'x', failed: { error: '529', transient: true } }).state;
    assert.equal(s.researcherExhausted, false, 'four outages in a row only skip');
    assert.equal(
      T.asked(s, { researcher: 'x', admitted: 1 }).state.emptyAsks,
      0,
      'an admission resets the count',
    );
    const fifth = T.asked(s, { researcher: 'x', admitted: 0 });
    assert.equal(fifth.state.researcherExhausted, true);
    assert.match((fifth.effects[0] as { title: string }).title, /five rounds/);
    // a wait for a run in flight is neither exhaustion nor an empty ask
    const waited = T.asked(s, { researcher: 'x', waited: 'the stack is judged' });
    assert.equal(waited.state.researcherExhausted, false);
    assert.equal(waited.state.emptyAsks, s.emptyAsks);
    assert.match((waited.effects[0] as { title: string }).title, /waits for a run to end: the stack/);
  });

  it('admitted and rejected: an idea queued with its explore trial (or all seeds at the top), a refusal kept', () => {
    covers('admitted', 'rejected');
    const st = T.created(three, { now: NOW }).state;
    const a = admit(three, st, propose('lower LR', { 'optim.lr': 0.004 }));
    assert.equal(a.id, 'p1');
    // a rung that ends inside warmup ranks warm-up speed: a new idea starts at the first that does not,
    // below the top (core/spec.ts exploreRung)
    assert.deepEqual(
      trialsOf(a.state, 'p1').map((t) => [t.purpose, t.rung, t.startRung]),
      [['explore', 1, 1]],
    );
    const long = admit(
      threeLong,
      T.created(threeLong, { now: NOW }).state,
      propose('lower LR', { 'optim.lr': 0.004 }),
    );
    assert.deepEqual(
      trialsOf(long.state, 'p1').map((t) => [t.purpose, t.rung]),
      [['explore', 0]],
    );
    assert.deepEqual(kinds(a.effects), ['idea', 'journal:proposal']);
    assert.equal(T.nextProposalId(a.state), 'p2');
    const top = admit(three, a.state, propose('stack', { 'optim.lr': 0.005 }), true);
    assert.deepEqual(
      trialsOf(top.state, top.id).map((t) => [t.purpose, t.rung]),
      [['seeds', 2]],
      'one seed at the top: more only while undecided',
    );
    // a study point at the top (the screening study's best guess): one measurement there, never judged
    const guess = admit(three, top.state, { ...propose('guess', { 'optim.lr': 0.006 }), runAs: 'study-top' });
    assert.deepEqual(
      trialsOf(guess.state, guess.id).map((t) => [t.purpose, t.rung]),
      [['study', 2]],
    );
    const measured = end(three, guess.state, trialsOf(guess.state, guess.id)[0].id, { value: 1.5 });
    const g = proposalOf(measured.state, guess.id);
    assert.ok(g.study && g.status === 'concluded' && g.verdict === undefined, 'measured, no verdict');
    assert.deepEqual(
      trialsOf(measured.state, guess.id).map((t) => t.status),
      ['done'],
      'no further seed',
    );
    const r = T.rejected(st, { proposal: propose('seed', { seed: 3 }), reason: 'noise' });
    assert.deepEqual(r.state.rejected, [{ title: 'seed', reason: 'noise' }]);
    assert.deepEqual(kinds(r.effects), ['journal:rejection']);
  });

  it('noted, paused, unpaused and ended only journal', () => {
    covers('noted', 'paused', 'unpaused', 'ended');
    const st = T.created(one, { now: NOW }).state;
    for (const s of [
      T.noted(st, { kind: 'llm', title: '1k tokens' }),
      T.paused(st),
      T.unpaused(st),
      T.ended(st, { status: 'completed', reason: 'nothing left to run', summary: {} }),
    ]) {
      assert.equal(s.state, st);
      assert.equal(s.effects.length, 1);
      assert.equal(s.effects[0].kind, 'journal');
    }
  });

  it('finished: waiting trials are left, queued ones cancelled, open ideas inconclusive, unrun ones not tried', () => {
    covers('finished');
    let st = withBaseline(three);
    const ran = admit(three, st, propose('ran', { 'optim.lr': 0.004 }));
    st = end(three, ran.state, trialsOf(ran.state, ran.id)[0].id, { value: 1.9 }).state;
    const unrun = admit(three, st, propose('unrun', { 'optim.lr': 0.005 }));
    const s = T.finished(three, unrun.state);
    assert.equal(s.state.finished, true);
    assert.equal(trialsOf(s.state, ran.id)[0].status, 'left');
    assert.equal(trialsOf(s.state, unrun.id)[0].status, 'cancelled');
    assert.deepEqual(
      s.state.proposals.filter((p) => p.id !== BASELINE).map((p) => p.verdict),
      ['inconclusive', 'inconclusive'],
    );
    assert.deepEqual(ideas(s.effects), [NOT_RUN]);
  });

  it('finished: an idea that passed its decision test and lost its confirmation to the end stays open', () => {
    let st = withBaseline(one);
    const a = admit(one, st, propose('RoPE', { 'model.position': 'rope' }));
    st = moreSeeds(runCandidate(a.state, a.id, 1.8).state, [a.id], 1.81);
    assert.ok(
      trialsOf(st, a.id).some((t) => t.purpose === 'confirm' && t.status === 'pending'),
      'passed: its confirmation is queued',
    );
    const s = T.finished(one, st);
    assert.equal(s.state.proposals.find((p) => p.id === a.id)?.verdict, 'inconclusive');
    assert.deepEqual(ideas(s.effects), [UNCONFIRMED]);
    assert.deepEqual(kinds(s.effects), ['idea', 'journal:note']);
    // a later session may propose it again: it is not among the tried ideas
    const stored = { key: 'k', title: 'RoPE', sessionId: 's', outcome: UNCONFIRMED };
    assert.deepEqual(triedIdeas([stored]), []);
  });

  it('resumed: trials left running are queued again and the new researcher observes every result', () => {
    covers('resumed');
    let st = withBaseline(three);
    const a = admit(three, st, propose('ran', { 'optim.lr': 0.004 }));
    st = end(three, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.9 }).state;
    const b = admit(three, st, propose('running', { 'optim.lr': 0.005 }));
    st = T.started(b.state, { trialId: trialsOf(b.state, b.id)[0].id }).state;
    const s = T.resumed(three, st, { pid: 42 });
    assert.equal(trialsOf(s.state, b.id)[0].status, 'pending');
    assert.deepEqual(kinds(s.effects), ['observe', 'journal:session']);
    assert.match((s.effects[1] as { title: string }).title, /1 trial\(s\) re-queued/);
  });

  // --- ablation of multi-knob wins and the researcher's asks (transitions/ablated.ts, ablation-request.ts, stop-request.ts)

  it('a confirmed multi-knob best is ablated: leave-one-out arms on its seeds, attributed, the minimal change kept', () => {
    const won = confirmedWin(withBaseline(one), 'bundle', { 'optim.lr': 0.004, 'optim.beta2': 0.99 }, 1.7);
    let st = won.state;
    const study = st.ablations?.[0];
    assert.ok(study, 'the engine ablated its multi-knob best');
    assert.deepEqual(study.knobs, ['optim.lr', 'optim.beta2'], 'the larger move first');
    const arms = st.proposals.filter((p) => p.ablationOf === won.id);
    assert.equal(arms.length, 2, 'two knobs: the leave-one-out arms are the add-one-in arms');
    const armTrials = st.trials.filter((t) => t.purpose === 'ablation');
    assert.deepEqual(
      [...new Set(armTrials.map((t) => t.seed))].sort(),
      st.trials
        .filter((t) => t.proposalId === won.id)
        .map((t) => t.seed)
        .sort(),
      'the arms pair with the win seed by seed',
    );
    const noiseBefore = pooledNoise(st, one.spec);
    const fx: Effect[] = [];
    for (const t of armTrials) {
      const arm = st.proposals.find((p) => p.id === t.proposalId)!;
      const withLr = 'optim.lr' in (arm.change.kind === 'config' ? arm.change.set : {});
      // without lr: back at the baseline (lr carries it); without beta2: as good as the win, scattered
      const s = end(one, st, t.id, { value: withLr ? 1.7 + 0.004 * ((t.seed % 3) - 1) : 2.0 });
      st = s.state;
      fx.push(...s.effects);
    }
    assert.deepEqual(pooledNoise(st, one.spec), noiseBefore, 'ablation runs never enter the noise floor');
    assert.ok(
      st.proposals.filter((p) => p.ablationOf).every((p) => !p.stats && !p.verdict),
      'arms are never judged (no Holm family, no verdict)',
    );
    assert.deepEqual(ideas(fx), [], 'arms are never ideas');
    assert.ok(!fx.some((e) => e.kind === 'observe'), 'the researcher does not observe arms as its results');
    const done = st.ablations![0];
    assert.equal(done.status, 'done');
    const by = Object.fromEntries(done.attribution!.map((a) => [a.key, a]));
    assert.equal(by['optim.lr'].verdict, 'carries');
    assert.ok(by['optim.lr'].ci95![1] < 0 && Math.abs(by['optim.lr'].delta! + 0.3) < 0.01);
    assert.equal(by['optim.beta2'].verdict, 'noise');
    assert.deepEqual(done.minimal?.keys, ['optim.lr']);
    assert.equal(done.minimal?.verified, true);
    const scale = fx.find((e) => e.kind === 'findingScale');
    assert.ok(scale && scale.kind === 'findingScale');
    assert.equal(scale.id, `s-test-${won.id}`);
    assert.equal(scale.attribution.length, 2);
    assert.equal(scale.config?.optim.lr, 0.004);
    assert.equal(
      scale.config?.optim.beta2,
      base.optim.beta2,
      'the next session starts from the minimal change',
    );
    const words = fx.find((e) => e.kind === 'journal' && e.entry === 'conclusion' && /ablated/.test(e.title));
    assert.match(
      words && words.kind === 'journal' ? words.title : '',
      /optim\.lr=0\.004: −0\.3\d+ \[.*optim\.beta2=0\.99: noise/,
    );
    assert.equal(promote(st, one.spec, true).length, 0, 'arms are never promoted');
    assert.ok(!st.proposals.some((p) => p.source === STACK_SOURCE), 'arms are never stacked');
  });

  it('on a trainer that pairs seeds a small share on calm pairs carries; under the floor the same runs are noise', () => {
    const attributed = (ctx: T.EngineContext) => {
      const won = confirmedWin(withBaseline(one), 'bundle', { 'optim.lr': 0.004, 'optim.beta2': 0.99 }, 1.7);
      let st = won.state;
      const winOn = (seed: number) =>
        Object.values(st.trials.find((x) => x.proposalId === won.id && x.seed === seed)!.results)[0];
      for (const t of st.trials.filter((x) => x.purpose === 'ablation')) {
        const arm = st.proposals.find((p) => p.id === t.proposalId)!;
        const withLr = 'optim.lr' in (arm.change.kind === 'config' ? arm.change.set : {});
        // without beta2: 0.003 worse than the win on the same seed, give or take 0.0003
        const value = withLr ? winOn(t.seed) + 0.003 + 0.0003 * ((t.seed % 3) - 1) : 2.0;
        st = end(ctx, st, t.id, { value }).state;
      }
      const done = st.ablations![0];
      return { done, beta2: done.attribution!.find((a) => a.key === 'optim.beta2')! };
    };
    const paired = attributed(contextFor({ pairedSeeds: true }));
    assert.equal(paired.beta2.n, 3);
    assert.equal(paired.beta2.verdict, 'carries', `paired: [${paired.beta2.ci95}]`);
    assert.deepEqual(paired.done.minimal?.keys, ['optim.lr', 'optim.beta2'], 'the whole change');
    const floored = attributed(one);
    assert.equal(floored.beta2.verdict, 'noise', `floored: [${floored.beta2.ci95}]`);
    assert.deepEqual(floored.done.minimal?.keys, ['optim.lr']);
  });

  it('ablationRequested: only a confirmed multi-knob win of this session not yet ablated, at most MAX_ABLATION_ASKS asks', () => {
    covers('ablationRequested');
    // the second is admitted on the baseline before the first win re-bases the session, so it is judged
    // against the baseline and is not the best when confirmed: the engine leaves it to the researcher
    const early = admit(
      one,
      withBaseline(one),
      propose('second bundle', { 'optim.weightDecay': 0.2, 'optim.adamLr': 0.02 }),
    );
    const first = confirmedWin(early.state, 'bundle', { 'optim.lr': 0.004, 'optim.beta2': 0.99 }, 1.6);
    const second = { id: early.id, ...runCandidate(first.state, early.id, 1.7) };
    let st = confirmAt(second.state, second.id, 1.7).state;
    assert.equal(proposalOf(st, second.id).verdict, 'win');
    assert.equal(st.ablations?.length, 1, 'only the best is ablated by the engine');
    const ask = (proposalId: string) => {
      const r = T.ablationRequested(one, st, { proposalId, reason: 'which part', researcher: 'claude' });
      st = r.state;
      return r;
    };
    assert.match(ask(first.id).message, /already ablated/);
    assert.match(ask('p999').message, /no proposal "p999"/);
    assert.match(ask(BASELINE).message, /not a change of this session/);
    const ok = ask(second.id);
    assert.equal(ok.ok, true, ok.message);
    assert.equal(st.ablations?.length, 2);
    assert.ok(kinds(ok.effects).includes('journal:schedule'));
    const flood = T.ablationRequested(one, st, {
      proposalId: second.id,
      reason: 'again',
      researcher: 'claude',
    });
    assert.equal(flood.ok, false);
    assert.deepEqual(flood.effects, [], 'past the cap nothing is journaled');
    assert.equal(flood.state, st);
    assert.equal(T.MAX_ABLATION_ASKS, 4);
  });

  it('stopRequested: only a running candidate run of this session; the stop counts as a loss, never a missing seed', () => {
    covers('stopRequested');
    let st = withBaseline(one);
    const a = admit(one, st, propose('bundle', { 'optim.lr': 0.004 }));
    st = a.state;
    const t = trialsOf(st, a.id)[0];
    st = T.started(st, { trialId: t.id }).state;
    st = T.launched(st, { trialId: t.id, runId: 'r-cand' }).state;
    const baseT = trialsOf(st, BASELINE)[0];
    const ask = (runId: string, live: string[] = [t.id]) =>
      T.stopRequested(st, { runId, reason: 'looks flat', researcher: 'claude', live });
    assert.match(ask(baseT.runIds[0]).message, /baseline run/);
    assert.match(ask('r-other-session').message, /not a run of this session/);
    assert.match(ask('r-cand', []).message, /not running/);
    const ok = ask('r-cand');
    assert.equal(ok.trialId, t.id);
    assert.deepEqual(kinds(ok.effects), ['journal:kill']);
    st = ok.state;
    const ended = T.runEnded(one, st, {
      trialId: t.id,
      rung: 0,
      run: { ...runRecord(undefined, 'stopped'), id: 'r-cand' },
      ideas: [],
      now: NOW,
    });
    const p = ended.state.proposals.find((x) => x.id === a.id)!;
    assert.deepEqual([trial(ended.state, t.id).status, p.status, p.verdict], ['killed', 'concluded', 'loss']);
    let capped = st;
    for (let i = 0; i < T.MAX_STOP_ASKS + 2; i++)
      capped = T.stopRequested(capped, { runId: 'r-x', reason: 'x', researcher: 'c', live: [] }).state;
    assert.equal(capped.stopAsks, T.MAX_STOP_ASKS);
    const past = T.stopRequested(capped, { runId: 'r-cand', reason: 'x', researcher: 'c', live: [t.id] });
    assert.equal(past.trialId, undefined);
    assert.deepEqual(past.effects, []);
  });

  it('ladderStarted and laddered: the best win climbs the sizes against its base, each size judged and journaled, nothing of it in the rungs, the noise floor, the family or the stack', () => {
    covers('ladderStarted', 'laddered');
    const ladder2 = contextFor({ ladder: 2 });
    assert.deepEqual(kinds(T.ladderStarted(ladder2, withBaseline(one)).effects), ['journal:note']);
    assert.equal(
      T.ladderStarted(ladder2, withBaseline(one)).state.ladder?.status,
      'skipped',
      'no win: no ladder',
    );
    const c = judgedCandidate(withBaseline(one), 'better', { 'optim.lr': 0.004 }, 1.7);
    let st = c.state;
    for (const t of st.trials.filter((x) => x.purpose === 'confirm'))
      st = end(one, st, t.id, { value: t.proposalId === BASELINE ? 2.0 : 1.7 }).state;
    assert.equal(st.proposals.find((p) => p.id === c.id)!.verdict, 'win');
    const before = {
      noise: pooledNoise(st, ladder2.spec),
      values: candidateValues(st, ladder2.spec, c.id),
      base: baselineValues(st, ladder2.spec),
      stacks: st.proposals.filter((p) => p.source === STACK_SOURCE).length,
    };
    const started = T.ladderStarted(ladder2, st);
    assert.equal(started.created, 8, '2 sizes x 2 seeds x (base + win)');
    assert.deepEqual(kinds(started.effects), ['journal:schedule']);
    st = started.state;
    assert.equal(T.ladderStarted(ladder2, st).created, 0, 'once a session');
    const ladderTrials = st.trials.filter((t) => t.purpose === 'ladder');
    assert.deepEqual([...new Set(ladderTrials.map((t) => t.proposalId))].sort(), [BASELINE, c.id].sort());
    // size 1: still 0.25 better (holds); size 2: worse than the base (flips)
    const value = (t: TrialState) =>
      (t.ladder!.step === 1
        ? t.proposalId === BASELINE
          ? 1.9
          : 1.65
        : t.proposalId === BASELINE
          ? 1.8
          : 1.85) + (t.seed % 2 ? 0.005 : -0.005);
    const fx: Effect[] = [];
    for (const t of ladderTrials) {
      const s = end(ladder2, st, t.id, { value: value(t) });
      st = s.state;
      fx.push(...s.effects);
    }
    const l = st.ladder!;
    assert.equal(l.status, 'done');
    assert.deepEqual(
      l.entries.map((e) => e.verdict),
      ['holds', 'flips'],
    );
    const verdicts = fx.filter((e) => e.kind === 'journal' && e.entry === 'conclusion');
    assert.equal(verdicts.length, 2, 'one conclusion per size');
    for (const v of verdicts) assert.ok(v.kind === 'journal' && (v.extra?.runIds ?? []).length === 4);
    const words = fx.find((e) => e.kind === 'journal' && e.entry === 'finding');
    assert.match(
      words && words.kind === 'journal' ? words.title : '',
      /holds at .*flips at .*does not start from it/,
    );
    const scale = fx.filter((e) => e.kind === 'findingLadder').at(-1);
    assert.ok(scale && scale.kind === 'findingLadder');
    assert.equal(scale.findingId, `s-test-${c.id}`);
    assert.deepEqual(
      scale.ladder.map((r) => r.verdict),
      ['holds', 'flips'],
    );
    // ladder runs count as compute, but stay out of everything that judges or schedules the session
    assert.ok(
      st.trials.filter((t) => t.purpose === 'ladder').every((t) => Object.keys(t.results).length === 0),
    );
    assert.deepEqual(pooledNoise(st, ladder2.spec), before.noise);
    assert.deepEqual(candidateValues(st, ladder2.spec, c.id), before.values);
    assert.deepEqual(baselineValues(st, ladder2.spec), before.base);
    assert.equal(st.proposals.filter((p) => p.source === STACK_SOURCE).length, before.stacks);
    assert.deepEqual(concludeReady(st, ladder2.spec), []);
    assert.deepEqual(promote(st, ladder2.spec, true), []);
    assert.equal(
      st.trials.filter((t) => t.purpose === 'ladder').reduce((a, t) => a + t.flops, 0),
      8 * 6e6,
    );
    // the researcher's digest carries the verdicts and the multiplier of each win
    const digest = buildDigest('s-test', st, ladder2.spec, base, [], [], 1000, 0);
    assert.deepEqual(
      digest.wins?.map((w) => [w.proposalId, w.ladder?.map((e) => e.verdict)]),
      [[c.id, ['holds', 'flips']]],
    );
    assert.match(compactDigest(digest), /"ladder":"holds at [^"]*flips at/);
  });

  it('earlySeeded: a running candidate’s second seed on an idle slot, judged as the sequential path judges it', () => {
    covers('earlySeeded');
    const ctx = contextFor({ budgetSeconds: 600 });
    /** The candidate's first seed at 1.90 and its second at 1.91; `early` starts the second beside the first. */
    const judge = (early: boolean) => {
      let st = withBaseline(ctx);
      const a = admit(ctx, st, propose('RoPE', { 'model.position': 'rope' }));
      st = a.state;
      const first = trialsOf(st, a.id)[0];
      st = T.started(st, { trialId: first.id }).state;
      const e = T.earlySeeded(ctx, st, { secondsLeft: early ? 600 : 0 });
      assert.equal(Boolean(e.trial), early);
      if (early) assert.deepEqual(kinds(e.effects), ['journal:schedule']);
      st = e.state;
      if (e.trial) st = T.started(st, { trialId: e.trial.id }).state;
      const afterFirst = end(ctx, st, first.id, { value: 1.9 });
      st = afterFirst.state;
      // beside a running seed, nothing is decided or queued after the first look
      if (early) assert.deepEqual(kinds(afterFirst.effects), ['journal:result', 'observe']);
      st = moreSeeds(st, [a.id], 1.91, ctx);
      if (e.trial) st = end(ctx, st, e.trial.id, { value: 1.91 }).state;
      const p = st.proposals.find((x) => x.id === a.id)!;
      return { looks: p.looks, stats: p.stats, trials: trialsOf(st, a.id).map((t) => [t.seed, t.purpose]) };
    };
    const early = judge(true);
    assert.deepEqual(early, judge(false));
    assert.deepEqual(early.trials, [
      [1000, 'explore'],
      [1001, 'seeds'],
      [11000, 'confirm'],
    ]);
    assert.deepEqual(
      early.looks?.map((l) => l.n),
      [1, 2],
    );
    // under a FLOPs budget an idle slot costs nothing: no early seed
    const flops = contextFor({ budgetSeconds: 600, budgetFlops: 1e12 });
    let st = withBaseline(flops);
    const a = admit(flops, st, propose('RoPE', { 'model.position': 'rope' }));
    st = T.started(a.state, { trialId: trialsOf(a.state, a.id)[0].id }).state;
    assert.equal(T.earlySeeded(flops, st, { secondsLeft: 600 }).trial, undefined);
  });

  it('every exported transition has a case here', () => {
    const exported = Object.entries(T)
      .filter(([name, v]) => typeof v === 'function' && name !== 'nextProposalId')
      .map(([name]) => name);
    assert.deepEqual(
      exported.filter((n) => !COVERED.has(n)),
      [],
    );
  });
});
