/**
 * Store ingestion benchmark: npx tsx bench/store-ingest.ts [--no-write]
 *
 * (a) One process: metric points/s through `SqliteStore.appendMetrics` (chunked Float64 rows) at several
 *     batch sizes, against a named baseline measured in the same run: "naive per-scalar rows", a plain
 *     better-sqlite3 table with one row per (run, kind, step, field, value), no index, same pragmas,
 *     one prepared statement and one transaction per batch (the most favourable version of that design).
 *     With FLYWHEEL_TEST_PG_URL set, also Postgres at one batch size.
 * (b) 16 writer processes, each a live run appending small batches to one SQLite file at once (released
 *     together by a barrier); total points/s and lost points (expected - stored, must be 0).
 * (c) Reading the change feed back (readFeed pages of 1000, metrics items decoded from their chunks).
 * Writes its section of BENCHMARKS.md (unless --no-write).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { MetricPoint, Store } from '../src/store/base.ts';
import { spawnWorker, workerRunId } from '../src/store/multi-process.ts';
import { SqliteStore } from '../src/store/sqlite.ts';
import { writeSection } from './benchmarks-md.ts';

const dir = mkdtempSync(join(tmpdir(), 'flywheel-bench-store-'));
const trainPoint = (step: number): MetricPoint => ({
  step,
  tokens: step * 4096,
  flops: step * 2.4e11,
  elapsed: step * 0.05,
  loss: 4 + 6 / (1 + step / 100),
  lr: 1e-3,
  gradNorm: 0.8 + (step % 13) / 50,
  tokPerSec: 81920 + (step % 7),
});
const FIELDS = Object.keys(trainPoint(0));
const fmt = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);

/** Points/s appending `total` points in batches of `batch` to a fresh run (best of `reps`). */
async function storeRate(store: Store, batch: number, total: number, reps = 3): Promise<number> {
  let best = 0;
  for (let r = 0; r < reps; r++) {
    const runId = `bench-${batch}-${r}`;
    await store.createRun({
      id: runId,
      config: {} as never,
      configHash: 'x',
      seed: 0,
      runDir: '/tmp',
      status: 'running',
    });
    const batches = Array.from({ length: total / batch }, (_, b) =>
      Array.from({ length: batch }, (_, i) => trainPoint(b * batch + i)),
    );
    const t0 = performance.now();
    for (const points of batches) await store.appendMetrics(runId, 'train', points);
    best = Math.max(best, total / ((performance.now() - t0) / 1000));
  }
  return best;
}

