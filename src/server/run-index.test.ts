import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../store/base.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { seedRun, tmpStore } from './fixtures.ts';
import { RunIndex } from './run-index.ts';

let store: Store; // the server's handle
let other: Store; // another process's handle on the same file
let dir: string;
before(async () => {
  ({ store, dir } = await tmpStore('flywheel-index-'));
  other = await SqliteStore.open(join(dir, 'flywheel.db'));
});
after(async () => {
  await other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RunIndex', () => {
  it('follows runs written through another handle: new, changed, finished, and born-and-finished between refreshes', async () => {
    for (let i = 0; i < 5; i++) await seedRun(other, i, { points: 0 });
    const live = await seedRun(other, 5, { status: 'running', points: 0 });
    const index = new RunIndex(store);
    await index.refresh();
    assert.equal(index.all().length, 6);
    assert.equal(index.all()[0].run.id, live, 'newest first');
    const v = index.version;
    await index.refresh();
    assert.equal(index.version, v, 'nothing changed: nothing rebuilt');

    await other.updateRun(live, { summary: { tokens: 123 } });
    await index.refresh();
    assert.equal(index.get(live)?.run.summary.tokens, 123, 'a live run is re-read');

    await other.finishRun(live, 'stopped', 'from the test');
    for (let i = 6; i < 9; i++) await seedRun(other, i, { points: 0 }); // created and finished while nobody looked
    await index.refresh();
    assert.equal(index.get(live)?.run.status, 'stopped');
    assert.equal(index.all().length, 9);
    assert.deepEqual(
      index
        .all()
        .slice(0, 3)
        .map((e) => e.run.id),
      ['r-syn-00008', 'r-syn-00007', 'r-syn-00006'],
    );
  });

  it('shares one refresh between concurrent callers and caches the key split until a change', async () => {
    const index = new RunIndex(store);
    await Promise.all([index.refresh(), index.refresh(), index.refresh()]);
    const a = index.splitAll();
    assert.equal(index.splitAll(), a);
    await seedRun(other, 20, { points: 0 });
    await index.refresh();
    assert.notEqual(index.splitAll(), a);
  });
});
