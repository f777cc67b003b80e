/**
 * The sandbox for agent-written trainer code: bubblewrap (Debian `bubblewrap`) plus resource limits.
 *
 * Inside: no network (`--unshare-net`: only a loopback), own PID/IPC/UTS namespaces, and a filesystem
 * built from nothing (SECURITY.md, "What the sandbox guarantees"): read-only binds of the system's
 * programs and libraries (/usr, the /bin and /lib* links, the /etc files the loader and Python read:
 * runtime.ts), the interpreter's own prefixes and package folders when it lives elsewhere (a pyenv,
 * venv or conda Python, found by asking it), the dataset, the repository's python/ (flywheel_log) and
 * the checkpoint a promoted run resumes from; the run dir is the only writable folder, with its code
 * snapshot, config.json and the orchestrator's logs (stdout.log, stderr.log) bound read-only on top,
 * so agent code can neither change them nor replace them with symlinks (a mount point cannot be
 * renamed or removed). Nothing else is there: not $HOME, not FLYWHEEL_HOME (the store, other runs),
 * not /run or the host's /tmp (so no host unix sockets), not the rest of /etc. A private /dev (GPUs,
 * `/dev/nvidia*`, passed through when present) and /proc. FLYWHEEL_SANDBOX_RO (paths separated by
 * ':') adds read-only binds a trainer needs (e.g. a CUDA toolkit under /opt). The environment is
 * cleared (`--clearenv`): only the variables ENV_ALLOW names enter (no API keys), HOME and
 * FLYWHEEL_HOME (only used for the device-peak cache) point at `<runDir>/sandbox-home`, seeded with
 * the real cache file, and TMPDIR at `<runDir>/tmp`.
 *
 * Limits (prlimit, outside bwrap, inherited by everything inside): address space per process
 * FLYWHEEL_SANDBOX_MEMORY (bytes, or 16g/512m; default min(16 GiB, 3/4 of RAM); not applied when GPUs
 * are passed through: CUDA reserves huge virtual ranges), CPU time FLYWHEEL_SANDBOX_CPU_SECONDS (default
 * 8 h), file size FLYWHEEL_SANDBOX_FILE_BYTES (default 16 GiB), processes (RLIMIT_NPROC, when not root:
 * the kernel does not enforce it for root); wall time FLYWHEEL_SANDBOX_WALL_SECONDS (default 4 h, or 3x
 * the run's seconds budget + 5 min) via coreutils `timeout` inside. The same memory (for all processes
 * together) and FLYWHEEL_SANDBOX_PROCS (default 256 processes) are enforced across forks by the
 * launcher's watchdog on the process tree (src/runs/watchdog.ts; `treeLimits`), and the wall time by
 * the launcher too.
 *
 * Signals: bwrap does not forward SIGTERM to its child, and the protocol's graceful stop needs it. So
 * the command is `sh -c <forwarder> ... bwrap --as-pid-1 --info-fd 3 ... timeout ... <trainer>`: the
 * shell learns the sandbox's pid from bwrap's info fd and sends it SIGTERM; `timeout`, as PID 1 inside,
 * passes it on to the trainer. The info file lives in a private owner-only folder beside the run dir (`<runDir>.sandbox.<pid>`, never bound into the sandbox)
 * (a pid the sandboxed code could write would let it aim our SIGTERM at any process), and the pid is
 * signalled only while bwrap is its parent. bwrap runs in its own session, so a stop sent to the
 * shell's process group (src/runs/process.ts) reaches it only through the shell. SIGKILL of the shell
 * takes bwrap down (`--die-with-parent`), and the PID namespace with it.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
} from 'node:fs';
import { totalmem } from 'node:os';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';
import { META_FILE, TOKEN_BYTES_FILE } from '../data/format.ts';
import { flywheelHome, repoRoot, runsRoot } from '../home.ts';
import type { TreeLimits } from '../runs/watchdog.ts';
import { pythonRuntime, systemBinds } from './runtime.ts';

export interface SandboxStatus {
  ok: boolean;
  bwrap: string;
  reason?: string; // why not, one line
}

let cached: SandboxStatus | undefined;

/** Whether bubblewrap works here with the namespaces we use (probed once per process; FLYWHEEL_BWRAP picks the binary). */
export function sandboxStatus(refresh = false): SandboxStatus {
  if (cached && !refresh) return cached;
  const bwrap = process.env.FLYWHEEL_BWRAP ?? 'bwrap';
  const r = spawnSync(
    bwrap,
    [
      '--unshare-net',
      '--unshare-pid',
      '--die-with-parent',
      '--clearenv',
      '--ro-bind',
      '/',
      '/',
      '--tmpfs',
      '/tmp',
      '--dev',
      '/dev',
      '--proc',
      '/proc',
      'true',
    ],
    {
      encoding: 'utf8',
      timeout: 10_000,
    },
  );
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    cached = {
      ok: false,
      bwrap,
      reason: missing
        ? `${bwrap} not found (Debian: apt-get install bubblewrap)`
        : `${bwrap}: ${r.error.message}`,
    };
  } else if (r.status !== 0) {
    const err = (r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`;
    const userns = /namespace|permission|operation not permitted|setting up uid map/i.test(err);
    cached = {
      ok: false,
      bwrap,
      reason: `${bwrap} cannot create a sandbox here: ${err}${userns ? ' (user namespaces look disabled: enable kernel.unprivileged_userns_clone, or run the container with user namespaces allowed)' : ''}`,
    };
  } else cached = { ok: true, bwrap };
  return cached;
}

export interface SandboxLimits {
  memoryBytes?: number; // RLIMIT_AS per process, and all processes together (the launcher's watchdog)
  cpuSeconds?: number; // RLIMIT_CPU (all threads together)
  fileBytes?: number; // RLIMIT_FSIZE
  maxProcs?: number; // processes at once (the launcher's watchdog; RLIMIT_NPROC too when not root)
  wallSeconds: number;
}

/** The limits the launcher enforces on the whole process tree (LaunchOptions.limits). */
export const treeLimits = (l: SandboxLimits): TreeLimits => ({
  maxProcs: l.maxProcs,
  memoryBytes: l.memoryBytes,
});

function parseBytes(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new Error(`cannot read "${v}" as a size (e.g. 16g, 512m, 1073741824)`);
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[
    m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  return Math.round(Number(m[1]) * mult);
}

const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

export function gpuDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((n) => n.startsWith('nvidia'))
      .map((n) => join('/dev', n));
  } catch {
    return [];
  }
}

/** Limits from the environment; `budgetSeconds` (the run's own time budget) tightens the wall limit. 0 = no limit. */
export function sandboxLimits(budgetSeconds?: number, env = process.env): SandboxLimits {
  const mem =
    parseBytes(env.FLYWHEEL_SANDBOX_MEMORY) ?? Math.min(16 * 2 ** 30, Math.floor(totalmem() * 0.75));
  const wallDefault = budgetSeconds ? Math.min(4 * 3600, 3 * budgetSeconds + 300) : 4 * 3600;
  return {
    memoryBytes: mem > 0 ? mem : undefined,
    cpuSeconds: (num(env.FLYWHEEL_SANDBOX_CPU_SECONDS) ?? 8 * 3600) || undefined,
    fileBytes: (parseBytes(env.FLYWHEEL_SANDBOX_FILE_BYTES) ?? 16 * 2 ** 30) || undefined,
    maxProcs: (num(env.FLYWHEEL_SANDBOX_PROCS) ?? 256) || undefined,
    wallSeconds: num(env.FLYWHEEL_SANDBOX_WALL_SECONDS) ?? wallDefault,
  };
}

/**
 * Environment variables that enter the sandbox (names, as an ERE): locale, the interpreter's and the
 * thread pools' settings, the GPU choice and Flywheel's own run settings. ENV_DENY wins, so API keys,
 * tokens and database URLs stay out even under an allowed prefix.
 */
const ENV_ALLOW =
  '(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|PYTHON[A-Z]*|VIRTUAL_ENV|PYENV_ROOT|LD_LIBRARY_PATH|(OMP|MKL|OPENBLAS)_[A-Z_]+|CUDA_[A-Z_]+|FLYWHEEL_[A-Z0-9_]+)';
const ENV_DENY = '(FLYWHEEL_(DB|PARENT_PID)|.*(KEY|TOKEN|SECRET|PASSW|CREDENTIAL|URL).*)';

/**
 * Runs bwrap with the allowed variables (as `--setenv` args on fd 4), forwards SIGTERM/INT/HUP to the
 * sandbox's PID 1 (from bwrap's --info-fd, kept in a private folder), waits, exits with its status.
 */
const FORWARDER = [
  // the private folder sits beside the run dir (never bound into the sandbox), not in /tmp: a forwarder
  // killed with SIGKILL leaves it with the run, not in the machine's temp folder
  'allow=$1 deny=$2 d=$3.$$; shift 3',
  '(umask 077 && mkdir "$d") || exit 1',
  'for n in $(env | sed -n \'s/^\\([A-Za-z_][A-Za-z0-9_]*\\)=.*/\\1/p\' | grep -Ex "$allow" | grep -vEx "$deny"); do',
  '  v=$(printenv "$n") && printf \'%s\\0\' --setenv "$n" "$v"',
  'done >"$d/env"',
  // the trap is set before the sandbox starts: a stop that comes early (a loaded machine) is held
  // and forwarded once bwrap's pid is known, instead of killing this shell with 143
  'b= pending=',
  'fwd() {',
  '  [ -n "$b" ] || { pending=1; return; }',
  // bwrap writes the child's pid to its info fd after the child starts: on a loaded machine the
  // child can be running (and a stop can come) before it is there, so wait for it up to ~3 s
  '  i=0; while :; do',
  '    c=$(sed -n \'s/.*"child-pid": *\\([0-9][0-9]*\\).*/\\1/p\' "$d/info" 2>/dev/null)',
  '    [ -n "$c" ] || [ $i -ge 30 ] || ! kill -0 "$b" 2>/dev/null && break',
  '    i=$((i + 1)); sleep 0.1',
  '  done',
  '  grep -qx "PPid:[[:space:]]*$b" "/proc/${c:-x}/status" 2>/dev/null || c=$b',
  '  kill -TERM "$c" 2>/dev/null',
  '}',
  'trap fwd TERM INT HUP',
  'setsid "$@" 3>"$d/info" 4<"$d/env" &',
  'b=$!',
  '[ -z "$pending" ] || fwd',
  // a `wait` cut short by a trapped stop returns 128+n; the external commands in fwd may reap bwrap
  // meanwhile (the shell keeps its status), so a status over 128 is asked for once more before it is
  // taken: otherwise a graceful stop (exit 0 inside) would read as 143
  'while :; do',
  '  wait "$b"; s=$?',
  '  [ "$s" -gt 128 ] && kill -0 "$b" 2>/dev/null && continue',
  '  [ "$s" -gt 128 ] && { wait "$b" 2>/dev/null; t=$?; [ "$t" = 127 ] || s=$t; }',
  '  rm -rf "$d"; exit "$s"',
  'done',
].join('\n');

export interface WrapOptions {
  runDir: string;
  codeDir: string; // mounted read-only
  home?: string; // FLYWHEEL_HOME of the orchestrator (its device-peak cache is copied in)
  limits: SandboxLimits;
  bwrap?: string;
}

/** The dataset folder the run reads (from its config.json), bound read-only. */
function dataDirOf(runDir: string): string | undefined {
  try {
    const dir = (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { data?: { dir?: string } })
      .data?.dir;
    return dir ? resolve(runDir, dir) : undefined;
  } catch {
    return undefined;
  }
}

const inside = (p: string, dir: string) => p.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * The checkpoint a promoted run resumes from (config.json `resume.checkpoint`), when it is another
 * run's: bound read-only so the run can load it, and only when it is a regular file in a run's
 * `checkpoints/` folder with no symlink on the way (the parent run was agent code too, it wrote that
 * folder, and the path came from its own `checkpoint` event).
 */
export function resumeCheckpointOf(runDir: string, runs = runsRoot()): string | undefined {
  let ckpt: string | undefined;
  try {
    ckpt = (
      JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { resume?: { checkpoint?: string } }
    ).resume?.checkpoint;
  } catch {
    return undefined;
  }
  if (!ckpt || !isAbsolute(ckpt) || inside(resolve(ckpt), runDir)) return undefined;
  const p = resolve(ckpt);
  try {
    const root = realpathSync(runs);
    const parts = inside(p, root) ? p.slice(root.length + 1).split(sep) : [];
    // <runs>/<runId>/checkpoints/<file>: a checkpoint, never another run's config, events or logs
    if (parts.length !== 3 || parts[1] !== 'checkpoints') return undefined;
    if (realpathSync(p) !== p || !lstatSync(p).isFile()) return undefined;
    return p;
  } catch {
    return undefined;
  }
}

/** Creates `path` when missing (never through a symlink), so it can be bound read-only over itself. */
function touch(path: string): void {
  closeSync(
    openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW, 0o644),
  );
}

/** Tasks (processes and threads) of this user now: RLIMIT_NPROC counts them all, so the limit is on top. */
function userTasks(): number {
  const uid = process.getuid?.() ?? 0;
  let n = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (lstatSync(`/proc/${name}`).uid === uid) n += readdirSync(`/proc/${name}/task`).length;
    } catch {
      /* gone */
    }
  }
  return n;
}

/**
 * The dataset as the training sandbox sees it: meta.json, the token table and the train shards, bound
 * one by one over an empty read-only folder, so the val shards (which the trusted judge scores on,
 * src/judge/) cannot be read, let alone trained on.
 */
export function datasetBinds(dataDir: string | undefined): string[] {
  if (!dataDir || !existsSync(dataDir)) return [];
  const seen = readdirSync(dataDir).filter(
    (n) => n === META_FILE || n === TOKEN_BYTES_FILE || n.endsWith('.train.u16'),
  );
  return [
    '--tmpfs', dataDir,
    ...seen.flatMap((n) => ['--ro-bind', join(dataDir, n), join(dataDir, n)]),
    '--remount-ro', dataDir,
  ]; // prettier-ignore
}

/** The trainer command, wrapped. Prepares `<runDir>/sandbox-home` and the log files as a side effect. */
export function wrapInSandbox(command: string[], o: WrapOptions): string[] {
  const home = join(o.runDir, 'sandbox-home');
  const tmp = join(o.runDir, 'tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const peak = o.home ? join(o.home, 'device-peak.json') : undefined;
  if (peak && existsSync(peak)) copyFileSync(peak, join(home, 'device-peak.json'));
  // the orchestrator's files in the run dir, pinned read-only inside (they must exist to be bound)
  const pinned = ['stdout.log', 'stderr.log', 'config.json'].map((f) => join(o.runDir, f));
  for (const f of pinned) touch(f);
  const gpus = gpuDevices();
  const L = o.limits;
  const prlimit = ['prlimit'];
  if (L.memoryBytes && gpus.length === 0) prlimit.push(`--as=${L.memoryBytes}`);
  if (L.cpuSeconds) prlimit.push(`--cpu=${L.cpuSeconds}:${L.cpuSeconds + 30}`);
  if (L.fileBytes) prlimit.push(`--fsize=${L.fileBytes}`);
  if (L.maxProcs && process.getuid?.() !== 0) prlimit.push(`--nproc=${userTasks() + 16 * L.maxProcs}`);
  prlimit.push('--');
  // the interpreter: asked where it lives, and run by its real path (a pyenv shim needs $HOME)
  const protect = [o.home ?? flywheelHome(), runsRoot(), o.runDir];
  const py = /^python/.test(basename(command[0] ?? '')) ? pythonRuntime(command[0], protect) : undefined;
  const cmd = py ? [py.executable, ...command.slice(1)] : command;
  const extra = (process.env.FLYWHEEL_SANDBOX_RO ?? '').split(':').filter((p) => isAbsolute(p));
  const resume = resumeCheckpointOf(o.runDir);
  const readOnly = [...(py?.paths ?? []), ...extra, join(repoRoot, 'python'), ...(resume ? [resume] : [])];
  const sys = gpus.length ? ['/sys'] : ['/sys/devices/system/cpu']; // CPU topology; CUDA reads more
  const bwrap = [
    o.bwrap ?? sandboxStatus().bwrap,
    '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts',
    '--die-with-parent', '--as-pid-1', '--new-session',
    ...systemBinds(),
    ...sys.flatMap((d) => ['--ro-bind-try', d, d]),
    '--tmpfs', '/tmp',
    '--dev', '/dev',
    ...gpus.flatMap((d) => ['--dev-bind', d, d]),
    '--proc', '/proc',
    ...readOnly.flatMap((d) => ['--ro-bind-try', d, d]),
    ...datasetBinds(dataDirOf(o.runDir)),
    '--bind', o.runDir, o.runDir,
    '--ro-bind', o.codeDir, o.codeDir,
    ...pinned.flatMap((f) => ['--ro-bind', f, f]),
    '--remount-ro', '/tmp',
    '--chdir', o.runDir,
    '--clearenv',
    ...(py?.userSite ? ['--ro-bind', py.userSite, py.userSite, '--setenv', 'PYTHONUSERBASE', resolve(py.userSite, '../../..')] : []),
    '--args', '4', // the allowed variables, from the forwarder
    '--setenv', 'HOME', home,
    '--setenv', 'FLYWHEEL_HOME', home,
    '--setenv', 'TMPDIR', tmp,
    '--info-fd', '3',
    '--',
  ]; // prettier-ignore
  const timeout = L.wallSeconds > 0 ? ['timeout', '-k', '15', String(Math.ceil(L.wallSeconds))] : [];
  return [
    'sh',
    '-c',
    FORWARDER,
    'flywheel-sandbox',
    ENV_ALLOW,
    ENV_DENY,
    `${o.runDir.replace(/\/+$/, '')}.sandbox`,
    ...prlimit,
    ...bwrap,
    ...timeout,
    ...cmd,
  ];
}

/**
 * A failed sandboxed run's reason, said plainly when the sandbox is what stopped it (the trainer's
 * own message, e.g. "OSError: [Errno 101] Network is unreachable", stays in the text).
 */
export function explainSandboxFailure(reason: string): string | undefined {
  if (
    /Network is unreachable|Errno 101|Temporary failure in name resolution|Name or service not known|Errno -3\b/.test(
      reason,
    )
  ) {
    return `sandbox: network access blocked (${reason})`;
  }
  if (/Read-only file system|Errno 30\b/.test(reason))
    return `sandbox: write blocked, only the run dir is writable and its code is read-only (${reason})`;
  if (/killed by SIGXCPU|CPU time limit/.test(reason)) return `sandbox: CPU time limit reached (${reason})`;
  if (/MemoryError|Cannot allocate memory|std::bad_alloc/.test(reason))
    return `sandbox: memory limit reached (${reason})`;
  if (/exited with code 124\b/.test(reason)) return `sandbox: wall-time limit reached (${reason})`;
  return undefined;
}