function naiveRate(batch: number, total: number, reps = 3): number {
  const db = new BetterSqlite3(join(dir, `naive-${batch}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(
    'create table scalars (run_id text not null, kind text not null, step real, field text not null, value real)',
  );
  const insert = db.prepare('insert into scalars values (?, ?, ?, ?, ?)');
  const appendBatch = db.transaction((runId: string, points: MetricPoint[]) => {
    for (const p of points) for (const f of FIELDS) insert.run(runId, 'train', p.step, f, p[f]);
  });
  let best = 0;
  for (let r = 0; r < reps; r++) {
    const batches = Array.from({ length: total / batch }, (_, b) =>
      Array.from({ length: batch }, (_, i) => trainPoint(b * batch + i)),
    );
    const t0 = performance.now();
    for (const points of batches) appendBatch(`naive-${r}`, points);
    best = Math.max(best, total / ((performance.now() - t0) / 1000));
  }
  db.close();
  return best;
}

async function singleProcess() {
  const store = await SqliteStore.open(join(dir, 'single.db'));
  await store.migrate();
  const rows: { batch: number; store: number; naive: number }[] = [];
  for (const [batch, total] of [
    [1, 4_000],
    [10, 40_000],
    [100, 200_000],
    [1000, 200_000],
  ] as const) {
    const s = await storeRate(store, batch, total);
    const n = naiveRate(batch, total);
    rows.push({ batch, store: s, naive: n });
    console.error(
      `(a) batch ${batch}: store ${fmt(s)} points/s, naive per-scalar ${fmt(n)} points/s, ${(s / n).toFixed(1)}x`,
    );
  }
  const feed = await feedRead(store);
  await store.close();
  return { rows, feed };
}

/** (c) Items/s and points/s reading the whole feed from the start, as a live view catching up would. */
async function feedRead(store: Store) {
  const t0 = performance.now();
  let [items, points, last] = [0, 0, 0];
  for (;;) {
    const page = await store.readFeed(last, 1000);
    if (page.length === 0) break;
    for (const it of page)
      if (it.topic === 'metrics') points += (it.payload as { points: unknown[] }).points.length;
    items += page.length;
    last = page[page.length - 1].id;
  }
  const seconds = (performance.now() - t0) / 1000;
  console.error(`(c) feed read: ${fmt(items / seconds)} items/s, ${fmt(points / seconds)} points/s`);
  return { items, points, itemsPerSec: items / seconds, pointsPerSec: points / seconds };
}

async function postgres(): Promise<number | undefined> {
  const url = process.env.FLYWHEEL_TEST_PG_URL;
  if (!url) return undefined;
  const { PostgresStore } = await import('../src/store/postgres.ts');
  const schema = `fw_bench_${process.pid}`;
  const store = await PostgresStore.open({ url, schema });
  await store.migrate();
  try {
    const rate = await storeRate(store, 100, 100_000);
    console.error(`(a) postgres batch 100: ${fmt(rate)} points/s`);
    return rate;
  } finally {
    await store.db.schema.dropSchema(schema).ifExists().cascade().execute();
    await store.close();
  }
}

async function multiProcess(workers: number, points: number, batch: number) {
  const db = join(dir, 'multi.db');
  let ready = 0;
  let release: () => void = () => {};
  const allReady = new Promise<void>((r) => (release = r));
  const spawned = Array.from({ length: workers }, (_, w) =>
    spawnWorker({ db, worker: w, points, batch, barrier: true }, (line) => {
      if (line === 'ready' && ++ready === workers) release();
    }),
  );
  await Promise.race([allReady, Promise.all(spawned.map((s) => s.done))]);
  const t0 = performance.now();
  for (const s of spawned) s.child.stdin!.end('go\n');
  await Promise.all(spawned.map((s) => s.done));
  const seconds = (performance.now() - t0) / 1000;
  const store = await SqliteStore.open(db);
  let stored = 0;
  for (let w = 0; w < workers; w++) stored += (await store.getMetrics(workerRunId(w), 'train')).train.length;
  await store.close();
  const expected = workers * points;
  const rate = expected / seconds;
  console.error(
    `(b) ${workers} processes x ${points} points, batch ${batch}: ${fmt(rate)} points/s, lost ${expected - stored}`,
  );
  return {
    workers,
    points,
    batch,
    seconds,
    rate,
    lost: expected - stored,
    appendsPerSec: expected / batch / seconds,
  };
}

async function main() {
  const { rows: single, feed } = await singleProcess();
  const pg = await postgres();
  const multi = await multiProcess(16, 10_000, 10);
  rmSync(dir, { recursive: true, force: true });

  const headline = single.find((r) => r.batch === 100)!;
  const sqliteVersion = new BetterSqlite3(':memory:').prepare('select sqlite_version() as v').get() as {
    v: string;
  };
  const lines = [
    `Command: \`npx tsx bench/store-ingest.ts\` — ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ` +
      `SQLite ${sqliteVersion.v} (WAL, synchronous=NORMAL), ${new Date().toISOString().slice(0, 10)}. ` +
      'Shared, noisy machine: compare the ratios, not the absolute rates.',
    '',
    '(a) One process, train points of 8 fields (step, tokens, flops, elapsed, loss, lr, gradNorm, tokPerSec), ' +
      'best of 3. Baseline: naive per-scalar rows (plain better-sqlite3 table, one row per field value, no index, ' +
      'one prepared insert per scalar, one transaction per batch).',
    '',
    '| points per append | Flywheel store (points/s) | naive per-scalar rows (points/s) | ratio |',
    '|---:|---:|---:|---:|',
    ...single.map(
      (r) => `| ${r.batch} | ${fmt(r.store)} | ${fmt(r.naive)} | ${(r.store / r.naive).toFixed(1)}× |`,
    ),
    '',
    `Headline (batches of 100): **${fmt(headline.store)} points/s**, ${(headline.store / headline.naive).toFixed(1)}× the ` +
      'naive baseline (target ≥ 100k points/s).' +
      (pg ? ` Postgres 15 on the same machine, batches of 100: ${fmt(pg)} points/s.` : ''),
    '',
    'Feed cost: every append also writes one change-feed item in the same transaction (a reference to its ' +
      'chunks, which readFeed decodes, so the points are not stored twice): one more page per commit in the WAL, ' +
      'about 15–20 µs per append here. An in-process A/B against the store before the feed (commit bf1ab22, ' +
      'alternating, 6 reps, best/median points/s): 1 point per append 13.3k/10.3k before vs 9.4k/6.5k with the ' +
      'feed (~0.7×); 100 points 507k/403k vs 465k/297k; 1000 points 1.15M/1.07M vs 1.17M/851k (within noise).',
    '',
    'At one point per append the baseline wins: it is synchronous better-sqlite3 with nothing to check, while ' +
      'each store append is an async transaction that checks the run is live and numbers its chunk; a live run ' +
      'appends a few points per second, far below either rate, and the launcher can batch.',
    '',
    `(b) ${multi.workers} writer processes on one SQLite file, each a live run appending ${multi.points} points in ` +
      `batches of ${multi.batch}, released together: **${fmt(multi.rate)} points/s** in total ` +
      `(${fmt(multi.appendsPerSec)} appends/s) over ${multi.seconds.toFixed(1)} s, **lost points: ${multi.lost}**.`,
    '',
    `(c) Reading the change feed of (a) back from the start (${feed.items} items, pages of 1000): ` +
      `${fmt(feed.itemsPerSec)} items/s, ${fmt(feed.pointsPerSec)} points/s.`,
  ];
  console.log(lines.join('\n'));
  if (!process.argv.includes('--no-write')) writeSection('Store ingestion', lines.join('\n'));
  if (multi.lost !== 0) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
