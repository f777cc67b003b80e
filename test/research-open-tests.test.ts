/**
 * A test left open by a session's end is continued by the next session on the same base
 * (core/open-tests.ts): two sessions in one store on the synthetic trainer (real processes, real run
 * records). The first runs out of FLOPs with a candidate ahead and undecided after two seeds; the
 * second, sized to plan more looks for its own candidates, continues the test at its third seed under
 * the schedule it started with, without running its first two seeds again, and judges it on its own
 * looks only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { carriedBaseRuns, carriedTests } from '../src/research/setup.ts';
import { SessionSpec } from '../src/research/core/spec.ts';
import { lookShare } from '../src/stats/sequential.ts';
import type { Store } from '../src/store/base.ts';
import type { TrainConfig } from '../src/config/train-config.ts';
import type { Proposal } from '../src/researchers/base.ts';
import { DEFAULT_SEARCH_SPACE } from '../src/config/search-space.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';

const RUNGS = [4096, 12288];
const LOOKS = 4;
/** What the setup of a session at these rungs asks for (as the CLI does). */
const PLAN = {
  rungTokens: RUNGS,
  alpha: 0.05,
  searchSpace: DEFAULT_SEARCH_SPACE,
  noiseKeys: SessionSpec.shape.noiseKeys.parse(undefined),
};

/** One session of the scripted researcher's `proposals` on `base`, run to its end. */
async function runSession(
  store: Store,
  base: TrainConfig,
  proposals: Proposal[],
  spec: Parameters<typeof makeSession>[0]['spec'],
) {
  const { session, executor } = await makeSession({
    store,
    researcher: new ScriptedResearcher(proposals),
    base,
    spec,
  });
  const summary = await session.run();
  await executor.close();
  return { session, summary };
}

describe('a test a session leaves open is continued by the next session on the same base', () => {
  let store: Store;
  synthStore('fw-open-', { effects: { 'optim.lr<': [0.002, -0.03] } }, (s) => (store = s));

  it('continues it at its next seed, reads only its new looks, and never twice', async () => {
    const base = synthConfig();
    // the synthetic trainer counts 1e6 FLOPs a token: the base's 3 seeds at both rungs, the
    // candidate's first seed at both and its second at the top fit; its third does not
    const first = await runSession(
      store,
      base,
      [configProposal('LR 0.0012', { 'optim.lr': 0.0012 }, -0.02)],
      {
        maxSeeds: LOOKS,
        budgetFlops: 1e6 * 90_000,
      },
    );
    const s1 = first.summary;
    assert.deepEqual(s1.openTests.leftOpen, [{ proposalId: 'p1', title: 'LR 0.0012', seeds: 2 }]);
    const open = first.session.state.proposals.find((p) => p.id === 'p1')!;
    assert.equal(open.openAtEnd, true, JSON.stringify(open));
    assert.deepEqual(
      open.looks!.map((l) => l.n),
      [1, 2],
    );
    const j1 = await store.listJournal(first.session.id, { kinds: ['note'] });
    assert.ok(j1.some((e) => e.title.includes('the next session on this base continues its test')));

    // the same base at the same rungs and level continues it, with the looks it was planned with;
    // other rungs, another level or another base do not
    const tests = await carriedTests(store, base, PLAN);
    assert.equal(tests.length, 1);
    assert.deepEqual(
      tests[0].runs.map((r) => r.seed),
      [1000, 1001],
    );
    assert.equal(tests[0].maxSeeds, LOOKS);
    assert.deepEqual(await carriedTests(store, base, { ...PLAN, alpha: 0.1 }), []);
    assert.deepEqual(await carriedTests(store, base, { ...PLAN, rungTokens: [4096, 16384] }), []);
    assert.deepEqual(await carriedTests(store, synthConfig(['optim.lr=0.0012']), PLAN), []);

    const carriedBase = await carriedBaseRuns(store, base, RUNGS, { seedBase: 1000, baselineSeeds: 3 });
    // a longer session plans more looks for its own candidates; the continued test keeps its four
    const second = await runSession(store, base, [], {
      maxSeeds: LOOKS + 2,
      carriedBase,
      carriedTests: tests,
    });
    const s2 = second.summary;
    const p = second.session.state.proposals.find((x) => x.continues)!;
    assert.deepEqual(p.continues, { session: first.session.id, proposalId: 'p1' });
    assert.equal(p.maxSeeds, LOOKS);
    assert.ok(p.looks!.length <= LOOKS, 'no look past its own last');
    assert.deepEqual(s2.openTests.continued, [
      { proposalId: p.id, title: 'LR 0.0012', from: `${first.session.id}/p1` },
    ]);
    const own = await store.listRuns({ sessionId: second.session.id });
    assert.deepEqual(own.map((r) => r.seed).sort(), [1002, ...(p.looks!.length > 3 ? [1003] : [])]);
    const looks = p.looks!;
    assert.deepEqual(
      looks.map((l) => [l.n, l.carried === true]),
      [[1, true], [2, true], ...looks.slice(2).map((l) => [l.n, false])],
    );
    assert.equal(looks[2].n, 3, 'its first look here is at its third seed');
    // judged on its own looks by the union bound: the earlier looks' p-values are not read
    const union = Math.min(...looks.slice(2).map((l) => l.p / lookShare(l.n, LOOKS)), 1);
    assert.ok(Math.abs(looks[looks.length - 1].seqP! - union) < 1e-12);
    const j2 = await store.listJournal(second.session.id, { kinds: ['schedule'] });
    assert.ok(j2.some((e) => e.title.includes(`continues its test from session ${first.session.id}'s p1`)));
    assert.equal(p.status, 'concluded');
    assert.ok(!p.openAtEnd);

    // a test once continued is not continued again by a later session
    assert.deepEqual(await carriedTests(store, base, PLAN), []);
  });
});

