import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { isFlywheelError } from '../errors.ts';
import { spawnWorker, workerRunId } from './multi-process.ts';
import { openStore } from './open.ts';
import { SqliteStore } from './sqlite.ts';
import { runStoreSuite } from './store-suite.ts';
import { readAll } from './store-suite-research.ts';

const dir = mkdtempSync(join(tmpdir(), 'flywheel-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreSuite('sqlite store', async () => {
  const store = await SqliteStore.open(join(dir, `suite-${n++}.db`));
  await store.migrate();
  return store;
});

describe('sqlite store across processes', () => {
  it('opens one fresh file from 6 processes at once and loses no point', async () => {
    const db = join(dir, 'multi.db');
    const [workers, points, batch] = [6, 3000, 50];
    const spawned = Array.from({ length: workers }, (_, w) =>
      spawnWorker({ db, worker: w, points, batch, shared: 'shared' }),
    );
    await Promise.all(spawned.map((s) => s.done));

    const store = await SqliteStore.open(db);
    for (let w = 0; w < workers; w++) {
      const { train } = await store.getMetrics(workerRunId(w), 'train');
      assert.equal(train.length, points);
      assert.ok(train.every((p, i) => p.step === i && p.worker === w));
    }
    const shared = (await store.getMetrics('shared', 'train')).train;
    assert.equal(shared.length, workers * points);
    for (let w = 0; w < workers; w++) {
      const mine = shared.filter((p) => p.worker === w);
      assert.ok(
        mine.every((p, i) => p.step === i),
        `worker ${w}'s points in the shared run keep their order`,
      );
    }
    assert.equal(await store.countRuns(), workers + 1);
    await store.close();
  });

  it('shows a reader in another process feed ids in order, without gaps, each with its points', async () => {
    const db = join(dir, 'feed.db');
    const reader = await SqliteStore.open(db);
    await reader.migrate();
    const [workers, points, batch] = [4, 1500, 10];
    const spawned = Array.from({ length: workers }, (_, w) => spawnWorker({ db, worker: w, points, batch }));
    let writing = true;
    const done = Promise.all(spawned.map((s) => s.done)).finally(() => (writing = false));
    const next = new Map<string, number>(); // run -> next expected step
    let last = 0;
    const check = (items: Awaited<ReturnType<SqliteStore['readFeed']>>) => {
      for (const item of items) {
        assert.equal(item.id, last + 1, 'no gap, no reordering');
        last = item.id;
        if (item.topic !== 'metrics') continue;
        const { points: got } = item.payload as { points: { step: number }[] };
        assert.equal(got.length, batch, 'the points are there when the item is');
        const step = next.get(item.runId!) ?? 0;
        assert.deepEqual(
          got.map((p) => p.step),
          Array.from({ length: batch }, (_, i) => step + i),
        );
        next.set(item.runId!, step + batch);
      }
    };
    while (writing) {
      check(await reader.readFeed(last, 200));
      await sleep(1);
    }
    await done;
    check(await readAll(reader, last, 500));
    assert.equal(last, workers * (1 + points / batch), 'one item per createRun and per append');
    assert.deepEqual([...next.values()], Array(workers).fill(points));
    await reader.close();
  });

  it('keeps whole appends only when a writer is killed with SIGKILL mid-write', async () => {
    const db = join(dir, 'killed.db');
    const batch = 5000; // two chunks per append: an append must land entirely or not at all
    let acked = 0;
    let onAck: () => void = () => {};
    const enoughAcks = new Promise<void>((resolve) => (onAck = resolve));
    const w = spawnWorker({ db, worker: 0, points: 0, batch, acks: true }, (line) => {
      if (line.startsWith('ack ')) acked = Number(line.slice(4));
      if (acked >= 4 * batch) onAck();
    });
    await Promise.race([enoughAcks, w.done]);
    w.child.kill('SIGKILL');
    await w.done;

    const raw = new BetterSqlite3(db);
    assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
    raw.close();
    const store = await SqliteStore.open(db);
    const { train } = await store.getMetrics(workerRunId(0), 'train');
    assert.ok(train.length >= acked, `every acknowledged point is stored (${train.length} >= ${acked})`);
    assert.equal(train.length % batch, 0, 'no partial append');
    assert.ok(train.every((p, i) => p.step === i));
    assert.equal((await store.getRun(workerRunId(0)))?.status, 'running');
    await store.close();
  });
});

describe('openStore', () => {
  it('opens and migrates SQLite under the given home when FLYWHEEL_DB is unset', async () => {
    const saved = process.env.FLYWHEEL_DB;
    delete process.env.FLYWHEEL_DB;
    try {
      const store = await openStore({ home: join(dir, 'home') });
      assert.equal(store.kind, 'sqlite');
      assert.equal((store as SqliteStore).path, join(dir, 'home', 'flywheel.db'));
      assert.equal(await store.countRuns(), 0);
      await store.close();
    } finally {
      if (saved !== undefined) process.env.FLYWHEEL_DB = saved;
    }
  });

  it('refuses a FLYWHEEL_DB that is neither postgres nor sqlite, without echoing it', async () => {
    await assert.rejects(openStore({ url: 'mysql://root:secret@host/db' }), (e: unknown) => {
      return isFlywheelError(e) && e.code === 'bad_input' && !e.message.includes('secret');
    });
  });
});

describe('sqlite query plans', () => {
  it('answers a cross-session query by dataset and code from its index, and an idea lookup by key', async () => {
    const path = join(dir, 'plans.db');
    const store = await SqliteStore.open(path);
    await store.migrate();
    await store.close();
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const plan = (q: string) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${q}`).all() as { detail: string }[]).map((r) => r.detail).join('; ');
      const runs = plan(
        "SELECT id FROM runs WHERE data_hash = 'd' AND code_hash = 'c' AND status IN ('completed', 'stopped') ORDER BY created_at DESC, seq DESC LIMIT 100",
      );
      assert.match(runs, /USING INDEX runs_data_code_created/);
      assert.doesNotMatch(runs, /TEMP B-TREE/, 'ordered by the index, not sorted afterwards');
      assert.match(
        plan("SELECT * FROM ideas WHERE key IN ('a', 'b')"),
        /USING INDEX sqlite_autoindex_ideas_1/,
      );
    } finally {
      db.close();
    }
  });
});
