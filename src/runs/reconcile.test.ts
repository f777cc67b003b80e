/**
 * Catching up on a run's events after an orchestrator crash reads events.jsonl the way the launcher
 * does: a symlink planted in its place (to /proc/self/environ, holding our API key) is not followed,
 * and the rest of a real file is ingested. Real SQLite store.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../store/open.ts';
import { newRun } from '../store/store-suite-helpers.ts';
import { catchUpEvents } from './reconcile.ts';

describe('catching up on events after a crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'fw-reconcile-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('does not follow events.jsonl when agent code made it a symlink, and reads a real one to its end', async () => {
    const store = await openStore({ home });
    const prev = process.env.FLYWHEEL_TEST_API_KEY;
    process.env.FLYWHEEL_TEST_API_KEY = 'sk-reconcile-secret-123';
    try {
      const evil = join(home, 'runs', 'evil');
      mkdirSync(evil, { recursive: true });
      symlinkSync('/proc/self/environ', join(evil, 'events.jsonl'));
      await store.createRun(newRun('evil', { runDir: evil }));
      const rec = await catchUpEvents(store, (await store.getRun('evil'))!);
      await rec.flush();
      assert.equal(rec.malformed, 0);
      assert.doesNotMatch(JSON.stringify(await store.listEvents('evil')), /sk-reconcile-secret/);

      const good = join(home, 'runs', 'good');
      mkdirSync(good, { recursive: true });
      const train = (s: number) =>
        JSON.stringify({ kind: 'train', step: s, tokens: s, flops: s, elapsed: s, loss: 1, lr: 1e-3 });
      writeFileSync(join(good, 'events.jsonl'), `${train(1)}\n\n${train(2)}\n${train(3)}`);
      await store.createRun(newRun('good', { runDir: good }));
      const r2 = await catchUpEvents(store, (await store.getRun('good'))!);
      await r2.flush();
      assert.deepEqual(
        (await store.getMetrics('good')).train.map((p) => p.step),
        [1, 2, 3],
      );
    } finally {
      if (prev === undefined) delete process.env.FLYWHEEL_TEST_API_KEY;
      else process.env.FLYWHEEL_TEST_API_KEY = prev;
      await store.close();
    }
  });
});
