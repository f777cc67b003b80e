/**
 * The engine's rules, one case each, for the researcher asked, its ideas admitted, promoted and
 * reviewed; a session paused, finished and resumed. The transitions are pure, so a session's history
 * is built here by calling them in order, as session.ts does; no store, no process. Shared fixtures:
 * test/helpers/transitions-kit.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_RUN, triedIdeas, UNCONFIRMED } from './ideas.ts';
import { BASELINE, proposalOf } from './state.ts';
import * as T from './transitions.ts';
import {
  admit,
  coverage,
  end,
  ideas,
  kinds,
  moreSeeds,
  NOW,
  one,
  propose,
  runCandidate,
  three,
  threeLong,
  trialsOf,
  withBaseline,
} from '../../../test/helpers/transitions-kit.ts';

const { covers, uncovered } = coverage('transitions-researcher.test.ts');

/** Three lr ideas on a three-rung session, each ended at rung 0, best first (1.90, 1.91, 1.92). */
function threeEndedAtRungZero() {
  let st = withBaseline(threeLong);
  const ids: string[] = [];
  for (const [i, lr] of [0.004, 0.005, 0.007].entries()) {
    const a = admit(threeLong, st, propose(`lr ${lr}`, { 'optim.lr': lr }));
    st = end(threeLong, a.state, trialsOf(a.state, a.id)[0].id, { value: 1.9 + i * 0.01 }).state;
    ids.push(a.id);
  }
  return { st, ids };
}

describe('session transitions: the researcher asked, its ideas admitted and promoted, the session paused, finished and resumed', () => {
  it('promoted: successive halving promotes the top 1/eta of a rung, journaled', () => {
    covers('promoted');
    const { st, ids } = threeEndedAtRungZero();
    const none = T.promoted(threeLong, st, { force: false });
    assert.equal(none.promoted.length, 1);
    assert.equal(none.promoted[0].proposalId, ids[0]);
    assert.deepEqual([none.promoted[0].status, none.promoted[0].rung], ['pending', 1]);
    assert.deepEqual(kinds(none.effects), ['journal:promotion']);
    assert.equal(T.promoted(threeLong, none.state, { force: false }).promoted.length, 0, 'nothing twice');
  });

  it('reviewed: the researcher drops (waiting trials left behind) and promotes at most as many as halving did', () => {
    covers('reviewed');
    const ended = threeEndedAtRungZero();
    const ids = ended.ids;
    const st = T.promoted(threeLong, ended.st, { force: false }).state;
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

  it('covers its transitions', () => {
    assert.deepEqual(uncovered(), []);
  });
});
