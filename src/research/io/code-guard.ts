/**
 * How a run of agent-written code is launched: inside the sandbox (unless the user opted out), with its
 * patch as the run's provenance, and with the fixed parts verified before and after the run.
 *
 * Verified (sha256): harness.py in the run's code snapshot and in the source trainer folder, against
 * the hash taken when the session first prepared a code experiment; every file of the dataset folder
 * (meta.json, token table, shards); and the patched code itself (the snapshot must be exactly what was
 * admitted, and the session's copy must not change under later runs). A mismatch fails the run as
 * `tampered: ...` (see LaunchOptions.verify). Under the sandbox these files are read-only anyway; the
 * check is what catches it without one (--unsafe-no-sandbox) and is the evidence either way.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../../config/train-config.ts';
import { flywheelHome } from '../../home.ts';
import { judgeStep } from '../../judge/apply.ts';
import type { LaunchOptions } from '../../runs/launch.ts';
import { DEFAULT_TRAINER_DIR, gitProvenance, hashCode } from '../../runs/run-dir.ts';
import type { RunStatus } from '../../store/base.ts';
import {
  explainSandboxFailure,
  sandboxLimits,
  sandboxStatus,
  treeLimits,
  wrapInSandbox,
} from '../../sandbox/bwrap.ts';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** sha256 over (name, content) of every file in a dataset folder; '' when there is none. */
export function dataHash(dir: string | undefined): string {
  if (!dir || !existsSync(dir)) return '';
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isFile()) continue;
    h.update(name).update('\0').update(readFileSync(p)).update('\0');
  }
  return h.digest('hex');
}

export interface IntegrityRef {
  trainerDir: string;
  harness: string; // sha256 of harness.py
  data: string; // dataHash of the dataset folder
  dataDir?: string;
}

const refs = new Map<string, IntegrityRef>();

/** The known-good hashes, taken once per (trainer, dataset) per process, before any agent code runs. */
export function integrityRef(trainerDir: string, dataDir: string | undefined): IntegrityRef {
  const key = `${trainerDir}\0${dataDir ?? ''}`;
  let r = refs.get(key);
  if (!r) {
    r = { trainerDir, harness: sha256(join(trainerDir, 'harness.py')), data: dataHash(dataDir), dataDir };
    refs.set(key, r);
  }
  return r;
}

export function trainerDirOf(config: TrainConfig): string {
  return config.trainer.dir ?? DEFAULT_TRAINER_DIR;
}

/** What changed, or undefined. `runCode` = the run's snapshot; `expectCodeHash` = the admitted patch. */
export function checkIntegrity(
  ref: IntegrityRef,
  runCode: string,
  sessionCode: string,
  expectCodeHash: string,
): string | undefined {
  const bad: string[] = [];
  const harnessOf = (dir: string) =>
    existsSync(join(dir, 'harness.py')) ? sha256(join(dir, 'harness.py')) : 'missing';
  if (harnessOf(runCode) !== ref.harness)
    bad.push(`harness.py in the run's code changed (${join(runCode, 'harness.py')})`);
  if (harnessOf(ref.trainerDir) !== ref.harness)
    bad.push(`the trainer's harness.py changed (${join(ref.trainerDir, 'harness.py')})`);
  if (dataHash(ref.dataDir) !== ref.data) bad.push(`the dataset changed (${ref.dataDir})`);
  if (existsSync(sessionCode) && hashCode(sessionCode).codeHash !== expectCodeHash)
    bad.push(`the patched code changed (${sessionCode})`);
  return bad.length ? bad.join('; ') : undefined;
}

export interface CodeRun {
  codeDir: string; // the admitted, patched trainer folder
  codeHash: string;
  sandbox: 'bwrap' | 'none';
}

/** The patch file stored beside a patched trainer folder. */
export const patchFileOf = (codeDir: string) => `${codeDir}.patch`;

export type CodeLaunchOptions = Required<
  Pick<LaunchOptions, 'codeFrom' | 'extraHash' | 'provenance' | 'verify' | 'unsafeNoSandbox'>
> &
  Pick<LaunchOptions, 'wrapCommand' | 'limits' | 'wallSeconds' | 'judge'> & {
    /** A failed run's reason, said plainly when the sandbox stopped it. */
    explain: (s: { status: RunStatus; reason: string }) => { status: RunStatus; reason: string };
  };

/**
 * Launch options for a run of patched code (a smoke run or a trial rung). Sandboxed runs are judged
 * (src/judge/): their val numbers come from the trusted judge, and a model costlier than
 * `admittedFlopsPerToken` fails. Without the sandbox there is no judge either (--unsafe-no-sandbox), and
 * none for a config whose trainer.command runs something other than the patched train.py.
 */
export function codeLaunchOptions(
  code: CodeRun,
  config: TrainConfig,
  ref = integrityRef(trainerDirOf(config), config.data.dir),
  admittedFlopsPerToken?: number,
): CodeLaunchOptions {
  const codeDiff = existsSync(patchFileOf(code.codeDir))
    ? readFileSync(patchFileOf(code.codeDir), 'utf8')
    : undefined;
  const base = gitProvenance(ref.trainerDir, hashCode(ref.trainerDir).codeHash);
  const limits = sandboxLimits(config.budget.seconds);
  const home = flywheelHome();
  // Decided at admission, but never weaker than today allows: with bubblewrap here (a resumed session,
  // another machine) agent code is sandboxed even if it was admitted under --unsafe-no-sandbox.
  const sandbox = code.sandbox === 'none' && sandboxStatus().ok ? 'bwrap' : code.sandbox;
  return {
    codeFrom: code.codeDir,
    extraHash: code.codeHash,
    provenance: { codeCommit: base.codeCommit, codeDiff },
    unsafeNoSandbox: sandbox === 'none',
    wrapCommand:
      sandbox === 'bwrap'
        ? (command, run) => wrapInSandbox(command, { runDir: run.runDir, codeDir: run.codeDir, home, limits })
        : undefined,
    // limits across forks and the wall clock, enforced by the launcher (with or without the sandbox)
    limits: treeLimits(limits),
    wallSeconds: limits.wallSeconds > 0 ? limits.wallSeconds + 60 : 0,
    // a config with its own trainer.command does not run the patched train.py: nothing for the judge to rebuild
    judge:
      sandbox === 'bwrap' && !config.trainer.command
        ? judgeStep({ codeDir: code.codeDir, config, admittedFlopsPerToken })
        : undefined,
    verify: (phase, run) => {
      if (phase === 'before' && hashCode(run.codeDir).codeHash !== code.codeHash)
        return `the run's code snapshot is not the admitted patch (${run.codeDir})`;
      return checkIntegrity(ref, run.codeDir, code.codeDir, code.codeHash);
    },
    explain: (s) => {
      if (s.status !== 'failed' || sandbox !== 'bwrap') return s;
      const plain = explainSandboxFailure(s.reason);
      return plain ? { status: s.status, reason: plain } : s;
    },
  };
}

/** Whether code experiments may run, and how: the one place the sandbox policy is decided. */
export function codePolicy(
  unsafeNoSandbox: boolean,
): { ok: true; sandbox: 'bwrap' | 'none' } | { ok: false; reason: string } {
  const st = sandboxStatus();
  if (st.ok) return { ok: true, sandbox: 'bwrap' };
  if (unsafeNoSandbox) return { ok: true, sandbox: 'none' };
  return {
    ok: false,
    reason: `code experiments are refused: ${st.reason}. Pass --unsafe-no-sandbox to run agent code without a sandbox (not recommended)`,
  };
}
