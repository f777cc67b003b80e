import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { configHash, resolveConfig } from '../config/resolve.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/base.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';
import { pooledNoise } from './core/conclude.ts';
import { HISTORY_DF_CAP } from './core/noise-history.ts';
import { SessionSpec } from './core/spec.ts';
import { BASELINE, emptyState, type ProposalState } from './core/state.ts';
import { pooledWithin } from '../stats/seed-blocks.ts';
import { rememberedStart, sessionHistoryNoise } from './setup.ts';
import { historyPlan } from './setup-plan.ts';
import { testSpec } from '../../test/helpers/test-spec.ts';

const config = resolveConfig({ preset: 'tiny' });
const RUNGS = [4096, 12288];

/** A proposal's config in these tests: the base, or the base at another LR (a config change). */
const configOf = (pid: string, lr: Record<string, number> = {}) =>
  pid === 'baseline' ? config : { ...config, optim: { ...config.optim, lr: lr[pid] ?? 0.0123 } };

/** A stored session whose proposals have these top-rung values, the i-th on seed 1000 + i. */
async function pastSession(
  store: Store,
  id: string,
  values: Record<string, number[]>,
  opts: {
    rungs?: number[];
    summary?: Record<string, unknown>;
    lr?: Record<string, number>;
    configs?: Record<string, TrainConfig>;
  } = {},
) {
  const rungs = opts.rungs ?? RUNGS;
  const top = String(rungs.length - 1);
  const proposals = Object.keys(values).map((pid) => ({
    id: pid,
    config: opts.configs?.[pid] ?? configOf(pid, opts.lr),
    change: pid === 'baseline' ? { kind: 'none' } : { kind: 'config', set: { 'optim.lr': opts.lr?.[pid] } },
  }));
  const trials = Object.entries(values).flatMap(([proposalId, vs]) =>
    vs.map((v, i) => ({
      id: `${proposalId}-${i}`,
      proposalId,
      seed: 1000 + i,
      purpose: proposalId === 'baseline' ? 'baseline' : 'seeds',
      results: { [top]: v },
    })),
  );
  await store.createSession({
    id,
    researcher: 'offline',
    executor: 'local',
    parallel: 1,
    spec: { baseConfig: opts.configs?.baseline ?? config, rungTokens: rungs },
    state: { proposals, trials },
    ...(opts.summary ? { summary: opts.summary } : {}),
  });
}

