/** Shared suite, part 3: sessions, journal, findings, tried ideas, the change feed, `fields: 'list'`. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FeedItem, JournalEntry, NewSession, SessionRecord, Store } from './base.ts';
import type { KyselyStore } from './kysely-store.ts';
import { newRun, rejectsWith, type Ctx } from './store-suite-helpers.ts';

const newSession = (id: string, over: Partial<NewSession> = {}): NewSession => ({
  id,
  researcher: 'offline',
  executor: 'local',
  parallel: 2,
  spec: { preset: 'tiny', budget: { seconds: 60 } },
  ...over,
});

/** Every feed item after `afterId`, in pages of `page`. */
export async function readAll(store: Store, afterId = 0, page = 7): Promise<FeedItem[]> {
  const out: FeedItem[] = [];
  for (let last = afterId; ;) {
    const items = await store.readFeed(last, page);
    if (items.length === 0) return out;
    out.push(...items);
    last = items[items.length - 1].id;
  }
}

export function researchTests(ctx: Ctx) {
  it('creates, reads, lists and updates sessions, replacing state and summary', async () => {
    const s = await ctx.store.createSession(newSession('s1', { ownerPid: 12, host: 'h' }));
    assert.equal(s.status, 'running');
    assert.deepEqual([s.state, s.summary], [{}, {}]);
    assert.equal(s.createdAt, s.updatedAt);
    assert.deepEqual(await ctx.store.getSession('s1'), s);
    assert.equal(await ctx.store.getSession('nope'), undefined);
    await rejectsWith(ctx.store.createSession(newSession('s1')), 'conflict');
    await rejectsWith(
      ctx.store.createSession(newSession('x', { status: 'bogus' as 'running' })),
      'bad_input',
    );

    await sleep(2);
    await ctx.store.updateSession('s1', { state: { a: 1, b: 2 }, summary: { best: 1.5 }, control: 'pause' });
    const u = await ctx.store.updateSession('s1', {
      state: { c: 3 },
      status: 'completed',
      statusReason: 'budget spent',
      endedAt: '2024-01-01T00:00:00.000Z',
    });
    assert.deepEqual(u.state, { c: 3 }, 'state is replaced, not merged');
    assert.deepEqual(u.summary, { best: 1.5 });
    assert.equal(u.control, 'pause');
    assert.equal(u.endedAt, '2024-01-01T00:00:00.000Z');
    assert.ok(u.updatedAt > s.updatedAt);
    assert.deepEqual(u.spec, s.spec);
    assert.deepEqual(await ctx.store.getSession('s1'), u);
    const cleared = await ctx.store.updateSession('s1', { control: null as unknown as 'stop' });
    assert.equal(cleared.control, undefined);
    await rejectsWith(ctx.store.updateSession('ghost', { status: 'failed' }), 'not_found');
    await rejectsWith(ctx.store.updateSession('s1', { control: 'explode' as 'stop' }), 'bad_input');

    await ctx.store.createSession(newSession('s2', { status: 'interrupted' }));
    await sleep(2);
    await ctx.store.createSession(newSession('s3'));
    const ids = async (o: Parameters<Store['listSessions']>[0]) =>
      (await ctx.store.listSessions(o)).map((x: SessionRecord) => x.id);
    assert.deepEqual(await ids({}), ['s3', 's2', 's1'], 'newest first');
    assert.deepEqual(await ids({ status: ['running', 'interrupted'] }), ['s3', 's2']);
    assert.deepEqual(await ids({ status: [] }), []);
    assert.deepEqual(await ids({ limit: 1, offset: 1 }), ['s2']);
  });

  it('numbers journal entries per session from 1 and filters by kind, seq and limit', async () => {
    await ctx.store.createSession(newSession('a'));
    await ctx.store.createSession(newSession('b'));
    const out = await ctx.store.appendJournal([
      { sessionId: 'a', kind: 'session', title: 'started' },
      { sessionId: 'b', kind: 'session', title: 'started' },
      { sessionId: 'a', kind: 'proposal', title: 'lr x2', proposalId: 'p1', data: { lr: 2e-3 } },
      {
        sessionId: 'a',
        kind: 'kill',
        title: 'spike',
        runIds: ['r1'],
        body: 'z=9',
        ts: '2024-01-01T00:00:00.000Z',
      },
    ]);
    assert.deepEqual(
      out.map((e) => [e.sessionId, e.seq]),
      [
        ['a', 1],
        ['b', 1],
        ['a', 2],
        ['a', 3],
      ],
    );
    assert.equal(out[3].ts, '2024-01-01T00:00:00.000Z');
    assert.ok(out.every((e) => typeof e.ts === 'string'));
    await ctx.store.appendJournal([{ sessionId: 'a', kind: 'conclusion', title: 'win' }]);
    const all = await ctx.store.listJournal('a');
    assert.deepEqual(all.slice(0, 3), [out[0], out[2], out[3]], 'reads back what append returned');
    assert.deepEqual(
      all.map((e) => e.seq),
      [1, 2, 3, 4],
    );
    assert.deepEqual(all[1].data, { lr: 2e-3 });
    const seqs = async (o: Parameters<Store['listJournal']>[1]) =>
      (await ctx.store.listJournal('a', o)).map((e: JournalEntry) => e.seq);
    assert.deepEqual(await seqs({ kinds: ['kill', 'conclusion'] }), [3, 4]);
    assert.deepEqual(await seqs({ afterSeq: 1, limit: 2 }), [2, 3]);
    assert.deepEqual(await seqs({ kinds: [] }), []);
    assert.deepEqual(await ctx.store.appendJournal([]), []);
    await rejectsWith(
      ctx.store.appendJournal([{ sessionId: 'ghost', kind: 'note', title: 'x' }]),
      'not_found',
    );
    await rejectsWith(
      ctx.store.appendJournal([{ sessionId: 'a', kind: 'gossip' as 'note', title: 'x' }]),
      'bad_input',
    );
    await rejectsWith(ctx.store.listJournal('ghost'), 'not_found');
  });

  it('lists findings newest first, by session and confirmation, and replaces one re-added', async () => {
    const f = (id: string, sessionId: string, createdAt: string, confirmed = false) => ({
      id,
      sessionId,
      createdAt,
      title: `finding ${id}`,
      statement: 'muon beats adamw',
      confirmed,
      runIds: ['r1', 'r2'],
    });
    await ctx.store.addFinding({
      ...f('f1', 's1', '2024-01-01T00:00:00.000Z'),
      effect: -0.02,
      ci95: [-0.03, -0.01],
      n: 3,
    });
    await ctx.store.addFinding(f('f2', 's2', '2024-01-02T00:00:00.000Z', true));
    const scale = {
      computeMultiplier: { value: 1.3, ci95: [1.1, 1.5] as [number, number] },
      ladder: [
        {
          params: 2e6,
          tokens: 4e5,
          delta: -0.01,
          ci95: [-0.02, 0] as [number, number],
          verdict: 'shrinks' as const,
        },
      ],
      attribution: [
        { key: 'optim.name', value: 'muon', delta: -0.02, ci95: [-0.03, -0.01] as [number, number] },
      ],
    };
    await ctx.store.addFinding({
      ...f('f3', 's1', '2024-01-02T00:00:00.000Z'),
      change: { 'optim.name': 'muon' },
      scale,
    });
    const ids = async (o?: Parameters<Store['listFindings']>[0]) =>
      (await ctx.store.listFindings(o)).map((x) => x.id);
    assert.deepEqual(await ids(), ['f3', 'f2', 'f1'], 'newest first, the later insert first on a tie');
    assert.deepEqual(await ids({ sessionId: 's1' }), ['f3', 'f1']);
    assert.deepEqual(await ids({ confirmed: true }), ['f2']);
    assert.deepEqual(await ids({ limit: 1 }), ['f3']);
    assert.deepEqual(
      (await ctx.store.listFindings({ limit: 1 }))[0].scale,
      scale,
      'scale evidence round-trips',
    );
    const [f1] = await ctx.store
      .listFindings({ sessionId: 's1', confirmed: false, limit: 5 })
      .then((l) => l.slice(-1));
    assert.deepEqual(f1, {
      ...f('f1', 's1', '2024-01-01T00:00:00.000Z'),
      effect: -0.02,
      ci95: [-0.03, -0.01],
      n: 3,
    });

    await ctx.store.addFinding({ ...f('f1', 's1', '2024-01-01T00:00:00.000Z', true), createdAt: undefined });
    const again = (await ctx.store.listFindings({ confirmed: true })).map((x) => [x.id, x.createdAt]);
    assert.deepEqual(again, [
      ['f2', '2024-01-02T00:00:00.000Z'],
      ['f1', '2024-01-01T00:00:00.000Z'],
    ]);
  });

  it('records tried ideas once per key, updating the outcome, and looks them up by key', async () => {
    await ctx.store.recordIdea({ key: 'k1', title: 'lr x2', sessionId: 's1', proposalId: 'p1' });
    await ctx.store.recordIdea({ key: 'k2', title: 'depth 6', sessionId: 's1', outcome: 'loss' });
    await ctx.store.recordIdea({ key: 'k1', title: 'lr x2 again', sessionId: 's2', outcome: 'win' });
    await ctx.store.recordIdea({ key: 'k2', title: 'depth 6', sessionId: 's2' });
    const byKey = Object.fromEntries((await ctx.store.listIdeas()).map((i) => [i.key, i]));
    assert.deepEqual(Object.keys(byKey).sort(), ['k1', 'k2']);
    assert.equal(byKey.k1.outcome, 'win');
    assert.equal(byKey.k1.title, 'lr x2');
    assert.equal(byKey.k1.proposalId, 'p1');
    assert.equal(byKey.k2.outcome, 'loss', 'no outcome leaves the old one');
    assert.deepEqual(
      (await ctx.store.listIdeas({ keys: ['k2', 'zz'] })).map((i) => i.key),
      ['k2'],
    );
    assert.deepEqual(await ctx.store.listIdeas({ keys: [] }), []);
    assert.equal((await ctx.store.listIdeas({ limit: 1 })).length, 1);
  });

  it('finds a tried idea by key however many newer ideas there are', async () => {
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    for (let i = 0; i < 700; i++)
      await ctx.store.recordIdea({
        key: `key-${i}`,
        title: `idea ${i}`,
        sessionId: `s${i % 7}`,
        outcome: 'loss',
        createdAt: new Date(t0 + i * 1000).toISOString(),
      });
    const newest = await ctx.store.listIdeas({ limit: 500 });
    assert.ok(!newest.some((i) => i.key === 'key-0'), 'the oldest is past the newest 500');
    const found = await ctx.store.listIdeas({ keys: ['key-0', 'key-699', 'key-never'] });
    assert.deepEqual(found.map((i) => i.key).sort(), ['key-0', 'key-699']);
    assert.equal(found.find((i) => i.key === 'key-0')?.title, 'idea 0');
  });

  it('writes one feed item per change, in order, with the data a live view needs', async () => {
    assert.equal(await ctx.store.feedHead(), 0);
    assert.deepEqual(await ctx.store.readFeed(0), []);
    await ctx.store.createSession(newSession('s'));
    await ctx.store.createRun(newRun('r', { sessionId: 's' }));
    await ctx.store.updateRun('r', { status: 'running' });
    await ctx.store.appendMetrics('r', 'train', [
      { step: 1, loss: NaN },
      { step: 2, loss: 3.5 },
    ]);
    await ctx.store.appendEvents('r', [
      { ts: 't1', kind: 'start', payload: { params: 10 } },
      { ts: 't2', kind: 'log', payload: 'hello' },
    ]);
    await ctx.store.appendJournal([{ sessionId: 's', kind: 'note', title: 'hi' }]);
    await ctx.store.addFinding({
      id: 'f',
      sessionId: 's',
      title: 't',
      statement: 's',
      confirmed: false,
      runIds: [],
    });
    await ctx.store.finishRun('r', 'completed', 'done', { valBpb: 1.25 });
    await ctx.store.updateSession('s', { status: 'completed', summary: { best: 'r' }, control: 'stop' });
    await ctx.store.recordIdea({ key: 'k', title: 't', sessionId: 's' }); // not a feed topic
    // Refused or dropped writes leave no item.
    await rejectsWith(ctx.store.updateRun('r', { pid: 1 }), 'conflict');
    await ctx.store.appendMetrics('r', 'train', [{ step: 3 }]);
    await ctx.store.appendEvents('r', [{ ts: 't3', kind: 'log', payload: 'late' }]);

    const items = await readAll(ctx.store);
    assert.deepEqual(
      items.map((i) => i.id),
      items.map((_, k) => k + 1),
    );
    assert.equal(await ctx.store.feedHead(), items.length);
    const strip = items.map(({ id: _id, ts, ...rest }) => (assert.match(ts, /^\d{4}-/), rest));
    assert.deepEqual(strip, [
      { topic: 'session', sessionId: 's', payload: { id: 's', status: 'running', summary: {} } },
      { topic: 'run', runId: 'r', sessionId: 's', payload: { id: 'r', status: 'queued' } },
      { topic: 'run', runId: 'r', sessionId: 's', payload: { id: 'r', status: 'running' } },
      {
        topic: 'metrics',
        runId: 'r',
        sessionId: 's',
        payload: {
          kind: 'train',
          points: [
            { step: 1, loss: NaN },
            { step: 2, loss: 3.5 },
          ],
        },
      },
      {
        topic: 'event',
        runId: 'r',
        sessionId: 's',
        payload: { seq: 1, ts: 't1', kind: 'start', payload: { params: 10 } },
      },
      {
        topic: 'event',
        runId: 'r',
        sessionId: 's',
        payload: { seq: 2, ts: 't2', kind: 'log', payload: 'hello' },
      },
      { topic: 'journal', sessionId: 's', payload: (await ctx.store.listJournal('s'))[0] },
      { topic: 'finding', sessionId: 's', payload: (await ctx.store.listFindings())[0] },
      {
        topic: 'run',
        runId: 'r',
        sessionId: 's',
        payload: { id: 'r', status: 'completed', statusReason: 'done', summary: { valBpb: 1.25 } },
      },
      {
        topic: 'session',
        sessionId: 's',
        payload: { id: 's', status: 'completed', control: 'stop', summary: { best: 'r' } },
      },
    ]);
    assert.deepEqual(
      (await ctx.store.readFeed(3, 2)).map((i) => i.id),
      [4, 5],
    );
    assert.deepEqual(await ctx.store.readFeed(items.length), []);
  });

  it('writes a failed change and its feed item together or not at all', async () => {
    await ctx.store.createSession(newSession('s'));
    const head = await ctx.store.feedHead();
    // The first entry is valid, the second names no session: the whole append is refused.
    await rejectsWith(
      ctx.store.appendJournal([
        { sessionId: 's', kind: 'note', title: 'ok' },
        { sessionId: 'zz-missing', kind: 'note', title: 'no session' },
      ]),
      'not_found',
    );
    assert.equal(await ctx.store.feedHead(), head);
    assert.deepEqual(await ctx.store.listJournal('s'), []);
  });

  it('never shows a reader a feed item before its data, nor ids out of order, under concurrent writes', async () => {
    await ctx.store.createSession(newSession('s'));
    for (const r of ['r0', 'r1', 'r2'])
      await ctx.store.createRun(newRun(r, { status: 'running', sessionId: 's' }));
    let last = await ctx.store.feedHead();
    let writing = true;
    const writes = Promise.all(
      ['r0', 'r1', 'r2'].map(async (r) => {
        for (let i = 0; i < 40; i++) {
          await Promise.all([
            ctx.store.appendMetrics(r, 'train', [{ step: i, run: Number(r[1]) }]),
            ctx.store.appendEvents(r, [{ ts: `${i}`, kind: 'log', payload: i }]),
            ctx.store.appendJournal([{ sessionId: 's', kind: 'note', title: `${r} ${i}` }]),
          ]);
        }
      }),
    ).finally(() => (writing = false));
    let seen = 0;
    while (writing || (await ctx.store.feedHead()) > last) {
      for (const item of await ctx.store.readFeed(last, 50)) {
        assert.equal(item.id, last + 1, 'ids become visible in order, without gaps');
        last = item.id;
        seen++;
        const p = item.payload as { points?: unknown[]; seq?: number };
        if (item.topic === 'metrics') assert.equal(p.points?.length, 1);
        if (item.topic === 'event')
          assert.ok((await ctx.store.listEvents(item.runId!, { afterSeq: p.seq! - 1 })).length > 0);
        if (item.topic === 'journal')
          assert.ok((await ctx.store.listJournal('s', { afterSeq: p.seq! - 1 })).length > 0);
      }
      await sleep(0);
    }
    await writes;
    assert.equal(seen, 3 * 40 * 3);
  });

  it('prunes feed items older than the newest 100k when the ids cross a multiple of 1000', async () => {
    const db = (ctx.store as unknown as KyselyStore).db;
    await ctx.store.createSession(newSession('s')); // id 1
    // Pretend the feed is long: an item at 100_999, so the next write (101_000) crosses a prune point.
    await db
      .insertInto('feed')
      .values({ id: 100_999, ts: 't', topic: 'session', run_id: null, session_id: 's', payload: '{}' })
      .execute();
    await ctx.store.updateSession('s', { status: 'paused' }); // id 101_000 deletes ids <= 1000
    assert.deepEqual(
      (await ctx.store.readFeed(0)).map((i) => i.id),
      [100_999, 101_000],
    );
    assert.equal(await ctx.store.feedHead(), 101_000);
  });

  it("leaves codeDiff out of runs listed with fields: 'list'", async () => {
    await ctx.store.createRun(newRun('big', { codeDiff: 'x'.repeat(10_000), codeHash: 'h', sessionId: 's' }));
    const [full] = await ctx.store.listRuns({});
    const [list] = await ctx.store.listRuns({ fields: 'list', sessionId: 's' });
    assert.equal(full.codeDiff?.length, 10_000);
    assert.equal(list.codeDiff, undefined);
    const { codeDiff: _drop, ...rest } = full;
    assert.deepEqual(list, rest);
    assert.equal((await ctx.store.listRuns({ fields: 'full' }))[0].codeDiff?.length, 10_000);
  });
}
