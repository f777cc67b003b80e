/**
 * The sandbox profile of the judge's model worker (python/judge/worker.py; SECURITY.md, "The judge").
 * Tighter than the training sandbox, because the worker needs nothing but the interpreter: the Python
 * runtime read-only (the system folders and the interpreter's own sys.path), the agent's code snapshot
 * and a private copy of the final weights read-only, the repository's python/ folder (worker.py and
 * flywheel_log.py, which the trainer imports) read-only. No dataset, no writable folder at all (no
 * /tmp, no home), no network, new PID/IPC/UTS namespaces, a cleared environment; address-space, CPU and
 * file-size limits. GPUs are passed through when present, so the worker runs where training did.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../home.ts';
import { findPython } from '../runs/python.ts';
import { gpuDevices, sandboxStatus } from './bwrap.ts';

const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/etc/alternatives', '/etc/ld.so.cache'];

interface Runtime {
  exe: string;
  paths: string[];
}
let runtime: Runtime | undefined;

/** The interpreter (resolved, so it runs without PATH) and the sys.path folders it imports torch from. */
function pythonRuntime(): Runtime {
  if (runtime) return runtime;
  const code =
    'import json, os, sys, numpy, torch\nprint(json.dumps({"exe": os.path.realpath(sys.executable), "paths": [os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)]}))';
  const r = spawnSync(findPython(), ['-c', code], { encoding: 'utf8', timeout: 60_000, cwd: '/' });
  if (r.status !== 0)
    throw new Error(`cannot inspect the Python runtime: ${(r.stderr || '').trim().split('\n').pop()}`);
  const got = JSON.parse(r.stdout) as Runtime;
  const under = (p: string, roots: string[]) => roots.some((d) => p === d || p.startsWith(`${d}/`));
  const paths = got.paths.filter((p) => p !== '/' && !under(p, SYSTEM));
  runtime = { exe: got.exe, paths: [...new Set(paths)] };
  return runtime;
}

export const WORKER_MOUNT = {
  code: '/judge/code',
  weights: '/judge/final-weights.pt',
  python: '/judge/python',
};

export interface WorkerSandbox {
  codeDir: string; // the admitted code, mounted read-only at /judge/code
  weightsFile?: string; // a private copy of final-weights.pt (absent in shapes mode)
  threads: number;
  dtype?: string; // train.dtype: the worker evaluates in the harness's precision
  memoryBytes?: number;
  cpuSeconds: number;
}

/** The worker's command line: prlimit + bwrap + python worker.py <code> <weights|--shapes> <model json> <vocab>. */
export function workerCommand(o: WorkerSandbox, model: unknown, vocab: number): string[] {
  const rt = pythonRuntime();
  const gpus = gpuDevices();
  const prlimit = ['prlimit', `--cpu=${o.cpuSeconds}:${o.cpuSeconds + 10}`, '--fsize=0', '--core=0'];
  if (o.memoryBytes && gpus.length === 0) prlimit.push(`--as=${o.memoryBytes}`);
  const ro = (src: string, dst = src) => ['--ro-bind', src, dst];
  const bwrap = [
    sandboxStatus().bwrap,
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--die-with-parent', '--new-session', '--as-pid-1',
    ...SYSTEM.filter((d) => existsSync(d)).flatMap((d) => ro(d)),
    ...rt.paths.flatMap((d) => ro(d)),
    '--proc', '/proc',
    '--dev', '/dev',
    ...gpus.flatMap((d) => ['--dev-bind', d, d]),
    ...ro(realpathSync(o.codeDir), WORKER_MOUNT.code),
    ...ro(join(repoRoot, 'python'), WORKER_MOUNT.python),
    ...(o.weightsFile ? ro(o.weightsFile, WORKER_MOUNT.weights) : []),
    '--remount-ro', '/',
    '--chdir', WORKER_MOUNT.code,
    '--clearenv',
    '--setenv', 'PATH', '/usr/bin:/bin',
    '--setenv', 'OMP_NUM_THREADS', String(o.threads),
    '--setenv', 'OPENBLAS_NUM_THREADS', String(o.threads),
    '--setenv', 'FLYWHEEL_PYTHON_DIR', WORKER_MOUNT.python,
    '--setenv', 'PYTHONDONTWRITEBYTECODE', '1',
    '--setenv', 'FLYWHEEL_JUDGE_DTYPE', o.dtype ?? 'auto',
    '--setenv', 'HOME', '/nonexistent',
    '--',
  ]; // prettier-ignore
  return [
    ...prlimit,
    '--',
    ...bwrap,
    rt.exe,
    join(WORKER_MOUNT.python, 'judge', 'worker.py'),
    WORKER_MOUNT.code,
    o.weightsFile ? WORKER_MOUNT.weights : '--shapes',
    JSON.stringify(model),
    String(vocab),
  ];
}
