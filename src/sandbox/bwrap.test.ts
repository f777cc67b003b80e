/**
 * The sandbox with real bubblewrap and real processes (shell and python one-liners, no trainer): what
 * is blocked, what is writable, that SIGTERM reaches the process inside, that limits apply, and that a
 * missing bwrap is reported. Skipped where this machine cannot run bwrap at all.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { explainSandboxFailure, sandboxLimits, sandboxStatus, wrapInSandbox } from './bwrap.ts';

const usable = sandboxStatus().ok;

describe(
  'bubblewrap sandbox',
  { skip: usable ? false : `bwrap unusable here: ${sandboxStatus().reason}` },
  () => {
    let root: string;
    let runDir: string;
    let codeDir: string;
    const limits = sandboxLimits(undefined, {
      FLYWHEEL_SANDBOX_MEMORY: '4g',
      FLYWHEEL_SANDBOX_CPU_SECONDS: '120',
      FLYWHEEL_SANDBOX_WALL_SECONDS: '60',
    });
    before(() => {
      root = mkdtempSync(join(tmpdir(), 'fw-sandbox-'));
      runDir = join(root, 'runs', 'r1');
      codeDir = join(runDir, 'code');
      mkdirSync(codeDir, { recursive: true });
      writeFileSync(join(codeDir, 'harness.py'), 'fixed\n');
      writeFileSync(join(root, 'outside.txt'), 'outside\n');
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    const run = (script: string) => {
      const cmd = wrapInSandbox(['sh', '-c', script], { runDir, codeDir, limits });
      return spawnSync(cmd[0], cmd.slice(1), { cwd: runDir, encoding: 'utf8', timeout: 30_000 });
    };

    it('lets the trainer write only its run dir, not its code, the home, or anything else', () => {
      const r = run(
        `echo ok > out.txt; echo x >> code/harness.py; echo x >> ${root}/outside.txt; touch "$TMPDIR/scratch" && echo tmp-ok`,
      );
      assert.match(r.stdout, /tmp-ok/);
      assert.ok(existsSync(join(runDir, 'tmp', 'scratch')), 'TMPDIR is inside the run dir');
      assert.equal(readFileSync(join(runDir, 'out.txt'), 'utf8'), 'ok\n');
      assert.equal(readFileSync(join(codeDir, 'harness.py'), 'utf8'), 'fixed\n');
      assert.equal(readFileSync(join(root, 'outside.txt'), 'utf8'), 'outside\n');
      assert.equal((r.stderr.match(/Read-only file system/g) ?? []).length, 2, r.stderr);
    });

    it('has no network: a connection fails with "Network is unreachable"', () => {
      const r = run(`python3 -c "import socket; socket.create_connection(('1.1.1.1', 53), timeout=3)"`);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /Network is unreachable/);
      assert.match(
        explainSandboxFailure('OSError: [Errno 101] Network is unreachable') ?? '',
        /^sandbox: network access blocked/,
      );
      const erofs = "OSError: [Errno 30] Read-only file system: '/runs/r1/code/harness.py'";
      assert.match(
        explainSandboxFailure(erofs) ?? '',
        /^sandbox: write blocked, only the run dir is writable/,
      );
      assert.equal(explainSandboxFailure('ValueError: shapes do not match'), undefined);
    });

    it('applies the resource limits inside', () => {
      const r = run('ulimit -v; ulimit -t');
      const [mem, cpu] = r.stdout.trim().split('\n');
      assert.equal(Number(mem), 4 * 1024 * 1024, 'address space in KiB');
      assert.equal(Number(cpu), 120);
    });

    it('forwards SIGTERM to the process inside so it can stop gracefully', async () => {
      const script = `trap 'echo stopped-gracefully > ${runDir}/term.txt; exit 0' TERM; echo ready; while :; do sleep 0.1; done`;
      const cmd = wrapInSandbox(['sh', '-c', script], { runDir, codeDir, limits });
      const child = spawn(cmd[0], cmd.slice(1), { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'] });
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
      );
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0);
      assert.equal(readFileSync(join(runDir, 'term.txt'), 'utf8').trim(), 'stopped-gracefully');
    });
  },
);

describe('sandbox availability', () => {
  it('reports a missing bwrap in one line with the fix', () => {
    const prev = process.env.FLYWHEEL_BWRAP;
    process.env.FLYWHEEL_BWRAP = '/nonexistent/bwrap';
    try {
      const st = sandboxStatus(true);
      assert.equal(st.ok, false);
      assert.match(st.reason ?? '', /not found \(Debian: apt-get install bubblewrap\)/);
    } finally {
      if (prev === undefined) delete process.env.FLYWHEEL_BWRAP;
      else process.env.FLYWHEEL_BWRAP = prev;
      sandboxStatus(true);
    }
  });
});