describe('a pass cut off before its confirmation is judged again by the next session on the same base', () => {
  let store: Store;
  synthStore('fw-open-pass-', { effects: { 'optim.lr<': [0.002, -0.3] } }, (s) => (store = s));

  it('carries its runs, takes one new look at all of them, and runs only the confirmation', async () => {
    const base = synthConfig();
    // as above, the candidate's second top-rung seed fits; the confirmation pair after it does not
    const first = await runSession(store, base, [configProposal('LR 0.0012', { 'optim.lr': 0.0012 }, -0.2)], {
      maxSeeds: LOOKS,
      budgetFlops: 1e6 * 90_000,
    });
    const s1 = first.summary;
    const passed = first.session.state.proposals.find((p) => p.id === 'p1')!;
    assert.equal(passed.passedAtEnd, true, JSON.stringify(passed.looks));
    assert.deepEqual(s1.openTests.leftOpen, [
      { proposalId: 'p1', title: 'LR 0.0012', seeds: 2, passed: true },
    ]);
    const j1 = await store.listJournal(first.session.id, { kinds: ['note'] });
    assert.ok(j1.some((e) => e.title.includes('the next session on this base judges its runs again')));

    const tests = await carriedTests(store, base, PLAN);
    assert.equal(tests.length, 1);
    assert.equal(tests[0].passed, true);
    assert.equal(tests[0].maxSeeds, 2, 'its schedule is the seeds it has');
    const carriedBase = await carriedBaseRuns(store, base, RUNGS, { seedBase: 1000, baselineSeeds: 3 });
    const second = await runSession(store, base, [], { maxSeeds: LOOKS, carriedBase, carriedTests: tests });
    const s2 = second.summary;
    const p = second.session.state.proposals.find((x) => x.continues)!;
    // a new test: one look, at its two carried seeds, none of the earlier session's
    assert.deepEqual(
      p.looks!.map((l) => [l.n, l.carried === true]),
      [[2, false]],
    );
    assert.equal(p.verdict, 'win', JSON.stringify(p.stats));
    const own = await store.listRuns({ sessionId: second.session.id });
    assert.deepEqual(
      own.map((r) => r.seed),
      [11000, 11000],
      'only the held-out pair ran',
    );
    assert.equal(s2.rebases, 1);
  });
});
