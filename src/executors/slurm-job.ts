/**
 * One Slurm batch job seen as a TrainerProcess: the Slurm CLI wrapper, the files a job is submitted with
 * (an env file and a batch script in the run dir), and the handle that watches the job (`squeue`),
 * reads how it ended (`scontrol show job`, else `sacct`), signals it (`scancel`) and tails its stdout.log.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, closeSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { openRegularNoFollow } from '../security/safe-read.ts';
import { StringDecoder } from 'node:string_decoder';
import type { ExitInfo, TrainerProcess } from '../runs/process.ts';

export interface CmdResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  missing?: boolean; // the binary is not on PATH
}

/** Run a Slurm client command. Never throws; every call has a timeout (a stuck controller must not hang us). */
export function slurmCmd(
  cmd: string,
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 30_000, env: opts.env, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        resolve({ ok: !err, stdout, stderr: stderr || (err?.message ?? ''), missing: code === 'ENOENT' });
      },
    );
  });
}

export const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

/** POSIX single-quoting: safe for spaces, quotes, `$`, backticks, backslashes and newlines. */
export const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The run's environment as a sourced shell file, holding only what differs from `base` (the submitting
 * process's environment, which `sbatch --export=ALL` carries to the job anyway): so the run dir does not
 * get a copy of every variable (API keys included) the orchestrator happens to have.
 */
export function envFileText(
  env: Record<string, string | undefined>,
  base: Record<string, string | undefined>,
): string {
  const lines = [
    '# Written by flywheel: the run environment, as far as it differs from the submitting shell',
  ];
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && base[k] !== v && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      lines.push(`export ${k}=${shQuote(v)}`);
  }
  for (const k of Object.keys(base)) {
    if (env[k] === undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`unset ${k}`);
  }
  return lines.join('\n') + '\n';
}

/** `exec` so the trainer *is* the batch step: `scancel --signal=TERM --full` reaches its handler. */
export function batchScript(runId: string, envFile: string, command: string[]): string {
  return [
    '#!/bin/sh',
    `# flywheel run ${runId}`,
    `. ${shQuote(envFile)}`,
    `exec ${command.map(shQuote).join(' ')}`,
    '',
  ].join('\n');
}

const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);
const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
]);

/** Slurm's end state and ExitCode "code:signal" -> ExitInfo. */
export function exitInfoOf(state: string, exitCode: string): ExitInfo {
  const st = state.split(' ')[0]; // "CANCELLED by 0"
  const [code, sig] = exitCode.split(':').map(Number);
  if (sig > 0) return { code: null, signal: SIGNAL_NAMES.get(sig) ?? 'SIGKILL' };
  if (st === 'COMPLETED' || code > 0) return { code: code || 0, signal: null };
  // Ended by Slurm with no status of its own (cancelled while pending, node failure, ...).
  return {
    code: null,
    signal: st === 'CANCELLED' || st === 'TIMEOUT' || st === 'PREEMPTED' ? 'SIGTERM' : 'SIGKILL',
  };
}

