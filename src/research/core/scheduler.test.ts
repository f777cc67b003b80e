import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig, setPath } from '../../config/resolve.ts';
import { account } from './accounting.ts';
import { heldBy, inflightOf } from './inflight.ts';
import { nextWork } from './scheduler.ts';
import { afterRung, newTrial, promote, scheduleConfirmation } from './trial-steps.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { BASELINE, emptyState, type SessionState } from './state.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';

const base = resolveConfig({ preset: 'tiny' });
const spec = testSpec(base, { rungTokens: [1000, 3000, 9000], tokPerSec: 1000, startupSeconds: 1 });

function withProposals(n: number): SessionState {
  return state(Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i + 1}`, {}])));
}

describe('scheduler', () => {
  it('runs baseline seeds before ideas, and nothing that cannot finish before the deadline', () => {
    const st = withProposals(1);
    newTrial(st, 'p1', 1000, 'explore', 0);
    newTrial(st, BASELINE, 1000, 'baseline', 0);
    assert.equal(nextWork(st, spec, 100)?.trial.proposalId, BASELINE);
    assert.equal(nextWork(st, spec, 1.5), undefined, 'a 1000-token run needs 2 s here');
  });

  it('keeps a FLOPs reserve for the endgame: fresh ideas stop first, promoted and extra-seed trials go on', () => {
    const st = withProposals(2);
    newTrial(st, 'p1', 1000, 'explore', 0);
    const seeds = newTrial(st, 'p2', 1000, 'seeds', 2);
    const perToken = 10;
    // reserve = (1 + 2 + 2) full runs of 9000 tokens = 450k FLOPs; a fresh rung-0 run is 10k FLOPs
    const plenty = { flops: { left: 1e6, perToken } };
    assert.equal(nextWork(st, spec, Infinity, 2, plenty)?.trial.id, seeds.id, 'extra seeds before new ideas');
    seeds.status = 'done';
    assert.equal(nextWork(st, spec, Infinity, 2, plenty)?.trial.proposalId, 'p1');
    const tight = { flops: { left: 455_000, perToken } };
    assert.equal(nextWork(st, spec, Infinity, 2, tight), undefined, 'the reserve is kept');
    assert.equal(nextWork(st, spec, Infinity, 2, { ...tight, reserve: false })?.trial.proposalId, 'p1');
  });

  it('keeps baseline trials climbing every rung and parks ideas for promotion', () => {
    const st = withProposals(1);
    const b = newTrial(st, BASELINE, 1000, 'baseline', 0);
    const e = newTrial(st, 'p1', 1000, 'explore', 0);
    b.results['0'] = 3.0;
    e.results['0'] = 2.9;
    afterRung(st, spec, b);
    afterRung(st, spec, e);
    assert.deepEqual([b.status, b.rung], ['pending', 1]);
    assert.deepEqual([e.status, e.rung], ['awaiting', 0]);
  });

  it('promotes the top third of finished explore trials (ASHA) and only those', () => {
    const st = withProposals(6);
    const trials = [3.1, 3.0, 2.9, 3.2, 3.3, 2.95].map((v, i) => {
      const t = newTrial(st, `p${i + 1}`, 1000, 'explore', 0);
      t.results['0'] = v;
      t.status = 'awaiting';
      return t;
    });
    const promoted = promote(st, spec);
    assert.deepEqual(promoted.map((t) => t.proposalId).sort(), ['p3', 'p6']);
    assert.ok(trials.filter((t) => t.status === 'awaiting').length === 4);
  });

  it("ranks a rung among each base's own ideas, and force-promotes the current base's first", () => {
    const st = withProposals(10);
    // p1-p6 ran rung 0 on the baseline and its top third (p3, p6) went on; then p7 became the base
    for (const [i, v] of [3.1, 3.0, 2.9, 3.2, 3.3, 2.95].entries()) {
      const t = newTrial(st, `p${i + 1}`, 1000, 'explore', 0);
      t.results['0'] = v;
      t.status = i === 2 || i === 5 ? 'done' : 'awaiting';
    }
    st.base = 'p7';
    const later = [2.62, 2.6, 2.61].map((v, i) => {
      const id = `p${i + 8}`;
      st.proposals.find((p) => p.id === id)!.baseId = 'p7';
      const t = newTrial(st, id, 1000, 'explore', 0);
      t.results['0'] = v;
      t.status = 'awaiting';
      return t;
    });
    // ranked with the old base's six, all three new ones were in the top third of nine
    assert.deepEqual(
      promote(st, spec).map((t) => t.proposalId),
      ['p9'],
    );
    assert.deepEqual(
      later.map((t) => t.status),
      ['awaiting', 'pending', 'awaiting'],
    );
    for (const [id, v] of [
      [BASELINE, 3.05],
      ['p7', 2.7],
    ] as const) {
      const b = newTrial(st, id, 1000, 'baseline', 0);
      b.results['0'] = v;
      b.status = 'done';
    }
    assert.deepEqual(
      promote(st, spec, true).map((t) => t.proposalId),
      ['p10'],
      'the best on the current base ahead of it, before p2 on the old one (ahead of its own base too)',
    );
  });

  it('force-promotes only a trial ahead of its base on the same seed as well as of its mean', () => {
    const st = withProposals(2);
    // the base's seed 1001 sits high and lifts its mean to 3.05
    for (const [seed, v] of [
      [1000, 3.0],
      [1001, 3.1],
    ]) {
      const b = newTrial(st, BASELINE, seed, 'baseline', 0);
      b.results['0'] = v;
      b.status = 'done';
    }
    const behind = newTrial(st, 'p1', 1000, 'explore', 0);
    behind.results['0'] = 3.01; // ahead of the mean, behind the base on its own seed
    behind.status = 'awaiting';
    assert.deepEqual(promote(st, spec, true), [], 'behind on the shared seed');
    const ahead = newTrial(st, 'p2', 1000, 'explore', 0);
    ahead.results['0'] = 2.99;
    ahead.status = 'awaiting';
    assert.deepEqual(
      promote(st, spec, true).map((t) => t.proposalId),
      ['p2'],
    );
    const lone = newTrial(st, 'p1', 1002, 'explore', 0);
    lone.results['0'] = 3.04; // no base run on seed 1002: the mean alone decides
    lone.status = 'awaiting';
    assert.deepEqual(
      promote(st, spec, true).map((t) => t.proposalId),
      ['p1'],
    );
  });

  it('leaves a top-rung result to conclude.ts and stops a base lower-rung seed at its untilRung', () => {
    const st = withProposals(1);
    const top = newTrial(st, 'p1', 1000, 'explore', 2);
    top.results['2'] = 2.9;
    assert.deepEqual(afterRung(st, spec, top), []);
    assert.equal(top.status, 'done');
    assert.equal(st.proposals.find((p) => p.id === 'p1')?.status, 'active', 'no verdict here');
    const filler = newTrial(st, 'p1', 1001, 'baseline', 0);
    filler.untilRung = 1;
    afterRung(st, spec, filler);
    assert.deepEqual([filler.status, filler.rung], ['pending', 1]);
    afterRung(st, spec, filler);
    assert.deepEqual([filler.status, filler.rung], ['done', 1]);
  });

  it('confirms on fresh seeds for the candidate and the baseline alike', () => {
    const st = withProposals(2);
    for (let i = 0; i < 3; i++) newTrial(st, BASELINE, 1000 + i, 'baseline', 2);
    const c = scheduleConfirmation(st, spec, 'p1');
    assert.deepEqual(
      c.map((t) => [t.proposalId, t.seed, t.purpose]),
      [
        ['p1', 11000, 'confirm'],
        [BASELINE, 11000, 'confirm'],
      ],
    );
    const d = scheduleConfirmation(st, spec, 'p2');
    assert.deepEqual(
      d.map((t) => [t.proposalId, t.seed]),
      [['p2', 11000]],
      "another candidate's confirmation reuses the baseline re-run",
    );
  });

  it('confirms a paired candidate on a base decision seed it never ran: one run, not a fresh pair', () => {
    const paired = testSpec(base, { rungTokens: [1000, 3000, 9000], pairedSeeds: true });
    const st = state({ p1: { 'model.position': 'rope' }, p2: { 'optim.lr': 0.03 } });
    for (let i = 0; i < 3; i++) {
      const b = newTrial(st, BASELINE, 1000 + i, 'baseline', 2);
      b.results['2'] = 3;
      b.status = 'done';
    }
    for (const seed of [1000, 1001]) newTrial(st, 'p1', seed, 'seeds', 2).status = 'done';
    assert.deepEqual(
      scheduleConfirmation(st, paired, 'p1').map((t) => [t.proposalId, t.seed, t.purpose]),
      [['p1', 1002, 'confirm']],
    );
    // a candidate that ran every base seed gets a fresh seed, re-run for the base
    for (const seed of [1000, 1001, 1002]) newTrial(st, 'p2', seed, 'seeds', 2).status = 'done';
    assert.deepEqual(
      scheduleConfirmation(st, paired, 'p2').map((t) => [t.proposalId, t.seed]),
      [
        ['p2', 11000],
        [BASELINE, 11000],
      ],
    );
    // where seeds do not pair (the spec above: a trainer that promises nothing), always a fresh pair
    const p3 = state({ p3: { 'model.position': 'rope' } });
    for (let i = 0; i < 3; i++) newTrial(p3, BASELINE, 1000 + i, 'baseline', 2).status = 'done';
    newTrial(p3, 'p3', 1000, 'seeds', 2).status = 'done';
    assert.deepEqual(
      scheduleConfirmation(p3, spec, 'p3').map((t) => t.seed),
      [11000, 11000],
    );
  });

  it('counts compute saved by stops against running each stopped trial to its full budget', () => {
    const st = withProposals(2);
    const a = newTrial(st, 'p1', 1000, 'explore', 0);
    a.status = 'left';
    a.flops = 1000 * 10;
    const b = newTrial(st, 'p2', 1000, 'explore', 0);
    b.status = 'killed';
    b.flops = 500 * 10;
    st.flopsUsed = 100_000;
    const acct = account(st, spec, 10);
    assert.equal(acct.savedFlops, (9000 - 1000) * 10 + (9000 - 500) * 10);
    assert.ok(Math.abs(acct.savedShare - acct.savedFlops / (acct.savedFlops + 100_000)) < 1e-12);
    assert.equal(acct.stoppedTrials, 2);
  });
});

/** Proposals with these config changes on the baseline (`{}` = the baseline itself). */
function state(changes: Record<string, Record<string, unknown>>): SessionState {
  const st = emptyState();
  for (const [id, set] of Object.entries({ [BASELINE]: {}, ...changes })) {
    const config = structuredClone(base);
    for (const [k, v] of Object.entries(set)) setPath(config as unknown as Record<string, unknown>, k, v);
    st.proposals.push(proposalState(id, config, { change: { kind: 'config', set } }));
  }
  return st;
}

/** A finished top-rung decision seed of `id`, and a look at it. */
function lookAt(st: SessionState, id: string, look: { p: number; delta: number }, seed = 1000) {
  const t = newTrial(st, id, seed, 'explore', 2);
  t.results['2'] = 2.5;
  t.status = 'done';
  const p = st.proposals.find((x) => x.id === id)!;
  p.looks = [...(p.looks ?? []), { n: (p.looks?.length ?? 0) + 1, ...look }];
}

const perToken = 10;
const fullRun = 9000 * perToken;

describe('in-flight candidates', () => {
  it('keeps an ahead candidate’s remaining seeds and confirmation free from every other run', () => {
    const st = state({ p1: { 'model.position': 'rope' }, p2: { 'optim.lr': 0.02 } });
    lookAt(st, 'p1', { p: 0.2, delta: -0.02 }); // ahead, undecided after one seed
    assert.deepEqual([...inflightOf(st, spec).ahead], ['p1']);
    assert.equal(
      inflightOf(st, spec).runs,
      2 + 2,
      'two more seeds (candidateSeeds 3) and the confirmation pair',
    );
    // p2 is a follow-up sent straight to the top: not fresh, but it must leave p1's runs
    newTrial(st, 'p2', 1000, 'explore', 2);
    const enough = { flops: { left: 5 * fullRun, perToken } };
    const short = { flops: { left: 4.5 * fullRun, perToken } };
    assert.equal(nextWork(st, spec, Infinity, 2, enough)?.trial.proposalId, 'p2');
    assert.equal(nextWork(st, spec, Infinity, 2, short), undefined, 'p1 keeps 4 full runs');
    assert.equal(nextWork(st, spec, Infinity, 2, { ...short, reserve: false })?.trial.proposalId, 'p2');
    // p1's own next seed is never held back by its own reserve
    const s = newTrial(st, 'p1', 1001, 'seeds', 2);
    assert.equal(
      nextWork(st, spec, Infinity, 2, { flops: { left: 1.2 * fullRun, perToken } })?.trial.id,
      s.id,
    );
  });

  it('keeps a straight-to-top candidate’s seeds and confirmation free from its first run, before any look', () => {
    const st = state({ stack: { 'model.position': 'rope' } });
    const first = newTrial(st, 'stack', 1000, 'seeds', 2); // a screened stack or follow-up: no rung below
    const filler = newTrial(st, BASELINE, 1003, 'baseline', 1); // a re-based base's lower-rung seed
    filler.untilRung = 1;
    const inf = inflightOf(st, spec);
    assert.deepEqual([...inf.ahead], [], 'not ahead: nothing has looked at it yet');
    assert.equal(inf.runs, 3 + 2, 'its three decision seeds and the confirmation pair');
    assert.deepEqual([...inf.own], [['stack', 5]]);
    const left = (runs: number) => ({ flops: { left: runs * fullRun, perToken } });
    // its own first seed leaves only what others need; the base seed waits while the stack's runs do not fit beside it
    assert.equal(nextWork(st, spec, Infinity, 2, left(1.1))?.trial.id, first.id);
    first.status = 'running';
    assert.equal(nextWork(st, spec, Infinity, 2, left(5.2)), undefined);
    assert.equal(nextWork(st, spec, Infinity, 2, left(5.4))?.trial.id, filler.id);
    // an idea that climbs from a lower rung is not on its way to a verdict until a look says so
    const climbs = state({ lib: { 'model.logitSoftcap': 15 } });
    newTrial(climbs, 'lib', 1000, 'explore', 0);
    assert.equal(inflightOf(climbs, spec).runs, 0);
  });

  it('under a FLOPs budget, starts half of a confirmation pair only when the budget pays for both', () => {
    const st = state({ p1: { 'model.position': 'rope' } });
    lookAt(st, 'p1', { p: 0.001, delta: -0.1 });
    lookAt(st, 'p1', { p: 0.001, delta: -0.1 }, 1001);
    const [mine, theirs] = scheduleConfirmation(st, spec, 'p1');
    const left = (runs: number) => ({ flops: { left: runs * fullRun, perToken } });
    assert.equal(
      nextWork(st, spec, Infinity, 2, left(1.5)),
      undefined,
      'the base’s half would not fit after it',
    );
    assert.equal(nextWork(st, spec, Infinity, 2, left(2))?.trial.id, mine.id);
    assert.equal(nextWork(st, spec, 1e9, 2)?.trial.id, mine.id, 'a wall-time budget runs halves as they fit');
    mine.status = 'running';
    assert.equal(nextWork(st, spec, Infinity, 2, left(1))?.trial.id, theirs.id, 'its partner is paid for');
  });

  it('needs only the confirmation once the decision test passed, and nothing for a candidate behind', () => {
    const st = state({ p1: { 'model.position': 'rope' }, p2: { 'optim.lr': 0.02 } });
    lookAt(st, 'p1', { p: 0.001, delta: -0.1 });
    newTrial(st, 'p1', 11000, 'confirm', 2);
    newTrial(st, BASELINE, 11000, 'confirm', 2);
    lookAt(st, 'p2', { p: 0.5, delta: +0.01 });
    assert.deepEqual([...inflightOf(st, spec).ahead], ['p1']);
    assert.equal(inflightOf(st, spec).runs, 2);
  });

  it('keeps one run for a confirmation that pairs with a base decision run, two for a fresh pair', () => {
    const st = state({ p1: { 'model.position': 'rope' } });
    lookAt(st, 'p1', { p: 0.001, delta: -0.1 });
    newTrial(st, 'p1', 1002, 'confirm', 2); // the base ran 1002 for its decision: no re-run
    assert.equal(inflightOf(st, spec).runs, 1);
    newTrial(st, BASELINE, 1002, 'confirm', 2).status = 'running'; // were it re-run, both would count
    assert.equal(inflightOf(st, spec).runs, 2);
  });

  it('holds explore trials of ideas a likely new base would supersede, and only those', () => {
    const st = state({
      stack: { 'model.position': 'rope', 'model.tiedEmbeddings': false },
      tpe: { 'optim.lr': 0.02, 'model.position': 'learned' },
      lib: { 'model.logitSoftcap': 15 },
    });
    const clash = newTrial(st, 'tpe', 1000, 'explore', 0);
    const free = newTrial(st, 'lib', 1000, 'explore', 0);
    lookAt(st, 'stack', { p: 0.2, delta: -0.1 });
    assert.deepEqual(inflightOf(st, spec).likely, [], 'ahead but not clearly: nothing is held');
    lookAt(st, 'stack', { p: 0.01, delta: -0.1 }, 1001);
    const likely = inflightOf(st, spec).likely;
    assert.equal(heldBy(st, likely, clash)?.id, 'stack');
    assert.equal(heldBy(st, likely, free), undefined);
    const plenty = { flops: { left: 1e9, perToken } };
    assert.equal(nextWork(st, spec, Infinity, 2, plenty)?.trial.id, free.id);
    free.status = 'running';
    assert.equal(nextWork(st, spec, Infinity, 2, plenty), undefined, 'the TPE point waits for the verdict');
    assert.equal(nextWork(st, spec, Infinity, 2, { ...plenty, reserve: false })?.trial.id, clash.id);
    // the verdict is in: the hold goes with it
    st.proposals.find((p) => p.id === 'stack')!.status = 'concluded';
    assert.equal(nextWork(st, spec, Infinity, 2, plenty)?.trial.id, clash.id);
  });
});
