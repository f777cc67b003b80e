/**
 * The recorder against a real SQLite store: the `start` event's environment lands in the run's
 * provenance columns, and its logs and checkpoints are listed as artifacts (what `show` prints).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newRun } from '../store/store-suite-helpers.ts';
import type { Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';
import { RunRecorder } from './recorder.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const line = (e: Record<string, unknown>) => `@flywheel ${JSON.stringify(e)}`;

describe('the run recorder', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ home: tempDir('fw-recorder-') });
  });
  after(() => store.close());

  it('writes python, torch and device from the start event and lists logs and checkpoints as artifacts', async () => {
    await store.createRun(newRun('r1'));
    const rec = new RunRecorder(store, 'r1');
    rec.ingestLine(
      line({
        kind: 'start',
        params: 10,
        flopsPerToken: 60,
        device: 'cuda:0',
        torch: '2.4.1',
        python: '3.11.9',
      }),
    );
    rec.ingestLine(
      line({ kind: 'checkpoint', step: 5, tokens: 640, path: 'ckpt/stable.pt', phase: 'stable' }),
    );
    await rec.flush();
    const run = await store.getRun('r1');
    assert.deepEqual([run?.python, run?.torch, run?.device], ['3.11.9', '2.4.1', 'cuda:0']);
    const artifacts = await store.listArtifacts('r1');
    assert.deepEqual(artifacts.map((a) => [a.name, a.path]).sort(), [
      ['checkpoint:stable', 'ckpt/stable.pt'],
      ['events', 'events.jsonl'],
      ['stderr', 'stderr.log'],
      ['stdout', 'stdout.log'],
    ]);
  });

  it('catching up on lines the store already holds writes nothing again', async () => {
    await store.createRun(newRun('r2'));
    const rec = new RunRecorder(store, 'r2');
    rec.ingestLine(line({ kind: 'start', params: 10, flopsPerToken: 60, device: 'cpu' }), false);
    assert.equal(rec.pending, 0);
    await rec.flush();
    assert.equal((await store.getRun('r2'))?.device, undefined);
  });

  it("stores the final eval apart from the curve, whose last point is the final event's curve sample, with standard errors", async () => {
    await store.createRun(newRun('r3'));
    const rec = new RunRecorder(store, 'r3');
    const scores = (bpb: number) => ({
      valLoss: bpb,
      valBpb: bpb,
      valBpbSe: 0.01,
      byDomain: { code: bpb },
      byDomainSe: { code: 0.02 },
      source: 'live',
      evalTokensPerDomain: 512,
    });
    rec.ingestLine(line({ kind: 'eval', step: 5, tokens: 640, flops: 1, ...scores(3) }));
    rec.ingestLine(
      line({
        kind: 'eval',
        step: 10,
        tokens: 1280,
        flops: 2,
        final: true,
        valLoss: 2,
        valBpb: 2,
        valBpbSe: 0.005,
        byDomain: { code: 2 },
        byDomainSe: { code: null },
        source: 'val',
        evalTokensPerDomain: 1024,
        curve: scores(2.5),
        also: { ...scores(2.1), source: 'val', evalTokensPerDomain: 4096 },
      }),
    );
    await rec.flush();
    const m = await store.getMetrics('r3', 'eval');
    assert.deepEqual(
      m.eval.map((p) => [p.tokens, p['bpb.code'], p['se.code'], p.evalTokensPerDomain, p.final]),
      [
        [640, 3, 0.02, 512, undefined],
        [1280, 2.5, 0.02, 512, undefined],
        [1280, 2, undefined, 1024, 1],
      ],
    );
    const s = rec.summary();
    assert.equal(s.valBpb, 2);
    assert.equal(s.valBpbSe, 0.005);
    assert.equal(s.valBpbByDomainSe, undefined, 'an unknown standard error is left out, not stored as null');
    // the final eval's second size (train.alsoEvalTokensPerDomain) is kept beside the metric, not in it
    assert.deepEqual(s.alsoEval, { evalTokensPerDomain: 4096, valBpb: 2.1 });
  });
});
