import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/base.ts';
import { createApp, MAX_BODY_BYTES } from './app.ts';
import { seedRun, tmpStore } from './fixtures.ts';
import type {
  CompareResponse,
  MetricsResponse,
  RunDetail,
  RunsResponse,
  SessionView,
  StopResponse,
} from './types.ts';

let store: Store;
let dir: string;
let app: ReturnType<typeof createApp>;
const get = async <T>(path: string, init?: RequestInit) => {
  const res = await app.request(path, init);
  return { status: res.status, body: (await res.json()) as T };
};

before(async () => {
  ({ store, dir } = await tmpStore());
  app = createApp({ store, webDir: join(dir, 'no-web') });
  for (let i = 0; i < 40; i++)
    await seedRun(store, i, {
      points: i === 5 ? 5000 : 30,
      spikeAt: i === 5 ? 3333 : undefined,
      status: i % 10 === 9 ? 'stopped' : 'completed',
    });
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/runs', () => {
  it('lists runs newest first with the config keys that vary as columns', async () => {
    const { status, body } = await get<RunsResponse>('/api/runs?limit=5');
    assert.equal(status, 200);
    assert.equal(body.total, 40);
    assert.equal(body.runs.length, 5);
    assert.equal(body.runs[0].id, 'r-syn-00039');
    assert.deepEqual(body.keys, ['model.depth', 'optim.lr']);
    assert.equal(body.runs[0].config['model.depth'], 3);
    assert.equal(body.constants?.['model.width'], 64);
    assert.ok(!('codeDiff' in body.runs[0]), 'list items stay small');
  });

  it('filters by status and config keys, sorts and paginates', async () => {
    const stopped = await get<RunsResponse>('/api/runs?status=stopped');
    assert.deepEqual(stopped.body.runs.map((r) => r.id).sort(), [
      'r-syn-00009',
      'r-syn-00019',
      'r-syn-00029',
      'r-syn-00039',
    ]);
    const deep = await get<RunsResponse>('/api/runs?where=model.depth:4&sort=valBpb&limit=100');
    assert.equal(deep.body.total, 8);
    assert.equal(
      deep.body.constants?.['model.depth'],
      4,
      'the same in every match: a constant, not a column',
    );
    assert.ok(!deep.body.keys.includes('model.depth'));
    const vals = deep.body.runs.map((r) => r.valBpb!);
    assert.deepEqual(
      vals,
      [...vals].sort((a, b) => a - b),
    );
    const p1 = await get<RunsResponse>('/api/runs?sort=-valBpb&limit=7');
    const p2 = await get<RunsResponse>('/api/runs?sort=-valBpb&limit=7&offset=7');
    const ids = new Set([...p1.body.runs, ...p2.body.runs].map((r) => r.id));
    assert.equal(ids.size, 14, 'pages do not overlap');
    const both = await get<RunsResponse>('/api/runs?where=optim.lr<0.002&where=schedule.name:cosine');
    assert.equal(both.body.total, 16);
    assert.ok(
      both.body.runs.every((r) => Number(r.config['optim.lr'] ?? both.body.constants?.['optim.lr']) < 0.002),
    );
  });

  it('returns full records with fields=full', async () => {
    const { body } = await get<RunsResponse<{ config: { model: { depth: number } } }>>(
      '/api/runs?fields=full&limit=1',
    );
    assert.equal(typeof body.runs[0].config.model.depth, 'number');
  });

  it('answers a bad query with 400 and a message naming it', async () => {
    const bad = await get<{ error: { code: string; message: string } }>('/api/runs?limit=abc');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /limit=abc/);
    const where = await get<{ error: { code: string; message: string } }>('/api/runs?where=model.depth');
    assert.equal(where.status, 400);
    assert.equal(where.body.error.code, 'bad_input');
    assert.equal((await get('/api/runs?status=bogus')).status, 400);
  });
});

