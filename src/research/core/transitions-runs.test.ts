/**
 * The engine's rules, one case each, for a session's runs: created, started and launched, a run's end,
 * monitor stops, and curves put to the researcher. The transitions are pure, so a session's history is
 * built here by calling them in order, as session.ts does; no store, no process. Shared fixtures:
 * test/helpers/transitions-kit.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../store/base.ts';
import type { Effect } from './effects.ts';
import { BASELINE, type SessionState } from './state.ts';
import * as T from './transitions.ts';
import {
  admit,
  contextFor,
  coverage,
  end,
  ideas,
  kinds,
  NOW,
  propose,
  runRecord,
  three,
  trial,
  trialsOf,
  withBaseline,
} from '../../../test/helpers/transitions-kit.ts';

const { covers, uncovered } = coverage('transitions-runs.test.ts');

describe("session transitions: a session's runs (created, started, launched, run ended, monitor stops, asked curves)", () => {
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

  it('covers its transitions', () => {
    assert.deepEqual(uncovered(), []);
  });
});
