/**
 * `GET /api/events`: the store's change feed as Server-Sent Events. The feed is global and written by
 * every process (orchestrators, research sessions), so this polls `store.readFeed` (~250 ms) rather
 * than listening in-process. Every message carries `id: <feed id>`; a reconnecting EventSource sends
 * `Last-Event-ID` and resumes right after it, so nothing is dropped or repeated across reconnects.
 *
 * Start: Last-Event-ID header, else `?after=N`, else the current head (live from now). A position past
 * the head (the database was reset) gets a `gap` event and starts from the head.
 * Filters (`?topics=run,session`, `?runId=`, `?sessionId=`) only decide what is sent; items filtered
 * out still advance the position, which is sent as a bare `id:` line so a reconnect skips them too.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { redact } from '../security/redact.ts';
import type { FeedItem, Store } from '../store/base.ts';
import { intParam, listParam } from './query.ts';

export interface FeedOptions {
  pollMs?: number;
  batch?: number;
  heartbeatMs?: number;
}

export function feedFilter(c: Context): (it: FeedItem) => boolean {
  const topics = new Set(listParam(c, 'topics'));
  const runIds = new Set(listParam(c, 'runId'));
  const sessionIds = new Set(listParam(c, 'sessionId'));
  return (it) =>
    (topics.size === 0 || topics.has(it.topic)) &&
    (runIds.size === 0 || (it.runId !== undefined && runIds.has(it.runId))) &&
    (sessionIds.size === 0 || (it.sessionId !== undefined && sessionIds.has(it.sessionId)));
}

export function feedStream(c: Context, store: Store, opts: FeedOptions = {}): Response {
  const pollMs = opts.pollMs ?? 250;
  const batch = opts.batch ?? 1000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const header = c.req.header('last-event-id');
  const fromHeader = header !== undefined && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  const fromQuery =
    c.req.query('after') !== undefined ? intParam(c, 'after', 0, 0, Number.MAX_SAFE_INTEGER) : undefined;
  const pass = feedFilter(c);
  c.header('Cache-Control', 'no-cache, no-transform');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    const head = await store.feedHead();
    const asked = fromHeader ?? fromQuery ?? head;
    // Past the head: the database was reset since the client last read. Waiting for that id would be
    // silent forever; say so (gap) and go on from the head.
    let after = Math.min(asked, head);
    await stream.write(`retry: 1000\n\n`);
    await stream.writeSSE({ event: 'hello', id: String(after), data: JSON.stringify({ after }) });
    if (asked > head)
      await stream.writeSSE({
        event: 'gap',
        data: JSON.stringify({ after: asked, next: head + 1, reset: true }),
      });
    let lastWrite = Date.now();
    let skipped = false;
    while (!closed) {
      let items: FeedItem[] = [];
      try {
        items = await store.readFeed(after, batch);
      } catch (e) {
        // A busy or restarting database is not the end of the stream: say so and retry.
        await stream.writeSSE({
          event: 'feed-error',
          data: JSON.stringify({ message: (e as Error).message }),
        });
      }
      // Feed ids are contiguous; a jump means items were pruned before this client read them (it lagged
      // behind by more than the store keeps). Say so, so the page reloads what it shows.
      if (items.length && after > 0 && items[0].id > after + 1) {
        await stream.writeSSE({ event: 'gap', data: JSON.stringify({ after, next: items[0].id }) });
      }
      for (const it of items) {
        after = it.id;
        if (!pass(it)) {
          skipped = true;
          continue;
        }
        await stream.writeSSE({ id: String(it.id), event: it.topic, data: redact(JSON.stringify(it)) });
        lastWrite = Date.now();
        skipped = false;
      }
      if (items.length >= batch) continue; // behind: catch up without sleeping
      if (skipped || Date.now() - lastWrite > heartbeatMs) {
        await stream.write(skipped ? `id: ${after}\n\n` : `: ping\n\n`);
        lastWrite = Date.now();
        skipped = false;
      }
      await stream.sleep(pollMs);
    }
  });
}
