/** A local trainer process: a stop reaches what a wrapper script started, and the exit is reported. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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

  it('caps a flooded log file, keeping its head, a marker and its tail, and the tail in memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-process-'));
    const script =
      'i=0; while [ $i -lt 3000 ]; do printf "line %05d %0200d\\n" $i 0 >&2; i=$((i+1)); done; echo last-words >&2';
    const proc = spawnTrainer({
      command: ['sh', '-c', script],
      cwd: dir,
      env: process.env,
      logDir: dir,
      logBytes: 256 << 10,
    });
    await proc.exited;
    const text = readFileSync(join(dir, 'stderr.log'), 'utf8');
    assert.ok(statSync(join(dir, 'stderr.log')).size <= (256 << 10) + 256, `size ${text.length}`);
    assert.match(text, /^line 00000 /);
    assert.match(
      text,
      /\[flywheel: \d+ bytes left out \(log capped at 262144 bytes\); the last \d+ follow\]/,
    );
    assert.match(text, /last-words\n$/);
    assert.equal(proc.stderrTail?.(1), 'last-words');
    rmSync(dir, { recursive: true, force: true });
  });
});