/** The controller may be unreachable for this long (restart, failover) before a job counts as lost. */
const LOST_AFTER_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SlurmJob implements TrainerProcess {
  readonly pid = undefined; // the trainer runs on a compute node; `jobId` names it
  readonly exited: Promise<ExitInfo>;
  onStdoutLine?: (line: string) => void;
  private alive = true;
  private pending = true;
  private outOffset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(
    readonly jobId: string,
    private readonly runDir: string,
    private readonly pollMs: number,
  ) {
    this.exited = this.watch();
  }

  isAlive(): boolean {
    return this.alive;
  }

  isPending(): boolean {
    return this.alive && this.pending;
  }

  /** SIGTERM to the trainer (its handler runs), SIGKILL after `graceMs`, resolve once the job left the queue. */
  async terminate(graceMs: number): Promise<ExitInfo> {
    if (!this.alive) return this.exited;
    await this.signal('TERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.alive) void this.signal('KILL');
  }

  /** `squeue` state, '' once the job left the queue, undefined when the controller did not answer. */
  private async queueState(): Promise<string | undefined> {
    const r = await slurmCmd('squeue', ['-h', '-j', this.jobId, '-o', '%T'], { timeoutMs: 20_000 });
    if (r.ok) return firstLine(r.stdout);
    return /invalid job id/i.test(r.stderr) ? '' : undefined;
  }

  private async signal(sig: 'TERM' | 'KILL'): Promise<void> {
    // A pending job cannot be signalled (scancel retries for a minute): cancel it outright.
    if ((await this.queueState()) !== 'PENDING') {
      const r = await slurmCmd('scancel', [`--signal=${sig}`, '--full', this.jobId], { timeoutMs: 10_000 });
      if (r.ok) return;
    }
    await slurmCmd('scancel', [this.jobId], { timeoutMs: 10_000 });
  }

  private async watch(): Promise<ExitInfo> {
    let answered = Date.now();
    for (;;) {
      await sleep(this.pollMs);
      this.tailStdout();
      const state = await this.queueState();
      if (state === undefined && Date.now() - answered < LOST_AFTER_MS) continue;
      if (state === undefined || state === '' || ENDED.has(state)) break;
      this.pending = state === 'PENDING' || state === 'CONFIGURING';
      answered = Date.now();
    }
    const end = await this.endState();
    this.alive = false;
    this.tailStdout(true);
    if (end?.state.startsWith('COMPLETED')) return exitInfoOf(end.state, end.exitCode);
    // Leave the reason where the launcher looks for it: the last line of stderr.log.
    const note = end
      ? `ended ${end.state} (ExitCode ${end.exitCode})`
      : 'left the queue and Slurm has no record of how it ended';
    try {
      appendFileSync(join(this.runDir, 'stderr.log'), `flywheel: slurm job ${this.jobId} ${note}\n`);
    } catch {
      /* run dir gone */
    }
    return end ? exitInfoOf(end.state, end.exitCode) : { code: null, signal: 'SIGKILL' };
  }

  /** The controller keeps a finished job for MinJobAge; accounting (slurmdbd) keeps it for good but may lag. */
  private async endState(): Promise<{ state: string; exitCode: string } | undefined> {
    const sc = await slurmCmd('scontrol', ['show', 'job', '-o', this.jobId], { timeoutMs: 20_000 });
    const state = /\bJobState=(\S+)/.exec(sc.stdout)?.[1];
    const exitCode = /\bExitCode=(\d+:\d+)/.exec(sc.stdout)?.[1];
    if (sc.ok && state && exitCode && ENDED.has(state)) return { state, exitCode };
    const sa = await slurmCmd('sacct', ['-j', this.jobId, '-X', '-n', '-P', '-o', 'State,ExitCode'], {
      timeoutMs: 20_000,
    });
    const [s, e] = firstLine(sa.stdout).split('|');
    return sa.ok && s && e ? { state: s, exitCode: e } : undefined;
  }

  /** Feed new complete lines of stdout.log to `onStdoutLine` (the stdout regex adapter). */
  private tailStdout(final = false): void {
    if (!this.onStdoutLine) return;
    let fd: number;
    try {
      fd = openRegularNoFollow(join(this.runDir, 'stdout.log')); // never through a planted symlink
    } catch {
      return; // not created until the job starts
    }
    try {
      const buf = Buffer.alloc(1 << 16);
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, this.outOffset)) > 0) {
        this.outOffset += n;
        const lines = (this.partial + this.decoder.write(buf.subarray(0, n))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const l of lines) this.onStdoutLine(l);
      }
    } finally {
      closeSync(fd);
    }
    if (final && this.partial) {
      this.onStdoutLine(this.partial);
      this.partial = '';
    }
  }
}
