/**
 * `flywheel run` end to end with the real trainer on the tiny preset: the --json contract, the store,
 * divergence, bad input, and an orchestrator killed with SIGKILL mid-run (no zombie `running` rows).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';

import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pidAlive } from '../src/runs/process.ts';
import { openStore } from '../src/store/open.ts';
import { tempDir } from './helpers/temp-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');
const home = tempDir('fw-run-cli-');
const env = { ...process.env, FLYWHEEL_HOME: home };
const cli = (args: string[], timeout = 120_000) =>
  spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout });

describe('flywheel run', () => {
  before(() => {
    const r = cli(['prepare', '--json']);
    assert.equal(r.status, 0, r.stderr);
  });

  it('trains the tiny preset and prints the result contract as one JSON object', () => {
    const r = cli(['run', '--preset', 'tiny', '--json']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'completed');
    for (const k of [
      'runId',
      'valBpb',
      'valBpbByDomain',
      'tokens',
      'flops',
      'params',
      'tokPerSec',
      'wallSeconds',
    ])
      assert.ok(k in out, k);
    assert.ok(Number.isFinite(out.valBpb) && out.flops > 0 && out.tokPerSec > 0 && out.params > 0);
    assert.deepEqual(Object.keys(out.valBpbByDomain).sort(), [
      'code',
      'essays',
      'fiction',
      'learned',
      'news',
      'popular',
      'sentences',
    ]);
    // each domain's number comes with its standard error over the scored windows
    assert.deepEqual(Object.keys(out.valBpbByDomainSe).sort(), Object.keys(out.valBpbByDomain).sort());
    for (const se of Object.values(out.valBpbByDomainSe)) assert.ok((se as number) > 0);
    assert.ok(out.valBpbSe > 0);
    const list = JSON.parse(cli(['runs', '--json']).stdout);
    assert.ok(list.runs.some((x: { runId: string }) => x.runId === out.runId));
    const shown = JSON.parse(cli(['show', out.runId, '--json']).stdout);
    assert.ok(shown.metrics.train.length > 0 && shown.metrics.eval.length > 0);
    assert.equal(shown.config.preset, 'tiny');

    // --from re-runs the stored config and code snapshot: on a token budget the number is reproduced
    const again = cli(['run', '--from', out.runId, '--json']);
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    const rerun = JSON.parse(again.stdout);
    assert.equal(rerun.parentRunId, out.runId);
    assert.equal(rerun.valBpb, out.valBpb);
  });

  it('ends a run with an absurd learning rate as diverged long before its budget, reason stored', () => {
    const r = cli(['run', '--preset', 'tiny', '--set', 'optim.lr=50', '--set', 'optim.adamLr=50', '--json']);
    const out = JSON.parse(r.stdout);
    assert.equal(out.status, 'diverged', r.stderr.slice(-1000));
    assert.match(out.reason, /loss|nan|inf/i);
    const full = JSON.parse(cli(['show', out.runId, '--json']).stdout).config.budget.tokens;
    assert.ok(out.tokens < full / 2, `stopped at ${out.tokens} of ${full} tokens`); // tokens, not seconds: no timing in tests
  });

  it('refuses bad input with one line naming the key and value, and starts nothing', () => {
    const r = cli(['run', '--preset', 'tiny', '--set', 'model.depth=lots']);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /model\.depth="lots"/);
    const b = cli(['run', '--preset', 'huge']);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /unknown preset "huge"/);
    // keys are exact dotted paths: a padded key is refused, never trimmed (SECURITY.md, "Config keys")
    const padded = cli(['run', '--preset', 'tiny', '--set', ' optim.lr=0.1']);
    assert.equal(padded.status, 2);
    assert.equal(padded.stderr.trim().split('\n').length, 1);
    assert.match(padded.stderr, /bad config key " optim\.lr": keys are exact dotted paths/);
  });

  it('leaves no zombie running run after the orchestrator is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, [BIN, 'run', '--preset', 'tiny', '--budget', '120s'], {
      env,
      stdio: 'ignore',
    });
    const store = await openStore({ home });
    let run;
    for (let i = 0; i < 300; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await store.listRuns({ status: 'running' }))[0];
      if (run && (await store.getMetrics(run.id)).train.length > 3) break;
    }
    assert.ok(run, 'the run started');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = cli(['runs', '--json']);
    assert.equal(r.status, 0);
    const after = JSON.parse(r.stdout).runs.find((x: { runId: string }) => x.runId === run!.id);
    assert.notEqual(after.status, 'running');
    assert.notEqual(after.status, 'queued');
    assert.ok((await store.getMetrics(run.id)).train.length > 3, 'its metrics survived');
    for (let i = 0; i < 50 && pidAlive(run.pid); i++) await new Promise((res) => setTimeout(res, 100));
    assert.equal(pidAlive(run.pid), false, 'the trainer is gone');
    await store.close();
  });
});
