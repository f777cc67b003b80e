import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FeedItem, Store } from '../store/base.ts';
import { createApp } from './app.ts';
import { seedRun, tmpStore } from './fixtures.ts';

interface Msg {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads SSE messages from a streaming Response until `until` says stop (or the timeout). */
async function readSSE(res: Response, until: (msgs: Msg[]) => boolean, timeoutMs = 8000): Promise<Msg[]> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  const msgs: Msg[] = [];
  let buf = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!until(msgs) && Date.now() < deadline) {
      const r = await Promise.race([
        reader.read(),
        new Promise<null>((res) => setTimeout(() => res(null), deadline - Date.now())),
      ]);
      if (!r || r.done) break;
      buf += dec.decode(r.value, { stream: true });
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const m: Msg = {};
        for (const line of block.split('\n')) {
          const i = line.indexOf(':');
          if (i <= 0) continue; // comments (": ping") and blank
          const f = line.slice(0, i) as keyof Msg;
          const v = line.slice(i + 1).replace(/^ /, '');
          m[f] = f === 'data' && m.data !== undefined ? `${m.data}\n${v}` : v;
        }
        if (Object.keys(m).length) msgs.push(m);
      }
    }
  } finally {
    await reader.cancel();
  }
  return msgs;
}

const items = (msgs: Msg[]) =>
  msgs.filter((m) => m.data && m.event !== 'hello').map((m) => JSON.parse(m.data!) as FeedItem);

let store: Store;
let dir: string;
let app: ReturnType<typeof createApp>;
before(async () => {
  ({ store, dir } = await tmpStore('flywheel-sse-'));
  app = createApp({ store, feed: { pollMs: 20 } });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/events', () => {
  it('streams feed items with ids, and resumes after Last-Event-ID without loss or repeats', async () => {
    const head = await store.feedHead();
    const res = await app.request(`/api/events?after=${head}`);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const writing = (async () => {
      for (let i = 0; i < 5; i++) await seedRun(store, i, { points: 20 });
    })();
    const first = await readSSE(res, (m) => items(m).length >= 10);
    await writing;
    const got1 = items(first);
    assert.ok(got1.length >= 10);
    got1.forEach((it, i) => {
      assert.equal(it.id, head + 1 + i, 'contiguous ids, in order');
      assert.equal(
        String(it.id),
        first.filter((m) => m.data && m.event !== 'hello')[i].id,
        'the SSE id is the feed id',
      );
    });
    const lastSeen = got1[got1.length - 1].id;
    // Reconnect as an EventSource would.
    const res2 = await app.request('/api/events', { headers: { 'Last-Event-ID': String(lastSeen) } });
    const endHead = await store.feedHead();
    const second = items(await readSSE(res2, (m) => items(m).some((it) => it.id >= endHead)));
    assert.equal(second[0].id, lastSeen + 1, 'resumes right after the last id seen');
    assert.equal(second[second.length - 1].id, endHead);
    const all = [...got1, ...second].map((it) => it.id);
    assert.deepEqual(
      all,
      Array.from({ length: endHead - head }, (_, i) => head + 1 + i),
      'every item exactly once',
    );
    const metrics = [...got1, ...second].filter((it) => it.topic === 'metrics');
    assert.ok(
      metrics.length >= 10 &&
        metrics.every((it) => Array.isArray((it.payload as { points: unknown[] }).points)),
    );
  });

  it('sends a gap and starts from the head when Last-Event-ID is past it (the database was reset)', async () => {
    const head = await store.feedHead();
    const res = await app.request('/api/events', { headers: { 'Last-Event-ID': String(head + 1000) } });
    const msgs = await readSSE(res, (m) => m.some((x) => x.event === 'gap'), 4000);
    assert.equal(msgs.find((m) => m.event === 'hello')?.id, String(head), 'goes on from the head');
    const gap = msgs.find((m) => m.event === 'gap');
    assert.deepEqual(JSON.parse(gap!.data!), { after: head + 1000, next: head + 1, reset: true });
  });

  it('starts from now without a position, and filters by topic and run', async () => {
    await seedRun(store, 50, { points: 5 }); // before the stream: not replayed
    const res = await app.request('/api/events?topics=metrics&runId=r-syn-00051');
    setTimeout(
      () => void seedRun(store, 51, { points: 5 }).then(() => seedRun(store, 52, { points: 5 })),
      100,
    );
    const msgs = await readSSE(
      res,
      (m) => m.some((x) => !x.data && x.id !== undefined && Number(x.id) > 0 && items(m).length >= 2),
      4000,
    );
    const got = items(msgs);
    assert.ok(got.length >= 2);
    assert.ok(got.every((it) => it.topic === 'metrics' && it.runId === 'r-syn-00051'));
    assert.ok(
      msgs.some((m) => m.id && !m.data),
      'skipped items still advance the id (bare id: lines)',
    );
  });

  it('keeps up with 16 concurrent writers without dropping an item', async () => {
    const head = await store.feedHead();
    const res = await app.request(`/api/events?after=${head}&topics=metrics`);
    const runs = await Promise.all(
      Array.from({ length: 16 }, (_, w) => seedRun(store, 300 + w, { status: 'running', points: 0 })),
    );
    const appends = 40;
    await Promise.all(
      runs.map(async (id) => {
        for (let k = 0; k < appends; k++)
          await store.appendMetrics(id, 'train', [
            { step: k, loss: 1 },
            { step: k + 0.5, loss: 1 },
          ]);
      }),
    );
    const got = items(await readSSE(res, (m) => items(m).length >= 16 * appends));
    assert.equal(got.length, 16 * appends);
    const points = got.reduce((n, it) => n + (it.payload as { points: unknown[] }).points.length, 0);
    assert.equal(points, 16 * appends * 2);
  });
});
