import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addDepthSweep } from '../../test/helpers/scaling-store.ts';
import type { Store } from '../store/base.ts';
import { createApp } from './app.ts';
import { tmpStore } from './fixtures.ts';

let store: Store;
let dir: string;
let app: ReturnType<typeof createApp>;

before(async () => {
  ({ store, dir } = await tmpStore('flywheel-analysis-api-'));
  app = createApp({ store, webDir: join(dir, 'no-web') });
  await addDepthSweep(store, 1);
});
after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('analysis API', () => {
  it('serves the scaling view: the fit with CIs, points per size and the frontier', async () => {
    const res = await app.request('/api/analysis/scaling?resamples=20');
    assert.equal(res.status, 200);
    const body = await res.json();
    for (const k of ['E', 'A', 'alpha', 'B', 'beta']) assert.equal(body[k].ci95.length, 2, k);
    assert.equal(body.frontier.bySize.length, 3);
    assert.equal(body.runs.length, 6);
  });

  it('answers 404 naming what is missing, and 400 for a multiplier without a candidate', async () => {
    const none = await app.request('/api/analysis/scaling?session=nope');
    assert.equal(none.status, 404);
    assert.match((await none.json()).error.message, /found none in session nope/);
    const bad = await app.request('/api/analysis/multiplier');
    assert.equal(bad.status, 400);
  });
});
