import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/base.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { pooledNoise } from './core/conclude.ts';
import { HISTORY_DF_CAP } from './core/noise-history.ts';
import { SessionSpec } from './core/spec.ts';
import { emptyState } from './core/state.ts';
import { historyRungs, rememberedStart, sessionHistoryNoise } from './setup.ts';

const config = resolveConfig({ preset: 'tiny' });
const RUNGS = [4096, 12288];

/** A stored session whose proposals have these top-rung values. */
async function pastSession(
  store: Store,
  id: string,
  values: Record<string, number[]>,
  opts: { rungs?: number[]; summary?: Record<string, unknown> } = {},
) {
  const rungs = opts.rungs ?? RUNGS;
  const top = String(rungs.length - 1);
  const trials = Object.entries(values).flatMap(([proposalId, vs]) =>
    vs.map((v, i) => ({ id: `${proposalId}-${i}`, proposalId, results: { [top]: v } })),
  );
  await store.createSession({
    id,
    researcher: 'offline',
    executor: 'local',
    parallel: 1,
    spec: { baseConfig: config, rungTokens: rungs },
    state: { trials },
    ...(opts.summary ? { summary: opts.summary } : {}),
  });
}

describe('a session set up from history', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ home: tempDir('fw-setup-') });
  });
  after(async () => {
    await store.close();
  });

  it('pools earlier sessions’ within-config spreads at the same budget, capped, and then needs fewer baseline seeds', async () => {
    assert.deepEqual(await sessionHistoryNoise(store, config, RUNGS, 3), { baselineSeeds: 3 });
    await pastSession(store, 's-a', { baseline: [3.0, 3.02, 2.98], p1: [2.9, 2.92] });
    await pastSession(store, 's-other-budget', { baseline: [3.0, 3.5, 2.5] }, { rungs: [4096, 20000] });
    const few = await sessionHistoryNoise(store, config, RUNGS, 3);
    assert.equal(few.historyNoise?.df, 3);
    assert.deepEqual(few.historyNoise?.sessions, ['s-a'], 'another budget is another noise');
    assert.ok(Math.abs(few.historyNoise!.sd - Math.sqrt(0.001 / 3)) < 1e-9);
    assert.equal(few.baselineSeeds, 3, '3 df do not cover the noise yet');
    for (const id of ['s-b', 's-c', 's-d'])
      await pastSession(store, id, { baseline: [3.0, 3.02, 2.98], p1: [2.9, 2.92, 2.88] });
    const many = await sessionHistoryNoise(store, config, RUNGS, 3);
    assert.equal(many.historyNoise?.df, HISTORY_DF_CAP, 'history trusted up to a cap');
    assert.equal(many.baselineSeeds, 2);
    // the session's pooled noise floor counts it
    const spec = SessionSpec.parse({
      baseConfig: config,
      baseSource: 'test',
      searchSpace: DEFAULT_SEARCH_SPACE,
      researcher: 'test',
      executor: 'local',
      parallel: 1,
      rungTokens: RUNGS,
      ...many,
    });
    assert.deepEqual(pooledNoise(emptyState(), spec), { sd: many.historyNoise!.sd, df: HISTORY_DF_CAP });
  });

  it("takes an earlier session's full budget when it is close to the planned one, so history carries over", async () => {
    const shape = { batchTokens: config.train.batchTokens, eta: 3, nRungs: 2 };
    // s-a .. s-d ran rungs 4096 / 12288; a re-based base (another model, same data order) is the same seed family
    const rebased = { ...config, model: { ...config.model, qkNorm: true } };
    assert.deepEqual(await historyRungs(store, rebased, [4608, 13824], shape), RUNGS);
    assert.deepEqual(await historyRungs(store, config, [4096, 11264], shape), RUNGS, 'longer, within 25 %');
    assert.equal(await historyRungs(store, config, [16384, 49152], shape), undefined, 'too far: plan stands');
    assert.equal(
      await historyRungs(store, config, [3072, 9216], shape),
      undefined,
      '1.33x longer: plan stands',
    );
    assert.equal(
      await historyRungs(store, config, [1024, 4096, 13824], shape),
      undefined,
      'other rung count',
    );
    const otherData = { ...config, data: { ...config.data, dir: '/elsewhere/other-corpus' } };
    assert.equal(await historyRungs(store, otherData, [4608, 13824], shape), undefined, 'other data order');
  });

  it('starts the next session from the last base of the newest session that re-based', async () => {
    const rebased = { ...config, optim: { ...config.optim, lr: 0.0015 } };
    await pastSession(store, 's-e', {}, { summary: { baseline: { proposalId: 'p3', config: rebased } } });
    const start = await rememberedStart(store);
    assert.equal(start?.source, 'session:s-e:p3');
    assert.equal(start?.config.optim.lr, 0.0015);
  });
});
