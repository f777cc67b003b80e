/**
 * The shared contract test every Store backend runs (Optuna-style "one suite, every storage"):
 *
 *   runStoreSuite('sqlite store', () => SqliteStore.open(file).then(migrated));
 *
 * `makeStore` must return a fresh, empty, migrated store each time; the suite closes it. Runs tests
 * live here, metrics/events/artifacts tests in store-suite-data.ts, sessions/journal/findings/ideas/feed
 * tests in store-suite-research.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from './base.ts';
import { dataTests } from './store-suite-data.ts';
import { researchTests } from './store-suite-research.ts';
import { CONFIG, newRun, rejectsWith, type Ctx } from './store-suite-helpers.ts';

export type MakeStore = () => Promise<Store>;

export function runStoreSuite(name: string, makeStore: MakeStore, opts: { skip?: string | false } = {}) {
  describe(name, { skip: opts.skip }, () => {
    const ctx = {} as Ctx;
    beforeEach(async () => {
      ctx.store = await makeStore();
    });
    afterEach(async () => {
      await ctx.store.close();
    });
    runTests(ctx);
    dataTests(ctx);
    researchTests(ctx);
  });
}

function runTests(ctx: Ctx) {
  it('creates a run and reads the same record back', async () => {
    const created = await ctx.store.createRun(
      newRun('r1', {
        sessionId: 's1',
        host: 'h',
        codeDiff: 'diff --git',
        pid: 42,
        summary: { params: 10 },
        tags: { a: 'b' },
      }),
    );
    assert.equal(created.status, 'queued');
    assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(created.config, CONFIG);
    assert.deepEqual(await ctx.store.getRun('r1'), created);
    assert.deepEqual(created.summary, { params: 10 });
    assert.equal(created.pid, 42);
    assert.equal(await ctx.store.getRun('nope'), undefined);
  });

  it('refuses a second run with the same id as a conflict', async () => {
    await ctx.store.createRun(newRun('dup'));
    await rejectsWith(ctx.store.createRun(newRun('dup')), 'conflict');
    await rejectsWith(ctx.store.createRun({ ...newRun('x'), status: 'completed' as 'queued' }), 'bad_input');
  });

  it('answers not_found to writes to an unknown run', async () => {
    await rejectsWith(ctx.store.updateRun('ghost', { pid: 1 }), 'not_found');
    await rejectsWith(ctx.store.finishRun('ghost', 'failed', 'x'), 'not_found');
    await rejectsWith(ctx.store.appendMetrics('ghost', 'train', [{ step: 1 }]), 'not_found');
    await rejectsWith(ctx.store.appendEvents('ghost', [{ ts: 't', kind: 'log', payload: 1 }]), 'not_found');
    await rejectsWith(ctx.store.addArtifact({ runId: 'ghost', name: 'n', path: 'p' }), 'not_found');
    await rejectsWith(ctx.store.getMetrics('ghost'), 'not_found');
  });

  it('filters runs by status, session, config hash, preset, ids, dataset and code, and counts the same filter', async () => {
    await ctx.store.createRun(
      newRun('a', { sessionId: 's1', status: 'running', dataHash: 'd1', codeHash: 'c1' }),
    );
    await ctx.store.createRun(
      newRun('b', { sessionId: 's1', configHash: 'hash-b', dataHash: 'd1', codeHash: 'c2' }),
    );
    await ctx.store.createRun(
      newRun('c', { sessionId: 's2', preset: 'small', dataHash: 'd2', codeHash: 'c1' }),
    );
    await ctx.store.finishRun('c', 'completed', 'done');
    const ids = async (f: Parameters<Store['listRuns']>[0]) => (await ctx.store.listRuns(f)).map((r) => r.id);
    assert.deepEqual(await ids({}), ['a', 'b', 'c']);
    assert.deepEqual(await ids({ status: 'running' }), ['a']);
    assert.deepEqual(await ids({ status: ['queued', 'completed'] }), ['b', 'c']);
    assert.deepEqual(await ids({ sessionId: 's1' }), ['a', 'b']);
    assert.deepEqual(await ids({ configHash: 'hash-a', sessionId: 's1' }), ['a']);
    assert.deepEqual(await ids({ preset: 'small' }), ['c']);
    assert.deepEqual(await ids({ ids: ['c', 'a', 'zz'] }), ['a', 'c']);
    assert.deepEqual(await ids({ ids: [] }), []);
    assert.deepEqual(await ids({ dataHash: 'd1' }), ['a', 'b']);
    assert.deepEqual(await ids({ dataHash: 'd1', codeHash: 'c1' }), ['a']);
    assert.deepEqual(await ids({ codeHash: 'c1', desc: true, limit: 1 }), ['c']);
    assert.deepEqual(await ids({ dataHash: 'nope' }), []);
    assert.equal(await ctx.store.countRuns({ dataHash: 'd1' }), 2);
    assert.equal(await ctx.store.countRuns(), 3);
    assert.equal(await ctx.store.countRuns({ sessionId: 's1', limit: 1 }), 2);
    assert.equal(await ctx.store.countRuns({ status: [] }), 0);
  });

  it('sorts by creation time, val bpb and end time with missing values last', async () => {
    for (const [id, bpb] of [
      ['r1', 2.5],
      ['r2', undefined],
      ['r3', 1.5],
      ['r4', 2.0],
    ] as const) {
      await ctx.store.createRun(newRun(id, { summary: bpb === undefined ? {} : { valBpb: bpb } }));
    }
    await ctx.store.finishRun('r4', 'completed', 'ok');
    await sleep(3); // distinct end times
    await ctx.store.finishRun('r1', 'stopped', 'monitor');
    const ids = async (f: Parameters<Store['listRuns']>[0]) => (await ctx.store.listRuns(f)).map((r) => r.id);
    assert.deepEqual(await ids({ orderBy: 'createdAt' }), ['r1', 'r2', 'r3', 'r4']);
    assert.deepEqual(await ids({ orderBy: 'createdAt', desc: true }), ['r4', 'r3', 'r2', 'r1']);
    assert.deepEqual(await ids({ orderBy: 'valBpb' }), ['r3', 'r4', 'r1', 'r2']);
    assert.deepEqual(await ids({ orderBy: 'valBpb', desc: true }), ['r1', 'r4', 'r3', 'r2']);
    assert.deepEqual((await ids({ orderBy: 'endedAt' })).slice(0, 2), ['r4', 'r1']);
    assert.deepEqual((await ids({ orderBy: 'endedAt', desc: true })).slice(0, 2), ['r1', 'r4']);
  });

  it('pages through many runs without overlap or gaps', async () => {
    for (let i = 0; i < 23; i++) await ctx.store.createRun(newRun(`p${String(i).padStart(2, '0')}`));
    const seen: string[] = [];
    for (let offset = 0; ; offset += 5) {
      const page = await ctx.store.listRuns({ orderBy: 'createdAt', limit: 5, offset });
      if (page.length === 0) break;
      seen.push(...page.map((r) => r.id));
    }
    assert.equal(seen.length, 23);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal((await ctx.store.listRuns({ offset: 20 })).length, 3);
  });

  it('merges summary and tags on update and keeps every other field', async () => {
    await ctx.store.createRun(
      newRun('m', { summary: { params: 5, valBpb: 3 }, tags: { a: '1' }, host: 'h1' }),
    );
    await ctx.store.updateRun('m', { status: 'running', startedAt: '2024-01-01T00:00:00.000Z', pid: 7 });
    const r = await ctx.store.updateRun('m', {
      summary: { valBpb: 2, tokens: 100 },
      tags: { b: '2' },
      torch: '2.1',
    });
    assert.deepEqual(r.summary, { params: 5, valBpb: 2, tokens: 100 });
    assert.deepEqual(r.tags, { a: '1', b: '2' });
    assert.equal(r.status, 'running');
    assert.equal(r.pid, 7);
    assert.equal(r.host, 'h1');
    assert.equal(r.torch, '2.1');
    assert.deepEqual(await ctx.store.getRun('m'), r);
    assert.deepEqual((await ctx.store.listRuns({ orderBy: 'valBpb' }))[0].summary.valBpb, 2);
    await rejectsWith(ctx.store.updateRun('m', { status: 'completed' }), 'bad_input');
  });

  it('finishes a run once, then refuses every change as a conflict', async () => {
    await ctx.store.createRun(newRun('f', { status: 'running', summary: { params: 9 } }));
    const done = await ctx.store.finishRun('f', 'diverged', 'loss is NaN at step 12', { valBpb: 9.5 }, 'nan');
    assert.equal(done.status, 'diverged');
    assert.equal(done.statusReason, 'loss is NaN at step 12');
    assert.equal(done.stopRule, 'nan');
    assert.ok(done.endedAt && done.endedAt >= done.createdAt);
    assert.deepEqual(done.summary, { params: 9, valBpb: 9.5 });
    await rejectsWith(ctx.store.finishRun('f', 'completed', 'again'), 'conflict');
    await rejectsWith(ctx.store.updateRun('f', { tags: { x: 'y' } }), 'conflict');
    await rejectsWith(ctx.store.finishRun('f', 'running', 'nope'), 'bad_input');
    assert.deepEqual(await ctx.store.getRun('f'), done);
  });

  it('stores a reason containing a NUL byte', async () => {
    await ctx.store.createRun(newRun('nul'));
    const r = await ctx.store.finishRun('nul', 'failed', 'bad\u0000line');
    assert.equal(r.statusReason, 'bad\uFFFDline');
    assert.equal((await ctx.store.getRun('nul'))?.statusReason, 'bad\uFFFDline');
  });

  it('migrates again without changing anything', async () => {
    await ctx.store.createRun(newRun('keep'));
    await ctx.store.migrate();
    await ctx.store.migrate();
    assert.equal((await ctx.store.getRun('keep'))?.id, 'keep');
  });
}
