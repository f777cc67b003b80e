/**
 * A trainer as a local child process: stdout/stderr from pipes to size-capped log files (capped-log.ts;
 * the orchestrator keeps their tails in memory and never reads them back), stop = SIGTERM, then SIGKILL
 * after a grace period, then wait for the exit. Optional limits on the whole process tree (count and
 * memory, watchdog.ts) kill it when passed. The executors (src/executors) build on this.
 *
 * The trainer gets its own process group (`detached`), and stops go to the whole group, so a trainer
 * started through a shell wrapper stops too. A Ctrl-C at the terminal therefore reaches only the
 * orchestrator, which stops its runs; groups still alive when it exits get SIGTERM.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CappedLog } from './capped-log.ts';
import { processTree, watchTree, type TreeLimits } from './watchdog.ts';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TrainerProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  /** Invoked for each complete stdout line (after it is written to stdout.log). */
  onStdoutLine?: (line: string) => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  terminate(graceMs: number): Promise<ExitInfo>;
  kill(): void;
  isAlive(): boolean;
  /** Scheduler job id when the process runs under a batch system (Slurm); recorded in the run's tags. */
  readonly jobId?: string;
  /** True while a batch job waits in the queue: the heartbeat window does not run yet. */
  isPending?(): boolean;
  /** The last lines of its stderr, from memory (a local process); absent where only a file has them. */
  stderrTail?(lines?: number): string;
  /** Why the launcher's watchdog killed it (a process or memory limit), once it did. */
  limitHit?(): string | undefined;
}

/** The longest stdout line handed to `onStdoutLine`; a longer one is dropped whole (not buffered). */
export const MAX_STDOUT_LINE = 64 << 10;

export interface SpawnOptions {
  command: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  logDir: string; // stdout.log, stderr.log go here
  logBytes?: number; // cap per log file (default: capped-log.ts)
  limits?: TreeLimits; // process count and memory of the whole tree
}

/** Process groups of live trainers (each trainer leads its own). */
const groups = new Set<number>();
let exitHook = false;

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* the group is gone */
  }
}

function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

export function spawnTrainer(opts: SpawnOptions): TrainerProcess {
  const [cmd, ...args] = opts.command;
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pgid = child.pid;
  if (pgid !== undefined) groups.add(pgid);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => groups.forEach((g) => signalGroup(g, 'SIGTERM')));
  }
  const out = new CappedLog(join(opts.logDir, 'stdout.log'), opts.logBytes);
  const err = new CappedLog(join(opts.logDir, 'stderr.log'), opts.logBytes);
  let alive = true;
  let partial = '';
  let skipping = false; // inside a stdout line longer than MAX_STDOUT_LINE
  let limitHit: string | undefined;
  const send = (sig: NodeJS.Signals) => {
    if (alive && pgid !== undefined) signalGroup(pgid, sig);
  };
  const unwatch =
    pgid !== undefined && (opts.limits?.maxProcs || opts.limits?.memoryBytes)
      ? watchTree(pgid, opts.limits, (reason) => {
          limitHit = reason;
          err.note(`\nflywheel: ${reason}; killed\n`);
          const tree = processTree(pgid);
          send('SIGKILL'); // the wrapper first: in the sandbox that takes the PID namespace with it
          for (const p of tree) signalPid(p, 'SIGKILL');
        })
      : () => undefined;
  const handle: TrainerProcess = {
    pid: child.pid,
    exited: new Promise<ExitInfo>((resolve) => {
      child.on('error', (e) => {
        err.note(`flywheel: failed to start ${cmd}: ${e.message}\n`);
        unwatch();
        out.close();
        err.close();
        alive = false;
        if (pgid !== undefined) groups.delete(pgid);
        resolve({ code: 127, signal: null });
      });
      child.on('close', (code, signal) => {
        alive = false;
        unwatch();
        if (pgid !== undefined) groups.delete(pgid);
        if (partial && !skipping) handle.onStdoutLine?.(partial);
        out.close();
        err.close();
        resolve({ code, signal });
      });
    }),
    async terminate(graceMs: number) {
      send('SIGTERM');
      const timer = setTimeout(() => send('SIGKILL'), graceMs);
      const info = await handle.exited;
      clearTimeout(timer);
      return info;
    },
    kill() {
      send('SIGKILL');
    },
    isAlive: () => alive,
    stderrTail: (lines = 30) => err.tailText(lines),
    limitHit: () => limitHit,
  };
  child.stdout.on('data', (chunk: Buffer) => {
    out.write(chunk);
    if (!handle.onStdoutLine) return;
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (!skipping) handle.onStdoutLine(l);
      skipping = false;
    }
    if (partial.length > MAX_STDOUT_LINE) {
      partial = ''; // the rest of this line is dropped as it comes
      skipping = true;
    }
  });
  child.stderr.on('data', (chunk: Buffer) => err.write(chunk));
  return handle;
}

/** True when a pid exists (signal 0 probes without sending anything). */
export function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Signal a trainer by its stored pid from outside its orchestrator (dashboard stop, orphan reconcile):
 * its whole process group when it leads one (every trainer spawned here does), else the pid alone.
 */
export function signalTrainer(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    process.kill(pid, sig);
  }
}