describe('one run', () => {
  it('gives detail with config, counts and the stop reason', async () => {
    const { status, body } = await get<RunDetail>('/api/runs/r-syn-00009');
    assert.equal(status, 200);
    assert.equal(body.run.status, 'stopped');
    assert.equal(body.stop?.rule, 'behind-baseline');
    assert.match(body.stop?.reason ?? '', /behind baseline/);
    assert.deepEqual(body.counts, { train: 30, eval: 3 });
    assert.equal(body.live, false);
  });

  it('downsamples metrics server-side and keeps the spike', async () => {
    const { body } = await get<MetricsResponse>('/api/runs/r-syn-00005/metrics?maxPoints=300');
    assert.equal(body.counts.train, 5000);
    assert.ok(body.train.length <= 300 && body.train.length > 100);
    const max = Math.max(...body.train.map((p) => p.loss));
    assert.ok(
      body.train.some((p) => p.step === 3333),
      'the spike step survives',
    );
    assert.ok(max > 7, `spike kept (max loss ${max})`);
  });

  it('answers 404 for an unknown run, as JSON', async () => {
    const r = await get<{ error: { code: string } }>('/api/runs/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
    assert.equal((await get('/api/runs/nope/metrics')).status, 404);
    assert.equal((await get('/api/nothing-here')).status, 404);
  });
});

describe('POST /api/runs/:id/stop', () => {
  it('refuses a finished run with 409', async () => {
    const r = await get<{ error: { code: string } }>('/api/runs/r-syn-00001/stop', { method: 'POST' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'conflict');
  });

  it('records the request and sends SIGTERM to a live trainer on this host', async () => {
    const runDir = join(dir, 'runs', 'live');
    mkdirSync(runDir, { recursive: true });
    // A stand-in trainer: a real process with the run's FLYWHEEL_RUN_DIR that exits 0 on SIGTERM.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "process.on('SIGTERM', () => process.exit(0)); console.log('ready'); setInterval(() => {}, 1000)",
      ],
      { env: { ...process.env, FLYWHEEL_RUN_DIR: runDir }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    await new Promise((res) => child.stdout!.once('data', res)); // its SIGTERM handler is installed
    const id = await seedRun(store, 100, { status: 'running', runDir });
    await store.updateRun(id, { pid: child.pid, host: hostname() });
    const detail = await get<RunDetail>(`/api/runs/${id}`);
    assert.equal(detail.body.stoppable, true);
    const r = await get<StopResponse>(`/api/runs/${id}/stop`, { method: 'POST' });
    assert.equal(r.status, 202);
    assert.equal(r.body.signalled, true);
    assert.equal(await exited, 0, 'the trainer got SIGTERM');
    const events = await store.listEvents(id, { kinds: ['stop'] });
    assert.deepEqual(events[0].payload, { reason: 'stopped from dashboard', by: 'dashboard' });
  });

  it('does not signal a pid that is not this run’s trainer', async () => {
    const id = await seedRun(store, 101, { status: 'running' });
    await store.updateRun(id, { pid: process.pid, host: hostname() }); // alive, but not a trainer of this run
    const r = await get<StopResponse>(`/api/runs/${id}/stop`, { method: 'POST' });
    assert.equal(r.status, 202);
    assert.equal(r.body.signalled, false);
    assert.match(r.body.message, /no longer this run's trainer/);
  });
});

describe('GET /api/compare', () => {
  it('aligns runs on one grid and groups seeds by configHash', async () => {
    const ids = ['r-syn-00000', 'r-syn-00001', 'r-syn-00002', 'r-syn-00004'];
    const { status, body } = await get<CompareResponse>(
      `/api/compare?ids=${ids.join(',')}&x=tokens&maxPoints=10`,
    );
    assert.equal(status, 200);
    assert.equal(body.runs.length, 4);
    assert.ok(body.grid.length <= 10);
    assert.ok(body.runs.every((r) => r.values.length === body.grid.length));
    const hash = body.runs[0].configHash;
    assert.deepEqual(body.groups, [
      { configHash: hash, runIds: ids.slice(0, 3), label: `tiny ${hash.slice(0, 8)}` },
    ]);
    assert.equal(body.runs[1].label, `tiny ${hash.slice(0, 8)} · seed 1`);
    const evals = await get<CompareResponse>(`/api/compare?ids=${ids.join(',')}&y=valBpb&x=flops`);
    assert.equal(evals.body.kind, 'eval');
    assert.equal(evals.body.grid.length, 3, 'exact grid when runs share x values');
  });

  it('takes many ids in a POST body', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `r-syn-${String(i).padStart(5, '0')}`);
    const res = await app.request('/api/compare', {
      method: 'POST',
      body: JSON.stringify({ ids, x: 'step', y: 'loss', maxPoints: 50 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as CompareResponse).runs.length, 40);
    const bad = await app.request('/api/compare', {
      method: 'POST',
      body: '{"ids": [1]}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    const badY = await app.request('/api/compare', {
      method: 'POST',
      body: JSON.stringify({ ids, y: 5 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(badY.status, 400);
    assert.match(
      ((await badY.json()) as { error: { message: string } }).error.message,
      /^body\.y=5: expected/,
    );
    const unknown = await get<{ error: { code: string } }>('/api/compare?ids=r-syn-00000,zzz');
    assert.equal(unknown.status, 404);
  });

  it('refuses a body over the limit with 413 before parsing it', async () => {
    const res = await app.request('/api/compare', {
      method: 'POST',
      body: `{"ids": [${'"r-syn-00000",'.repeat(MAX_BODY_BYTES / 14)}"r-syn-00001"]}`,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /body over \d+ bytes/);
  });
});

describe('sessions', () => {
  let sid: string;
  before(async () => {
    const s = await store.createSession({
      id: 's-test',
      researcher: 'offline',
      executor: 'local',
      parallel: 2,
      spec: { budget: { flops: 1e13 } },
    });
    sid = s.id;
    await seedRun(store, 200, { sessionId: sid });
    await seedRun(store, 204, { sessionId: sid });
    await store.appendJournal([
      {
        sessionId: sid,
        kind: 'proposal',
        title: 'deeper',
        body: 'depth 4 should help',
        runIds: ['r-syn-00204'],
      },
      {
        sessionId: sid,
        kind: 'kill',
        title: 'stopped r-syn-00200',
        runIds: ['r-syn-00200'],
        data: { rule: 'spike' },
      },
    ]);
    await store.addFinding({
      id: 'f1',
      sessionId: sid,
      title: 'depth helps',
      statement: 'depth 4 beats 2',
      confirmed: false,
      runIds: ['r-syn-00204'],
    });
  });

  it('lists sessions and shows one with burn-down, rungs, best so far and findings', async () => {
    const list = await get<{ sessions: Array<{ id: string }> }>('/api/sessions');
    assert.deepEqual(
      list.body.sessions.map((s) => s.id),
      ['s-test'],
    );
    const { body } = await get<SessionView>(`/api/sessions/${sid}`);
    assert.equal(body.runs.length, 2);
    assert.equal(body.budget.flops, 1e13);
    assert.equal(body.burn.length, 3);
    assert.equal(body.rungs.length, 1);
    assert.equal(body.best.length, 2);
    assert.equal(body.findings[0].id, 'f1');
    assert.equal(body.journalCount, 2);
  });

  it('returns the journal in order, after a seq, by kind', async () => {
    const all = await get<{ entries: Array<{ seq: number; kind: string }> }>(`/api/sessions/${sid}/journal`);
    assert.deepEqual(
      all.body.entries.map((e) => e.kind),
      ['proposal', 'kill'],
    );
    const later = await get<{ entries: unknown[] }>(`/api/sessions/${sid}/journal?afterSeq=1`);
    assert.equal(later.body.entries.length, 1);
    const kills = await get<{ entries: unknown[] }>(`/api/sessions/${sid}/journal?kinds=kill`);
    assert.equal(kills.body.entries.length, 1);
    assert.equal((await get(`/api/sessions/${sid}/journal?kinds=bogus`)).status, 400);
    const f = await get<{ findings: unknown[] }>('/api/findings');
    assert.equal(f.body.findings.length, 1);
  });

  it('records pause / resume / stop requests for the session loop', async () => {
    const p = await get<{ control: string }>(`/api/sessions/${sid}/pause`, { method: 'POST' });
    assert.equal(p.status, 202);
    assert.equal((await store.getSession(sid))?.control, 'pause');
    await get(`/api/sessions/${sid}/resume`, { method: 'POST' });
    assert.equal((await store.getSession(sid))?.control, 'resume');
    await get(`/api/sessions/${sid}/stop`, { method: 'POST' });
    assert.equal((await store.getSession(sid))?.control, 'stop');
    await store.updateSession(sid, { status: 'stopped', endedAt: new Date().toISOString() });
    assert.equal((await get(`/api/sessions/${sid}/pause`, { method: 'POST' })).status, 409);
    assert.equal((await get('/api/sessions/nope/pause', { method: 'POST' })).status, 404);
    assert.equal((await get(`/api/sessions/${sid}/explode`, { method: 'POST' })).status, 404);
  });
});

describe('static dashboard', () => {
  it('serves a page for / and any app route, and 404 for a missing asset', async () => {
    const res = await app.request('/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await app.request('/sessions/x')).status, 200);
    assert.equal((await app.request('/assets/missing.js')).status, 404);
    const escape = await app.request('/%2e%2e/%2e%2e/etc/passwd');
    assert.doesNotMatch(await escape.text(), /root:/, 'no file outside the web dir');
    assert.equal((await app.request('/%E0%A4%A')).status, 400, 'malformed %-encoding');
  });
});
