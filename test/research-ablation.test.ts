/**
 * Ablation of a multi-knob win end to end on the synthetic trainer (real processes, real store, real
 * scheduler and statistics): one knob of the win has a planted effect, two are pure noise. The engine
 * must take the win apart by itself, attribute the effect to the real knob only, keep the minimal
 * change, and store the attribution on the win's finding (README "Research sessions").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Digest, Proposal, ProposeContext, Researcher } from '../src/researchers/base.ts';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';

describe('ablation of a multi-knob win on the synthetic trainer', () => {
  let store: Store;
  synthStore('fw-ablation-', { effects: { 'optim.lr<': [0.01, -0.06] } }, (s) => (store = s));

  it('attributes the win to the knob with the planted effect, calls the others noise and keeps the minimal change', async () => {
    const base = synthConfig();
    const set = { 'optim.lr': 0.005, 'optim.beta2': 0.99, 'optim.weightDecay': 0.05 };
    const researcher = new ScriptedResearcher([configProposal('three knobs at once', set, -0.03)]);
    const { session, executor } = await makeSession({ store, researcher, base });
    const s = await session.run();
    await executor.close();
    assert.equal(s.best?.title, 'three knobs at once');
    assert.equal(s.significant, true);
    const attribution = s.best!.attribution!;
    assert.ok(attribution, s.best!.attributionReason ?? 'no attribution');
    assert.deepEqual(attribution.map((a) => a.key).sort(), Object.keys(set).sort(), 'one entry per knob');
    console.log(
      `attribution: ${attribution.map((a) => `${a.key} ${a.verdict} ${a.delta?.toFixed(4)} [${a.ci95?.map((x) => x.toFixed(4)).join(', ')}]`).join('; ')}`,
    );
    const by = Object.fromEntries(attribution.map((a) => [a.key, a]));
    assert.equal(by['optim.lr'].verdict, 'carries', JSON.stringify(by['optim.lr']));
    assert.ok(by['optim.lr'].ci95![1] < 0 && Math.abs(by['optim.lr'].delta! + 0.06) < 0.03);
    for (const k of ['optim.beta2', 'optim.weightDecay']) {
      assert.equal(by[k].verdict, 'noise', `${k}: ${JSON.stringify(by[k])}`);
      assert.ok(by[k].ci95![0] <= 0 && by[k].ci95![1] >= 0);
    }
    assert.ok(by['optim.lr'].alone && by['optim.lr'].alone.ci95[1] < 0, 'add-one-in: lr alone helps');
    assert.deepEqual(s.best!.minimalChange?.keys, ['optim.lr']);
    assert.equal(s.best!.minimalChange?.verified, true);

    // the arms are measurements: never an idea, never counted among proposals, tagged as ablation runs
    const runs = await store.listRuns({ sessionId: session.id, fields: 'list' });
    const ablationRuns = runs.filter((r) => r.tags.purpose === 'ablation');
    const seeds = session.state.ablations![0].seeds.length; // the win's own seeds (sequential: 3 to 5)
    assert.equal(ablationRuns.length, 6 * seeds, '3 leave-one-out + 3 add-one-in arms on the win seeds');
    assert.equal(s.proposals.total, 1);
    const ideas = await store.listIdeas({ limit: 500 });
    assert.ok(!ideas.some((i) => i.key.startsWith('ablation:')));

    const findings = await store.listFindings({ sessionId: session.id });
    const f = findings.find((x) => x.confirmed && x.title.startsWith('three knobs'))!;
    assert.equal(f.scale?.attribution?.length, 3);
    assert.match(f.statement, /Ablation: .*optim\.lr=0\.005: −0\.0\d+ \[/);
    const cfg = f.config as { optim: { lr: number; beta2: number; weightDecay: number } };
    assert.deepEqual(
      [cfg.optim.lr, cfg.optim.beta2, cfg.optim.weightDecay],
      [0.005, base.optim.beta2, base.optim.weightDecay],
      'the next session starts from the minimal change',
    );
    const journal = await store.listJournal(session.id, { kinds: ['conclusion'] });
    assert.ok(journal.some((e) => /ablated: .*noise/.test(e.title)));
  });
});

describe('an ablation waits for a candidate on the win, and stops when the base leaves the win', () => {
  let store: Store;
  // the bundle's LR helps (−0.10) and its beta2 hurts (+0.03): the bundle wins, and so does the
  // bundle with beta2 set back, on it
  const effects = { 'optim.lr<': [0.01, -0.1], 'optim.beta2>': [0.98, 0.03] } as const;
  synthStore('fw-ablation-wait-', { sigma: 0.004, effects: { ...effects } }, (s) => (store = s));

  it('asks the researcher before the arms start; a candidate it sends to the full budget runs first, and a re-base that leaves the win stops its ablation', async () => {
    const base = synthConfig();
    const set = { 'optim.lr': 0.005, 'optim.beta2': 0.99, 'optim.weightDecay': 0.05 };
    const back = { 'optim.beta2': base.optim.beta2, 'optim.weightDecay': base.optim.weightDecay };
    const asks: string[] = [];
    const researcher: Researcher = {
      name: 'pace-check',
      observe: () => undefined,
      async propose(d: Digest, _n: number, ctx?: ProposeContext): Promise<Proposal[]> {
        asks.push(d.best?.confirmed ? 'after the win' : 'before');
        if (asks.length === 1) return [configProposal('three knobs at once', set, -0.03)];
        if (d.best?.confirmed && !asks.slice(0, -1).includes('after the win'))
          return [{ ...configProposal('the win without its noise knobs', back, -0.01), runAs: 'top' }];
        if (ctx?.wait) ctx.wait('nothing more to propose');
        // nothing in flight to wait for, before the follow-up: a change with no effect, so that the
        // asking goes on; after it, an empty answer ends the asking
        else if (!asks.includes('after the win'))
          return [
            configProposal(`clip ${asks.length}`, { 'optim.gradClip': 0.5 + 1 / (asks.length + 1) }, 0),
          ];
        return [];
      },
    };
    const { session, executor } = await makeSession({ store, researcher, base, parallel: 2 });
    await session.run();
    await executor.close();
    const titles = (await store.listJournal(session.id)).map((e) => `${e.kind}: ${e.title}`);
    assert.ok(asks.includes('after the win'), `asked: ${asks.join(', ')}\n${titles.join('\n')}`);
    const runs = await store.listRuns({ sessionId: session.id, fields: 'list' });
    const byTime = [...runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const first = (f: (r: (typeof runs)[number]) => boolean) => byTime.findIndex(f);
    const pace = session.state.proposals.find((p) => p.title === 'the win without its noise knobs')!;
    assert.ok(pace, 'the follow-up was admitted');
    const ablation = first((r) => r.tags.purpose === 'ablation');
    assert.ok(first((r) => r.tags.proposal === pace.id) < (ablation < 0 ? Infinity : ablation));
    assert.equal(pace.verdict, 'win');
    assert.equal(session.state.base, pace.id, 'the follow-up is the new base');
    const win = session.state.proposals.find((p) => p.title === 'three knobs at once')!;
    // scheduled when the bundle won; stopped when the follow-up left it behind
    const study = session.state.ablations?.find((a) => a.winId === win.id);
    assert.ok(study, 'the bundle was scheduled for ablation when it won');
    assert.equal(study.status, 'done');
    const notes = await store.listJournal(session.id, { kinds: ['note'] });
    assert.ok(notes.some((e) => /its ablation stops with what ran: the new base/.test(e.title)));
    const cancelled = session.state.trials.filter(
      (t) => study.arms.some((a) => a.proposalId === t.proposalId) && t.status === 'cancelled',
    );
    assert.ok(cancelled.length > 0, 'arms not started never run');
  });
});
