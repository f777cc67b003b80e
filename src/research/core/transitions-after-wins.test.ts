/**
 * The engine's rules, one case each, for after a win: its ablation, the researcher's asks to ablate or
 * stop, the size ladder; and early seeds. The transitions are pure, so a session's history is built
 * here by calling them in order, as session.ts does; no store, no process. Shared fixtures:
 * test/helpers/transitions-kit.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Effect } from './effects.ts';
import { pooledNoise } from './conclude.ts';
import { promote } from './trial-steps.ts';
import { STACK_SOURCE } from './proposals.ts';
import { BASELINE, proposalOf, type TrialState } from './state.ts';
import * as T from './transitions.ts';
import { baselineValues, candidateValues, concludeReady } from './conclude.ts';
import { buildDigest } from './digest.ts';
import { compactDigest } from '../../researchers/prompts.ts';
import {
  admit,
  base,
  confirmAt,
  confirmedWin,
  contextFor,
  coverage,
  end,
  ideas,
  judgedCandidate,
  kinds,
  moreSeeds,
  NOW,
  one,
  propose,
  runCandidate,
  runRecord,
  trial,
  trialsOf,
  withBaseline,
} from '../../../test/helpers/transitions-kit.ts';

const { covers, uncovered } = coverage('transitions-after-wins.test.ts');

describe("session transitions: after a win (ablation, the researcher's asks, the size ladder) and early seeds", () => {
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

  it('covers its transitions', () => {
    assert.deepEqual(uncovered(), []);
  });
});
