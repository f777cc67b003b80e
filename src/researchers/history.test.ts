import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { historyEffect, historySigma } from './history-effect.ts';
import { storeHistory, pointOf } from './history.ts';
import { ideaKey } from './config-diff.ts';
import { OfflineResearcher } from './offline.ts';
import { suiteDigest } from './researcher-suite.ts';
import { tpeKnobs } from './tpe-proposals.ts';
import { HISTORY_BASE, HISTORY_RUNGS as RUNGS, storeRun } from '../../test/helpers/history-store.ts';

let store: Store;
let home: string;
before(async () => {
  home = tempDir('fw-history-');
  store = await openStore({ home });
  let n = 0;
  const id = () => `h${n++}`;
  // this session's baseline seeds at the top rung: the reference (3.00)
  for (const v of [2.99, 3.0, 3.01]) await storeRun(store, { id: id(), session: 'now', valBpb: v });
  // an earlier session: its baseline measured 3.10 (another day); lr points, 2 seeds each
  for (const v of [3.09, 3.11]) await storeRun(store, { id: id(), session: 'old', valBpb: v });
  const lrs = [0.002, 0.004, 0.008, 0.016, 0.03, 0.045, 0.055, 0.0012, 0.0008, 0.0005, 0.025, 0.035];
  for (const lr of lrs)
    for (const s of [0, 0.004])
      await storeRun(store, {
        id: id(),
        session: 'old',
        set: { 'optim.lr': lr },
        valBpb: 3.0 + 0.3 * Math.abs(Math.log10(lr / 0.035)) + s,
      });
  await storeRun(store, { id: id(), session: 'old', set: { 'optim.lr': 0.06 }, status: 'diverged' });
  // not comparable: a code experiment, another dataset, another family (width), an off-rung budget
  await storeRun(store, {
    id: 'x-code',
    session: 'old',
    set: { 'optim.lr': 0.01 },
    valBpb: 1,
    code: 'patch',
  });
  await storeRun(store, {
    id: 'x-data',
    session: 'old',
    set: { 'optim.lr': 0.01 },
    valBpb: 1,
    dataHash: 'other',
  });
  await storeRun(store, {
    id: 'x-fam',
    session: 'old',
    set: { 'model.depth': 7, 'optim.lr': 0.01 },
    valBpb: 1,
  });
  await storeRun(store, { id: 'x-rung', session: 'old', set: { 'optim.lr': 0.01 }, valBpb: 1, tokens: 5000 });
});
after(async () => {
  await store.close();
  rmSync(home, { recursive: true, force: true });
});

const knobs = tpeKnobs(DEFAULT_SEARCH_SPACE);
const query = { sessionId: 'now', base: HISTORY_BASE, rungTokens: RUNGS, knobs };

describe('history of comparable runs', () => {
  it('keeps earlier sessions’ comparable runs as deltas from this session’s baseline, one point per config', async () => {
    const h = await storeHistory(store).load(query);
    assert.equal(h.codeHash, 'trainer-code-1');
    const ref = h.reference.get(RUNGS[1]);
    assert.ok(ref && Math.abs(ref.mean - 3.0) < 1e-9 && ref.n === 3, JSON.stringify(ref));
    assert.equal(h.observations.length, 13, 'twelve lr points and the diverged one');
    const at = (lr: number) => h.observations.find((o) => o.point['optim.lr'] === lr)!;
    assert.equal(at(0.035).n, 2);
    assert.ok(Math.abs(at(0.035).value - 0.002) < 1e-9, `${at(0.035).value}`);
    assert.equal(at(0.06).value, Infinity);
    const ids = h.observations.flatMap((o) => o.runIds);
    for (const x of ['x-code', 'x-data', 'x-fam', 'x-rung']) assert.ok(!ids.includes(x), x);
  });

  it('caps the runs it reads and the points it keeps', async () => {
    const h = await storeHistory(store, { maxRuns: 10, maxObservations: 2 }).load(query);
    assert.ok(h.runs <= 10);
    assert.ok(h.observations.length <= 2);
  });

  it('shrinks a stated expectation toward what similar runs measured, and keeps it when none did', async () => {
    const h = await storeHistory(store).load({ ...query, knobs: DEFAULT_SEARCH_SPACE.knobs });
    const all = DEFAULT_SEARCH_SPACE.knobs;
    const sigma = historySigma(h, 0.01);
    const point = (lr: number) => pointOf({ ...HISTORY_BASE, optim: { ...HISTORY_BASE.optim, lr } }, all);
    const bad = historyEffect(point(0.0005), -0.05, h, all, sigma);
    assert.ok(bad.evidence && bad.evidence.runs >= 2, JSON.stringify(bad));
    assert.ok(bad.estimate > 0.3, `a measured loss outweighs the stated gain: ${bad.estimate}`);
    const none = historyEffect({ ...point(0.035), 'model.qkNorm': true }, -0.02, h, all, sigma);
    assert.equal(none.estimate, -0.02);
    assert.equal(none.evidence, undefined);
  });
});

describe('TPE warm-started from history', () => {
  it('proposes from the model at its first ask when earlier sessions left enough points', async () => {
    const digest = { ...suiteDigest(HISTORY_BASE), sessionId: 'now' };
    digest.noiseFloor = RUNGS.map((t, rung) => ({ rung, budgetTokens: t, std: 0.01, n: 3 }));
    const warm = new OfflineResearcher({ seed: 3, library: [], history: storeHistory(store) });
    const [p] = await warm.propose(digest, 1);
    assert.equal(p.source, 'tpe');
    assert.ok(!p.tags?.includes('random'), `not a startup draw: ${p.hypothesis}`);
    assert.match(p.hypothesis, /from earlier sessions/);
    const cold = new OfflineResearcher({ seed: 3, library: [] });
    const [q] = await cold.propose(digest, 1);
    assert.ok(q.tags?.includes('random'), 'without history TPE starts from random draws');
  });
});

describe('dedup beyond the digest', () => {
  it('never proposes an idea the store reports as tried, though the digest does not list it', async () => {
    const digest = { ...suiteDigest(HISTORY_BASE), sessionId: 'now' };
    const first = await new OfflineResearcher({ seed: 5 }).propose(digest, 3);
    const keys = new Set(
      first.map((p) => (p.change.kind === 'config' ? ideaKey(HISTORY_BASE, p.change.set) : '')),
    );
    let asked = 0;
    const tried = async (ks: string[]) => {
      asked += ks.length;
      return new Set(ks.filter((k) => keys.has(k)));
    };
    const again = await new OfflineResearcher({ seed: 5 }).propose(digest, 3, { tried });
    assert.ok(asked >= 3, `looked up ${asked} keys`);
    assert.equal(again.length, 3);
    for (const p of again)
      assert.ok(p.change.kind === 'config' && !keys.has(ideaKey(HISTORY_BASE, p.change.set)), p.title);
  });
});
