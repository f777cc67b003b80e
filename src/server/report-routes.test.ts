import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/base.ts';
import { createApp } from './app.ts';
import { seedRun, tmpStore } from './fixtures.ts';

let store: Store;
let app: ReturnType<typeof createApp>;
const EVIL = '<script>alert(1)</script></svg><img src=x onerror=alert(2)>';

before(async () => {
  const t = await tmpStore('flywheel-report-api-');
  store = t.store;
  app = createApp({ store, webDir: join(t.dir, 'no-web') });
  await store.createSession({
    id: 's-rep',
    researcher: 'claude',
    executor: 'local',
    parallel: 1,
    spec: {},
    summary: {
      best: {
        proposalId: 'p1',
        title: EVIL,
        valBpb: 2.5,
        n: 3,
        change: { kind: 'config', set: { 'model.depth': 4, 'optim.lr': 0.003 } },
        attribution: [
          { key: 'model.depth', value: 4, delta: -0.03, ci95: [-0.05, -0.01] },
          { key: 'optim.lr', value: 0.003, delta: 0.001, ci95: [-0.01, 0.012] },
        ],
      },
    },
  });
  for (let i = 0; i < 40; i++)
    await seedRun(store, i, { sessionId: 's-rep', points: 20, status: i === 5 ? 'stopped' : 'completed' });
});
after(async () => {
  await store.close();
});

describe('session report API', () => {
  it('serves the report as HTML with a policy that allows no script, request or framing', async () => {
    const res = await app.request('/api/sessions/s-rep/report.html');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(
      res.headers.get('content-security-policy'),
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    );
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    const html = await res.text();
    assert.match(html, /&lt;script&gt;alert\(1\)/);
    assert.doesNotMatch(html, /<script|<img/i);
    for (const id of ['attribution', 'importance', 'kill-1'])
      assert.match(html, new RegExp(`data-plot="${id}"`));
  });

  it('serves the importance of the knobs over runs comparable with the session', async () => {
    const res = await app.request('/api/sessions/s-rep/importance');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.n, 39, 'the run the monitor stopped has no comparable final val bpb');
    assert.ok(body.knobs.some((k: { key: string }) => k.key === 'model.depth'));
  });

  it('answers 404 for an unknown session', async () => {
    for (const path of ['/api/sessions/nope/report.html', '/api/sessions/nope/importance']) {
      const res = await app.request(path);
      assert.equal(res.status, 404, path);
      assert.match((await res.json()).error.message, /no session with id "nope"/);
    }
  });
});
