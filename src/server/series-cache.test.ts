import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compareRuns } from './compare-service.ts';
import { seedRun, tmpStore } from './fixtures.ts';
import { SeriesCache } from './series-cache.ts';

const cols = (n: number) => ({ x: new Float64Array(n), y: new Float64Array(n) });

describe('SeriesCache', () => {
  it('evicts the least recently used beyond its point budget', () => {
    const c = new SeriesCache(250);
    c.set('a', cols(100));
    c.set('b', cols(100));
    assert.ok(c.get('a'), 'a is now the most recent');
    c.set('c', cols(100));
    assert.equal(c.get('b'), undefined, 'b went first');
    assert.ok(c.get('a') && c.get('c'));
    assert.equal(c.size, 200);
  });

  it('serves finished runs to compare from memory, never live ones', async () => {
    const { store, dir } = await tmpStore('flywheel-cache-');
    try {
      const done = await seedRun(store, 1, { points: 100 });
      const live = await seedRun(store, 2, { points: 100, status: 'running' });
      const cache = new SeriesCache();
      const q = { ids: [done, live], x: 'step' as const, y: 'loss', maxPoints: 50 };
      const first = await compareRuns(store, q, cache);
      assert.equal(cache.size, 100, 'only the finished run is cached');
      await store.appendMetrics(live, 'train', [{ step: 101, tokens: 0, loss: 9 }]);
      const second = await compareRuns(store, q, cache);
      assert.equal(cache.hits, 1);
      assert.deepEqual(second.runs[0].values, first.runs[0].values);
      assert.equal(second.pointsIn, first.pointsIn + 1, 'the live run was re-read');
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
