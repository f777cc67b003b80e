/** Shared suite, part 2: metric chunks, events, artifacts, in-process concurrency. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MetricPoint } from './base.ts';
import type { KyselyStore } from './kysely-store.ts';
import { MAX_CHUNK_POINTS } from './metric-codec.ts';
import { newRun, rejectsWith, type Ctx } from './store-suite-helpers.ts';

const trainPoint = (step: number) => ({
  step,
  tokens: step * 2048,
  flops: step * 1.5e9,
  elapsed: step * 0.01,
  loss: 10 / (1 + step),
  lr: 3e-3,
  gradNorm: 1 + (step % 7) / 10,
  tokPerSec: 2e5,
});

export function dataTests(ctx: Ctx) {
  it('returns metric points in append order per kind, NaN and Infinity intact', async () => {
    await ctx.store.createRun(newRun('m', { status: 'running' }));
    await ctx.store.appendMetrics('m', 'train', [trainPoint(1), trainPoint(2)]);
    await ctx.store.appendMetrics('m', 'eval', [{ step: 2, valLoss: 3.1, valBpb: 1.2, 'bpb/news': 1.3 }]);
    await ctx.store.appendMetrics('m', 'train', [{ step: 3, loss: NaN, gradNorm: Infinity, lr: -Infinity }]);
    await ctx.store.appendMetrics('m', 'train', []);
    const all = await ctx.store.getMetrics('m');
    assert.deepEqual(all.train, [
      trainPoint(1),
      trainPoint(2),
      { step: 3, loss: NaN, gradNorm: Infinity, lr: -Infinity },
    ]);
    assert.deepEqual(all.eval, [{ step: 2, valLoss: 3.1, valBpb: 1.2, 'bpb/news': 1.3 }]);
    assert.deepEqual((await ctx.store.getMetrics('m', 'eval')).train, []);
    assert.deepEqual(await ctx.store.getMetrics('m', 'eval'), { train: [], eval: all.eval });
  });

  it('keeps each point to its own fields when points in one batch differ', async () => {
    await ctx.store.createRun(newRun('d'));
    const points: MetricPoint[] = [
      { step: 0, loss: 1 },
      { step: 1, lr: 0.5 },
      { step: 2 },
      { step: 3, loss: 0, lr: -0 },
    ];
    await ctx.store.appendMetrics('d', 'train', points);
    assert.deepEqual((await ctx.store.getMetrics('d')).train, points);
  });

  it('stores 200k points from one call in compact chunks and reads them back in order', async () => {
    await ctx.store.createRun(newRun('big', { status: 'running' }));
    const n = 200_000;
    await ctx.store.appendMetrics(
      'big',
      'train',
      Array.from({ length: n }, (_, i) => trainPoint(i)),
    );
    const { train } = await ctx.store.getMetrics('big', 'train');
    assert.equal(train.length, n);
    for (let i = 0; i < n; i += 997) assert.deepEqual(train[i], trainPoint(i));
    assert.ok(train.every((p, i) => p.step === i));
    const db = (ctx.store as unknown as KyselyStore).db;
    if (db) {
      const rows = await db
        .selectFrom('metric_chunks')
        .select(['n_points'])
        .where('run_id', '=', 'big')
        .execute();
      assert.equal(rows.length, Math.ceil(n / MAX_CHUNK_POINTS));
      assert.equal(
        rows.reduce((s, r) => s + r.n_points, 0),
        n,
      );
    }
  });

  it('drops metrics and events that arrive after the run finished', async () => {
    await ctx.store.createRun(newRun('late', { status: 'running' }));
    await ctx.store.appendMetrics('late', 'train', [trainPoint(1)]);
    await ctx.store.appendEvents('late', [{ ts: 't1', kind: 'end', payload: { kind: 'end' } }]);
    await ctx.store.finishRun('late', 'completed', 'ok');
    await ctx.store.appendMetrics('late', 'train', [trainPoint(2)]);
    await ctx.store.appendEvents('late', [{ ts: 't2', kind: 'log', payload: 'late line' }]);
    assert.equal((await ctx.store.getMetrics('late')).train.length, 1);
    assert.deepEqual(
      (await ctx.store.listEvents('late')).map((e) => e.kind),
      ['end'],
    );
  });

  it('keeps every point when many appends to one run run concurrently', async () => {
    await ctx.store.createRun(newRun('c', { status: 'running' }));
    const batches = 40;
    const per = 250;
    await Promise.all(
      Array.from({ length: batches }, (_, b) =>
        Promise.all([
          ctx.store.appendMetrics(
            'c',
            'train',
            Array.from({ length: per }, (_, i) => ({ batch: b, i })),
          ),
          ctx.store.appendEvents('c', [{ ts: `t${b}`, kind: 'log', payload: { b } }]),
        ]),
      ),
    );
    const { train } = await ctx.store.getMetrics('c');
    assert.equal(train.length, batches * per);
    for (let k = 0; k < train.length; k += per) {
      // each call's points stay contiguous and in order
      const slice = train.slice(k, k + per);
      assert.ok(slice.every((p, i) => p.batch === slice[0].batch && p.i === i));
    }
    const events = await ctx.store.listEvents('c');
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: batches }, (_, i) => i + 1),
    );
  });

  it('stores events, malformed lines included, and pages them by seq and kind', async () => {
    await ctx.store.createRun(newRun('e', { status: 'running' }));
    await ctx.store.appendEvents('e', [
      { ts: '2024-01-01T00:00:00.000Z', kind: 'start', payload: { kind: 'start', params: 100 } },
      {
        ts: '2024-01-01T00:00:01.000Z',
        kind: 'malformed',
        payload: { line: '{"kind":"train", "loss": nan\u0000', error: 'Unexpected token' },
      },
      { ts: '2024-01-01T00:00:02.000Z', kind: 'train', payload: { kind: 'train', step: 1, loss: 3 } },
    ]);
    await ctx.store.appendEvents('e', [{ ts: '2024-01-01T00:00:03.000Z', kind: 'monitor', payload: null }]);
    const all = await ctx.store.listEvents('e');
    assert.deepEqual(
      all.map((e) => [e.seq, e.kind]),
      [
        [1, 'start'],
        [2, 'malformed'],
        [3, 'train'],
        [4, 'monitor'],
      ],
    );
    assert.deepEqual(all[1].payload, {
      line: '{"kind":"train", "loss": nan\u0000',
      error: 'Unexpected token',
    });
    assert.equal(all[3].payload, null);
    assert.deepEqual(
      (await ctx.store.listEvents('e', { afterSeq: 2, limit: 1 })).map((e) => e.seq),
      [3],
    );
    assert.deepEqual(
      (await ctx.store.listEvents('e', { kinds: ['malformed', 'monitor'] })).map((e) => e.seq),
      [2, 4],
    );
    assert.deepEqual(await ctx.store.listEvents('e', { kinds: [] }), []);
    await rejectsWith(ctx.store.listEvents('ghost'), 'not_found');
  });

  it('records artifacts, also after the run finished, and replaces one with the same name', async () => {
    await ctx.store.createRun(newRun('a'));
    assert.deepEqual(await ctx.store.listArtifacts('a'), []);
    await ctx.store.addArtifact({
      runId: 'a',
      name: 'stdout',
      path: '/r/a/stdout.log',
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    await ctx.store.finishRun('a', 'completed', 'ok');
    const ckpt = {
      runId: 'a',
      name: 'checkpoint:stable',
      path: '/r/a/ck.pt',
      bytes: 5e9,
      sha256: 'ab',
      createdAt: '2024-01-02T00:00:00.000Z',
    };
    await ctx.store.addArtifact({ ...ckpt, path: '/old.pt' });
    await ctx.store.addArtifact(ckpt);
    assert.deepEqual(await ctx.store.listArtifacts('a'), [
      { runId: 'a', name: 'stdout', path: '/r/a/stdout.log', createdAt: '2024-01-01T00:00:00.000Z' },
      ckpt,
    ]);
    await rejectsWith(ctx.store.listArtifacts('ghost'), 'not_found');
  });
}