const specWith = (noise: Partial<SessionSpec>) =>
  testSpec(config, {
    parallel: 1,
    rungTokens: RUNGS,
    ...noise,
  });

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
    // the next session re-ran the same configs on the same seeds (a deterministic trainer: the same
    // values): one observation each, not a second spread
    await pastSession(store, 's-a2', { baseline: [3.0, 3.02, 2.98], p1: [2.9, 2.92] });
    const again = await sessionHistoryNoise(store, config, RUNGS, 3);
    assert.equal(again.historyNoise?.df, 3, 'a re-run on the same seeds adds no df');
    assert.deepEqual(again.historyNoise?.sessions, ['s-a2']);
    for (const [id, lr] of [
      ['s-b', 0.002],
      ['s-c', 0.003],
      ['s-d', 0.004],
    ] as const)
      await pastSession(store, id, { p1: [2.9, 2.92, 2.88, 2.91, 2.89] }, { lr: { p1: lr } });
    const many = await sessionHistoryNoise(store, config, RUNGS, 3);
    assert.equal(many.historyNoise?.df, HISTORY_DF_CAP, 'history trusted up to a cap');
    assert.equal(pooledWithin(many.historyNoise!.runs).df, HISTORY_DF_CAP, 'its runs are what it counts');
    assert.equal(many.baselineSeeds, 2);
    // the session's pooled noise floor counts it
    assert.deepEqual(pooledNoise(emptyState(), specWith(many)), {
      sd: many.historyNoise!.sd,
      df: HISTORY_DF_CAP,
    });
  });

  it('merges the history with the session’s own runs by config and seed: a run both hold counts once', () => {
    const history = {
      sd: Math.sqrt(0.001 / 3),
      df: 3,
      sessions: ['s-a'],
      configs: 2,
      runs: [
        { group: configHash(configOf('baseline')), seed: 1000, value: 3.0 },
        { group: configHash(configOf('baseline')), seed: 1001, value: 3.02 },
        { group: configHash(configOf('baseline')), seed: 1002, value: 2.98 },
        { group: configHash(configOf('p1')), seed: 1000, value: 2.9 },
        { group: configHash(configOf('p1')), seed: 1001, value: 2.92 },
      ],
    };
    // this session's base re-ran seeds 1000-1002 (the same values) and added 1003
    const state = emptyState();
    state.proposals.push({ id: BASELINE, config: configOf('baseline') } as ProposalState);
    [3.0, 3.02, 2.98, 3.01].forEach((v, i) =>
      state.trials.push({
        id: `t${i + 1}`,
        proposalId: BASELINE,
        seed: 1000 + i,
        purpose: 'baseline',
        rung: 1,
        startRung: 0,
        status: 'done',
        runIds: [],
        results: { '1': v },
        rungRuns: {},
        flops: 0,
      }),
    );
    const merged = pooledNoise(state, specWith({ historyNoise: history }))!;
    // own: 4 seeds (3 df); the history adds p1's 1 df, not the base's 2 again
    assert.equal(merged.df, 4);
    const base = [3.0, 3.02, 2.98, 3.01];
    const m = base.reduce((a, x) => a + x, 0) / 4;
    const ss = base.reduce((a, x) => a + (x - m) ** 2, 0) + 0.0002;
    assert.ok(Math.abs(merged.sd - Math.sqrt(ss / 4)) < 1e-12, `${merged.sd}`);
    // a spec written before the history kept its runs pools the summary
    const { runs: _, ...old } = history;
    assert.equal(pooledNoise(state, specWith({ historyNoise: old }))!.df, 6);
  });

  it('takes each earlier config by its own family: the session that re-based ran the next base', async () => {
    const home = await openStore({ home: tempDir('fw-setup-family-') });
    try {
      // the last session started from another model and re-based onto this one (p2), and tried a
      // batch change on it (p3: another data order, another noise)
      const otherModel = { ...config, model: { ...config.model, qkNorm: !config.model.qkNorm } };
      const otherBatch = { ...config, train: { ...config.train, batchTokens: 2 * config.train.batchTokens } };
      await pastSession(
        home,
        's-r',
        { baseline: [3.1, 3.14, 3.12], p2: [3.0, 3.03], p3: [2.9, 2.95, 3.0] },
        { configs: { baseline: otherModel, p2: config, p3: otherBatch } },
      );
      const h = await sessionHistoryNoise(home, config, RUNGS, 3);
      assert.deepEqual(h.historyNoise?.sessions, ['s-r']);
      assert.equal(h.historyNoise?.df, 1, 'p2 only: the base it left is another model, p3 another batch');
      assert.deepEqual(
        h.historySeedRuns?.map((o) => o.value),
        [3.1, 3.14, 3.12, 3.0, 3.03],
        'the seed family is the data order: the other model counts, the other batch does not',
      );
    } finally {
      await home.close();
    }
  });

  it("takes an earlier session's full budget when it is close to the planned one, so history carries over", async () => {
    const shape = { batchTokens: config.train.batchTokens, eta: 3, nRungs: 2 };
    const at = (rungs: number[]) => () => rungs;
    // s-a .. s-d ran rungs 4096 / 12288; a re-based base (another model, same data order) is the same seed family
    const rebased = { ...config, model: { ...config.model, qkNorm: true } };
    assert.deepEqual(await historyPlan(store, rebased, shape, at([4608, 13824])), {
      rungTokens: RUNGS,
      ladder: 0,
    });
    assert.deepEqual(
      (await historyPlan(store, config, shape, at([4096, 11264])))?.rungTokens,
      RUNGS,
      'longer, within 25 %',
    );
    assert.equal(
      await historyPlan(store, config, shape, at([16384, 49152])),
      undefined,
      'too far: plan stands',
    );
    assert.equal(
      await historyPlan(store, config, shape, at([3072, 9216])),
      undefined,
      '1.33x longer: plan stands',
    );
    assert.equal(
      await historyPlan(store, config, { ...shape, nRungs: 3 }, at([1024, 4096, 13824])),
      undefined,
      'other rung count',
    );
    const otherData = { ...config, data: { ...config.data, dir: '/elsewhere/other-corpus' } };
    assert.equal(
      await historyPlan(store, otherData, shape, at([4608, 13824])),
      undefined,
      'other data order',
    );
  });

  it("takes an earlier session's ladder with its plan, compared like for like, unless another was asked for", async () => {
    const home = await openStore({ home: tempDir('fw-setup-ladder-') });
    try {
      await home.createSession({
        id: 's-ladder',
        researcher: 'offline',
        executor: 'local',
        parallel: 2,
        spec: { baseConfig: config, rungTokens: RUNGS, ladder: 1 },
        state: { proposals: [], trials: [] },
      });
      const shape = { batchTokens: config.train.batchTokens, eta: 3, nRungs: 2 };
      // this session's default plan has no ladder and 2.5x longer runs; with the earlier ladder it is close
      const asked: number[] = [];
      const planFor = (ladder: number) => {
        asked.push(ladder);
        return ladder === 1 ? [4608, 13824] : [10240, 30720];
      };
      assert.deepEqual(await historyPlan(home, config, shape, planFor), { rungTokens: RUNGS, ladder: 1 });
      assert.deepEqual(asked, [1], 'planned with the earlier session’s ladder');
      // the user asked for no ladder: the earlier plan is not taken
      assert.equal(
        await historyPlan(home, config, shape, (l) => (l === 0 ? [10240, 30720] : undefined)),
        undefined,
      );
    } finally {
      await home.close();
    }
  });

  it('starts the next session from the last base of the newest session that re-based', async () => {
    const rebased = { ...config, optim: { ...config.optim, lr: 0.0015 } };
    await pastSession(store, 's-e', {}, { summary: { baseline: { proposalId: 'p3', config: rebased } } });
    const start = await rememberedStart(store);
    assert.equal(start?.source, 'session:s-e:p3');
    assert.equal(start?.config.optim.lr, 0.0015);
  });
});
