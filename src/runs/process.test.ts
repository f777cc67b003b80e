/** A local trainer process: a stop reaches what a wrapper script started, and the exit is reported. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnTrainer } from './process.ts';

describe('trainer process', () => {
  it('stops a trainer started through a shell wrapper: SIGTERM reaches the whole process group', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-process-'));
    const py = [
      'import signal,sys,time',
      'signal.signal(signal.SIGTERM, lambda *a: (open("got-term", "w").write("1"), sys.exit(0)))',
      'print("ready", flush=True)',
      'time.sleep(60)',
    ].join('\n');
    // the shell forks python (it does not exec it) and is what we signal directly
    const proc = spawnTrainer({
      command: ['sh', '-c', 'python3 -c "$0" & wait', py],
      cwd: dir,
      env: process.env,
      logDir: dir,
    });
    await new Promise<void>((resolve) => (proc.onStdoutLine = (l) => l === 'ready' && resolve()));
    const t0 = Date.now();
    const info = await proc.terminate(20_000);
    assert.ok(Date.now() - t0 < 10_000, 'stopped within the grace period');
    assert.equal(info.signal, 'SIGTERM', JSON.stringify(info));
    assert.ok(existsSync(join(dir, 'got-term')), 'the python under the shell got SIGTERM');
    assert.equal(proc.isAlive(), false);
    rmSync(dir, { recursive: true, force: true });
  });
});
