/**
 * Limits that hold across forks, for a trainer and everything it starts: how many processes it may
 * have and how much memory they may hold together. A per-process rlimit (RLIMIT_AS) does not stop
 * forked children from adding up, and RLIMIT_NPROC is not enforced for root (where CI and many
 * containers run), so the launcher watches the process tree instead: every `intervalMs` it reads
 * /proc, finds the trainer's descendants, counts them and sums their memory (PSS from smaps_rollup,
 * so pages shared after a fork count once; RSS where PSS is not available), and calls `kill` with the
 * reason once a limit is passed. In the sandbox, killing the wrapper takes the whole PID namespace down
 * at once (bwrap --die-with-parent), so a fork bomb cannot outrun it.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeLimits {
  maxProcs?: number;
  memoryBytes?: number;
}

export interface TreeUsage {
  procs: number;
  memoryBytes: number;
}

function ppidOf(stat: string): number {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[1]);
}

/** Pids of `root` and all its descendants (an empty list when `root` is gone). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let alive = false;
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (pid === root) alive = true;
    const pp = ppidOf(stat);
    const list = children.get(pp);
    if (list) list.push(pid);
    else children.set(pp, [pid]);
  }
  if (!alive) return [];
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

function memoryOf(pid: number): number {
  for (const [file, field] of [
    ['smaps_rollup', 'Pss:'],
    ['status', 'VmRSS:'],
  ] as const) {
    try {
      const text = readFileSync(`/proc/${pid}/${file}`, 'utf8');
      const at = text.indexOf(field);
      if (at >= 0) return parseInt(text.slice(at + field.length), 10) * 1024; // kB
    } catch {
      /* gone, or not readable: try the next */
    }
  }
  return 0;
}

export function treeUsage(root: number, withMemory = true): TreeUsage {
  const pids = processTree(root);
  let memoryBytes = 0;
  if (withMemory) for (const p of pids) memoryBytes += memoryOf(p);
  return { procs: pids.length, memoryBytes };
}

const MiB = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

/** What is over the limits, in one line, or undefined. */
export function overLimit(u: TreeUsage, l: TreeLimits): string | undefined {
  if (l.maxProcs && u.procs > l.maxProcs)
    return `process limit reached (${u.procs} processes, limit ${l.maxProcs})`;
  if (l.memoryBytes && u.memoryBytes > l.memoryBytes)
    return `memory limit reached (${MiB(u.memoryBytes)} across ${u.procs} processes, limit ${MiB(l.memoryBytes)})`;
  return undefined;
}

/** Starts watching `root`; returns a function that stops the watch. `kill` is called at most once. */
export function watchTree(
  root: number,
  limits: TreeLimits,
  kill: (reason: string) => void,
  intervalMs = 250,
): () => void {
  let done = false;
  const timer = setInterval(() => {
    if (done) return;
    let reason: string | undefined;
    try {
      reason = overLimit(treeUsage(root, !!limits.memoryBytes), limits);
    } catch {
      return; // /proc unreadable this tick
    }
    if (reason) {
      done = true;
      clearInterval(timer);
      kill(reason);
    }
  }, intervalMs);
  timer.unref();
  return () => {
    done = true;
    clearInterval(timer);
  };
}
