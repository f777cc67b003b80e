/**
 * The sandbox with real bubblewrap and real processes (shell and python one-liners, no trainer): what
 * is blocked, what is writable, which environment gets in, that SIGTERM reaches the process inside
 * (and only it), that limits apply, and that a missing bwrap is reported. Skipped where this machine
 * cannot run bwrap at all.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pidAlive, spawnTrainer } from '../runs/process.ts';
import {
  explainSandboxFailure,
  resumeCheckpointOf,
  sandboxLimits,
  sandboxStatus,
  wrapInSandbox,
} from './bwrap.ts';

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

    const run = (script: string, env = process.env) => {
      const cmd = wrapInSandbox(['sh', '-c', script], { runDir, codeDir, limits });
      return spawnSync(cmd[0], cmd.slice(1), { cwd: runDir, env, encoding: 'utf8', timeout: 30_000 });
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

    it('lets in only allowlisted variables (no API keys) and hides the host /tmp and /run, sockets included', async () => {
      const sock = join(root, 'agent.sock');
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(sock, resolve));
      const env = {
        ...process.env,
        ANTHROPIC_API_KEY: 'sk-ant-secret',
        OPENAI_API_KEY: 'sk-secret',
        FLYWHEEL_DB: 'postgres://u:secret@db/flywheel',
        FLYWHEEL_PARENT_PID: String(process.pid),
        SSH_AUTH_SOCK: sock,
        FLYWHEEL_RUN_DIR: runDir,
        OMP_NUM_THREADS: '3',
      };
      const connect = `import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])`;
      const r = run(
        `env; touch "$HOME/h" && echo home-ok; ls -A /run; python3 -c "${connect}" ${sock} && echo connected`,
        env,
      );
      server.close();
      const vars = new Map(r.stdout.split('\n').map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]));
      for (const k of [
        'ANTHROPIC_API_KEY',
        'OPENAI_API_KEY',
        'FLYWHEEL_DB',
        'FLYWHEEL_PARENT_PID',
        'SSH_AUTH_SOCK',
      ])
        assert.equal(vars.has(k), false, `${k} got into the sandbox`);
      assert.doesNotMatch(r.stdout, /secret/);
      assert.equal(vars.get('OMP_NUM_THREADS'), '3');
      assert.equal(vars.get('FLYWHEEL_RUN_DIR'), runDir);
      assert.equal(vars.get('HOME'), join(runDir, 'sandbox-home'));
      assert.equal(vars.get('PATH'), process.env.PATH);
      assert.match(r.stdout, /home-ok/);
      assert.doesNotMatch(r.stdout, /connected/);
      assert.match(r.stderr, /FileNotFoundError/, 'the host socket is not there');
    });

    it("binds a promoted run's checkpoint from its parent run read-only, even under /tmp, and never one behind a symlink", () => {
      const parent = join(root, 'runs', 'r0', 'checkpoints');
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(parent, 'stable.pt'), 'weights\n');
      symlinkSync('/etc/hostname', join(parent, 'evil.pt'));
      const prev = process.env.FLYWHEEL_HOME;
      process.env.FLYWHEEL_HOME = root;
      try {
        const read = (ckpt: string) => {
          writeFileSync(join(runDir, 'config.json'), JSON.stringify({ resume: { checkpoint: ckpt } }));
          return run(`cat ${ckpt} && echo >> ${ckpt}`);
        };
        const ok = read(join(parent, 'stable.pt'));
        assert.equal(ok.stdout, 'weights\n');
        assert.match(ok.stderr, /Read-only file system/);
        assert.equal(resumeCheckpointOf(runDir, join(root, 'runs')), join(parent, 'stable.pt'));
        const evil = read(join(parent, 'evil.pt'));
        assert.equal(evil.stdout, '');
        assert.equal(resumeCheckpointOf(runDir, join(root, 'runs')), undefined);
        writeFileSync(join(root, 'runs', 'r0', 'config.json'), '{}');
        assert.equal(
          read(join(root, 'runs', 'r0', 'config.json')).stdout,
          '',
          "another run's files are not checkpoints",
        );
      } finally {
        if (prev === undefined) delete process.env.FLYWHEEL_HOME;
        else process.env.FLYWHEEL_HOME = prev;
        writeFileSync(join(runDir, 'config.json'), '{}');
      }
    });

    it("pins the orchestrator's logs and config.json: agent code can neither write, remove nor replace them", () => {
      writeFileSync(join(runDir, 'stderr.log'), 'ours\n');
      const r = run(
        'for f in stderr.log stdout.log config.json; do echo x >> $f; rm -f $f; mv $f $f.old; ln -sf /proc/self/environ $f; done; echo done',
      );
      assert.match(r.stdout, /done/);
      assert.equal(readFileSync(join(runDir, 'stderr.log'), 'utf8'), 'ours\n');
      for (const f of ['stderr.log', 'stdout.log', 'config.json'])
        assert.ok(lstatSync(join(runDir, f)).isFile(), `${f} is still a regular file`);
    });

    it('forwards a stop sent to its process group to the process inside, and to nothing the code names', async () => {
      // the sandboxed code plants a pid where the old forwarder looked for bwrap's child
      const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
      const fake = `{"child-pid": ${victim.pid}}`;
      const script = `echo '${fake}' > .sandbox-info.json; trap 'echo stopped-gracefully > ${runDir}/term.txt; exit 0' TERM; echo ready; while :; do sleep 0.1; done`;
      const cmd = wrapInSandbox(['sh', '-c', script], { runDir, codeDir, limits });
      const proc = spawnTrainer({ command: cmd, cwd: runDir, env: process.env, logDir: runDir });
      await new Promise<void>((resolve) => (proc.onStdoutLine = (l) => l === 'ready' && resolve()));
      const info = await proc.terminate(20_000);
      try {
        assert.deepEqual(info, { code: 0, signal: null });
        assert.equal(readFileSync(join(runDir, 'term.txt'), 'utf8').trim(), 'stopped-gracefully');
        assert.ok(pidAlive(victim.pid), 'the planted pid was not signalled');
      } finally {
        victim.kill('SIGKILL');
      }
    });

    it('forwards SIGTERM to the process inside so it can stop gracefully', async () => {
      const script = `trap 'echo stopped-gracefully > ${runDir}/term.txt; exit 0' TERM; echo ready; while :; do sleep 0.1; done`;
      const cmd = wrapInSandbox(['sh', '-c', script], { runDir, codeDir, limits });
      const child = spawn(cmd[0], cmd.slice(1), { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()),
      );
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, stderr);
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
