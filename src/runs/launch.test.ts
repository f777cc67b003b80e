/**
 * The launcher when something around the trainer fails: store writes that fail mid-run (the points are
 * kept and retried; an outage that outlasts the retries stops the trainer and fails the run) and set-up
 * that throws before the trainer starts (no row left 'queued'). Real SQLite store, the synthetic trainer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import type { Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';
import { launchRun, runToCompletion } from './launch.ts';
import { pidAlive } from './process.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const SYNTH_TRAINER = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'synthetic_trainer.py');

const config = (tokens: number) =>
  resolveConfig({
    preset: 'tiny',
    sets: [
      `trainer.command=${JSON.stringify(['python3', SYNTH_TRAINER])}`,
      'train.batchTokens=1024',
      'model.seqLen=64',
      `budget.tokens=${tokens}`,
    ],
  });

/** The store, with appendMetrics failing (a multi-line error) while `failing()` says so. */
function failingMetrics(store: Store, failing: () => boolean): Store {
  return new Proxy(store, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (key === 'appendMetrics')
        return async (...a: Parameters<Store['appendMetrics']>) => {
          if (failing()) throw new Error('database is locked\n    at a stack line');
          return target.appendMetrics(...a);
        };
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('launching a run', () => {
  let store: Store;
  before(async () => {
    const home = tempDir('fw-launch-');
    process.env.FLYWHEEL_HOME = home;
    store = await openStore({ home });
  });

  it('keeps metric points through failed writes and stores every one once the store answers again', async () => {
    let calls = 0;
    const run = await runToCompletion({
      store: failingMetrics(store, () => ++calls <= 3),
      config: config(20 * 1024),
      env: { FLYWHEEL_SYNTH_STEP_SECONDS: '0.05' },
      pollMs: 50,
    });
    assert.equal(run.status, 'completed', run.statusReason ?? '');
    assert.ok(calls > 3, 'the failures happened');
    const steps = (await store.getMetrics(run.id)).train.map((p) => p.step);
    assert.deepEqual(
      steps,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('stops the trainer and fails the run in one line when the store keeps failing', async () => {
    const ctl = await launchRun({
      store: failingMetrics(store, () => true),
      config: config(1000 * 1024),
      env: { FLYWHEEL_SYNTH_STEP_SECONDS: '0.1' },
      pollMs: 50,
      storeRetryMs: 300,
      graceMs: 5000,
    });
    const run = await ctl.done;
    assert.equal(run.status, 'failed');
    assert.equal(run.statusReason, 'supervision failed: database is locked');
    assert.equal(ctl.proc?.isAlive(), false);
    assert.equal(pidAlive(run.pid), false, 'the trainer is gone');
  });

  it('leaves no queued row when the command cannot be prepared', async () => {
    const before = (await store.listRuns()).length;
    await assert.rejects(
      launchRun({
        store,
        config: config(1024),
        wrapCommand: () => {
          throw new Error('no sandbox today');
        },
      }),
      /no sandbox today/,
    );
    assert.equal((await store.listRuns()).length, before);
  });

  it('fails a run that passes its wall-clock limit, sandbox or not', async () => {
    const run = await runToCompletion({
      store,
      config: config(1000 * 1024),
      env: { FLYWHEEL_SYNTH_STEP_SECONDS: '0.1' },
      pollMs: 50,
      wallSeconds: 1,
      graceMs: 5000,
    });
    assert.equal(run.status, 'failed');
    assert.equal(run.statusReason, 'wall-clock limit of 1s reached; killed');
    assert.equal(pidAlive(run.pid), false, 'the trainer is gone');
  });
});
