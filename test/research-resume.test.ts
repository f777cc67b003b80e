/**
 * kill -9 of `flywheel research` mid-session, then `--resume`: the session finishes, the store has every
 * run it started, and no trainer process is left running. Real CLI processes, real store; the trainer
 * is the synthetic one (slowed down so the kill lands mid-run).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pidAlive } from '../src/runs/process.ts';
import { openStore } from '../src/store/open.ts';
import { SYNTH_TRAINER, tempHome } from './helpers/research-fixtures.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'flywheel.js');

describe('research session crash and resume', () => {
  it('finishes after kill -9 and --resume with every run settled and no orphaned trainer', async () => {
    const home = tempHome('fw-resume-');
    const env = {
      ...process.env,
      FLYWHEEL_HOME: home,
      FLYWHEEL_SYNTH_STEP_SECONDS: '0.2',
      FLYWHEEL_SYNTH_SIGMA: '0.01',
    };
    const args = [
      BIN,
      'research',
      '--preset',
      'tiny',
      '--set',
      `trainer.command=${JSON.stringify(['python3', SYNTH_TRAINER])}`,
      '--set',
      'train.batchTokens=1024',
      '--set',
      'model.seqLen=64',
      '--full-tokens',
      '12288',
      '--rungs',
      '2',
      '--parallel',
      '2',
      '--budget',
      '10m',
      '--max-proposals',
      '3',
      '--json',
    ];
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    // wait until the session has runs in flight
    const store = await openStore({ home });
    let sessionId = '';
    let running: string[] = [];
    for (let i = 0; i < 600 && running.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const sessions = await store.listSessions();
      if (!sessions.length) continue;
      sessionId = sessions[0].id;
      const runs = await store.listRuns({ sessionId });
      if (runs.length >= 4) running = runs.filter((r) => r.status === 'running').map((r) => r.id);
    }
    assert.ok(
      sessionId && running.length > 0,
      `no runs in flight before the kill; stderr: ${err.slice(-2000)}`,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = await store.listRuns({ sessionId });
    const orphans = before.filter((r) => r.status === 'running' && pidAlive(r.pid)).map((r) => r.pid!);
    assert.ok(orphans.length > 0, 'the kill left trainer processes behind (the case under test)');

    const res = spawnSync(process.execPath, [BIN, 'research', '--resume', sessionId, '--json'], {
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(res.status, 0, res.stderr.slice(-3000));
    const summary = JSON.parse(res.stdout);
    assert.equal(summary.sessionId, sessionId);
    assert.equal(summary.status, 'completed');
    // >= 2: a re-based base (README "Research sessions") or history-covered noise needs only 2 seeds
    assert.ok(summary.baseline.n >= 2, JSON.stringify(summary.baseline));
    const after = await store.listRuns({ sessionId });
    for (const r of before)
      assert.ok(
        after.some((a) => a.id === r.id),
        `run ${r.id} kept`,
      );
    assert.deepEqual(
      after.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id),
      [],
    );
    for (const pid of orphans) assert.equal(pidAlive(pid), false, `trainer ${pid} stopped`);
    const journal = await store.listJournal(sessionId);
    assert.ok(journal.some((e) => e.kind === 'session' && /resumed/.test(e.title)));
    const session = await store.getSession(sessionId);
    assert.equal(session?.status, 'completed');
    await store.close();
  });
});
