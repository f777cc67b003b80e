/**
 * The shared executor suite: every executor (local, Slurm) must pass it. It runs small Python
 * programs (no torch) as "trainers" so it is fast; the real trainer is covered by the e2e tests.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Executor } from './base.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

const PY = process.env.FLYWHEEL_TEST_PYTHON ?? 'python3';

function runDir(root: string, name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

export function runExecutorSuite(
  name: string,
  make: (parallel: number) => Promise<Executor>,
  opts: { skip?: string } = {},
) {
  describe(`executor suite: ${name}`, { skip: opts.skip }, () => {
    const root = tempDir(`fw-exec-${name}-`);
    const executors: Executor[] = [];
    const get = async (p: number) => {
      const e = await make(p);
      executors.push(e);
      return e;
    };
    after(async () => {
      for (const e of executors) await e.close();
    });

    it('runs a command in its run dir with the slot resources and reports its exit code', async () => {
      const ex = await get(1);
      const lease = await ex.acquire();
      const dir = runDir(root, 'exit');
      const code =
        'import os,sys; open("env.txt","w").write(os.environ.get("OMP_NUM_THREADS","")+"|"+os.environ["MARK"]); print("hello"); sys.exit(3)';
      const proc = await ex.start(lease, {
        runId: 'exit',
        runDir: dir,
        command: [PY, '-c', code],
        env: { ...process.env, MARK: 'x' },
      });
      const info = await proc.exited;
      lease.release();
      assert.equal(info.code, 3);
      const [threads, mark] = readFileSync(join(dir, 'env.txt'), 'utf8').split('|');
      assert.equal(mark, 'x');
      assert.ok(Number(threads) >= 1, `threads=${threads}`);
      assert.match(readFileSync(join(dir, 'stdout.log'), 'utf8'), /hello/);
    });

    it('stops a process with SIGTERM and lets it exit cleanly within the grace period', async () => {
      const ex = await get(1);
      const lease = await ex.acquire();
      const dir = runDir(root, 'term');
      const code = [
        'import signal,sys,time',
        'def h(*a):',
        '    open("got-term","w").write("1"); sys.exit(0)',
        'signal.signal(signal.SIGTERM, h)',
        'open("ready","w").write("1")',
        'time.sleep(60)',
      ].join('\n');
      const proc = await ex.start(lease, {
        runId: 'term',
        runDir: dir,
        command: [PY, '-c', code],
        env: { ...process.env },
      });
      await waitForFile(join(dir, 'ready'));
      const t0 = Date.now();
      const info = await proc.terminate(10_000);
      lease.release();
      assert.equal(info.code, 0);
      assert.ok(Date.now() - t0 < 9000);
      assert.equal(readFileSync(join(dir, 'got-term'), 'utf8'), '1');
    });

    it('escalates to SIGKILL when a process ignores SIGTERM', async () => {
      const ex = await get(1);
      const lease = await ex.acquire();
      const dir = runDir(root, 'kill');
      const code =
        'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open("ready","w").write("1"); time.sleep(60)';
      const proc = await ex.start(lease, {
        runId: 'kill',
        runDir: dir,
        command: [PY, '-c', code],
        env: { ...process.env },
      });
      await waitForFile(join(dir, 'ready'));
      const info = await proc.terminate(500);
      lease.release();
      assert.ok(
        info.signal === 'SIGKILL' || info.code === 137 || (info.code ?? 0) !== 0,
        JSON.stringify(info),
      );
      assert.equal(proc.isAlive(), false);
    });

    it('queues work beyond its capacity and hands slots out first come, first served', async () => {
      const ex = await get(2);
      const a = await ex.acquire();
      const b = await ex.acquire();
      assert.equal(ex.busy(), 2);
      const order: string[] = [];
      const c = ex.acquire().then((l) => (order.push('c'), l));
      const d = ex.acquire().then((l) => (order.push('d'), l));
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(order, []);
      a.release();
      a.release(); // double release is a no-op
      const lc = await c;
      assert.deepEqual(order, ['c']);
      b.release();
      const ld = await d;
      assert.deepEqual(order, ['c', 'd']);
      assert.notEqual(lc.slot, ld.slot);
      lc.release();
      ld.release();
      assert.equal(ex.busy(), 0);
    });

    it('gives up waiting for a slot when the caller aborts', async () => {
      const ex = await get(1);
      const a = await ex.acquire();
      const ac = new AbortController();
      const p = ex.acquire(ac.signal);
      ac.abort(new Error('session stopped'));
      await assert.rejects(p, /session stopped/);
      a.release();
      const again = await ex.acquire();
      again.release();
    });
  });
}

async function waitForFile(path: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      readFileSync(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`timed out waiting for ${path}`);
}
