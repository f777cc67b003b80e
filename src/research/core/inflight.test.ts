import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig, setPath } from '../../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../../config/search-space.ts';
import { aheadCandidates, heldBy, inflightReserveRuns, likelyBases } from './inflight.ts';
import { nextWork, newTrial } from './scheduler.ts';
import { SessionSpec } from './spec.ts';
import { BASELINE, emptyState, type SessionState } from './state.ts';

const base = resolveConfig({ preset: 'tiny' });
const spec = SessionSpec.parse({
  baseConfig: base,
  baseSource: 'test',
  searchSpace: DEFAULT_SEARCH_SPACE,
  researcher: 'test',
  executor: 'local',
  parallel: 2,
  rungTokens: [1000, 3000, 9000],
  tokPerSec: 1000,
  startupSeconds: 1,
});

/** Proposals with these config changes on the baseline (`{}` = the baseline itself). */
function state(changes: Record<string, Record<string, unknown>>): SessionState {
  const st = emptyState();
  for (const [id, set] of Object.entries({ [BASELINE]: {}, ...changes })) {
    const config = structuredClone(base);
    for (const [k, v] of Object.entries(set)) setPath(config as unknown as Record<string, unknown>, k, v);
    st.proposals.push({
      id,
      title: id,
      hypothesis: '',
      change: { kind: 'config', set },
      expectedEffect: 0,
      cost: 1,
      source: 't',
      key: id,
      config,
      status: 'active',
      createdAt: '',
    });
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
    assert.deepEqual(
      aheadCandidates(st).map((p) => p.id),
      ['p1'],
    );
    assert.equal(
      inflightReserveRuns(st, spec),
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

  it('needs only the confirmation once the decision test passed, and nothing for a candidate behind', () => {
    const st = state({ p1: { 'model.position': 'rope' }, p2: { 'optim.lr': 0.02 } });
    lookAt(st, 'p1', { p: 0.001, delta: -0.1 });
    newTrial(st, 'p1', 11000, 'confirm', 2);
    newTrial(st, BASELINE, 11000, 'confirm', 2);
    lookAt(st, 'p2', { p: 0.5, delta: +0.01 });
    assert.deepEqual(
      aheadCandidates(st).map((p) => p.id),
      ['p1'],
    );
    assert.equal(inflightReserveRuns(st, spec), 2);
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
    assert.deepEqual(likelyBases(st, spec), [], 'ahead but not clearly: nothing is held');
    lookAt(st, 'stack', { p: 0.01, delta: -0.1 }, 1001);
    const likely = likelyBases(st, spec);
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
