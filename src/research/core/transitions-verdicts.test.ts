/**
 * The engine's rules, one case each, for verdicts: sequential looks, held-out confirmation, wins, and
 * re-basing onto them. The transitions are pure, so a session's history is built here by calling them
 * in order, as session.ts does; no store, no process. Shared fixtures:
 * test/helpers/transitions-kit.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Effect } from './effects.ts';
import { bandBases } from './base.ts';
import { BASELINE, proposalOf, type SessionState } from './state.ts';
import { nextWork } from './scheduler.ts';
import * as T from './transitions.ts';
import { buildDigest } from './digest.ts';
import {
  admit,
  base,
  confirmAll,
  contextFor,
  end,
  finish,
  ideas,
  judgedCandidate,
  kinds,
  moreSeeds,
  NOW,
  one,
  propose,
  three,
  threeLong,
  trialsOf,
  withBaseline,
} from '../../../test/helpers/transitions-kit.ts';

describe('session transitions: verdicts, confirmation and re-basing', () => {
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
});
