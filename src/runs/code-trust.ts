/**
 * Which code may run outside the sandbox (SECURITY.md, "No path around the sandbox"). The pinned
 * reference trainer (trainers/gpt, identified by its content hash) may; so may a trainer the user points
 * at (their own code, their own choice). Code that is not the reference and lives where agent code
 * lives or writes — an agent's patched trainer (`$FLYWHEEL_HOME/sessions/<id>/code/<proposal>`), a run's
 * code snapshot (`$FLYWHEEL_HOME/runs/<id>/code`, what `run --from` re-runs) — runs only inside the
 * sandbox, or with the user's explicit `--unsafe-no-sandbox`.
 *
 * `launchRun` asks `refuseUnsandboxedAgentCode` about the snapshot it is about to execute, whatever path
 * led there (a config experiment, a code experiment, `run --from`, a resumed session), so a caller that
 * forgets to sandbox fails loudly instead of running agent code on the host.
 */
import { realpathSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { FlywheelError } from '../errors.ts';
import { flywheelHome, runsRoot } from '../home.ts';
import { DEFAULT_TRAINER_DIR, hashCode } from './run-dir.ts';

let reference: string | undefined;

/** Content hash of the reference trainer (trainers/gpt), taken once per process. */
export function referenceCodeHash(): string {
  reference ??= hashCode(DEFAULT_TRAINER_DIR).codeHash;
  return reference;
}

export const isReferenceCode = (codeHash: string) => codeHash === referenceCodeHash();

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Whether `dir` is `parent` or below it (symlinks resolved). */
function within(parent: string, dir: string): boolean {
  const rel = relative(real(parent), real(dir));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep));
}

/**
 * Whether `dir` is where agent code lives or could have written: a session's folders (patched trainers)
 * or the runs folder (snapshots a run of agent code shared its folder with), symlinks resolved.
 */
export function inAgentReach(dir: string, home = flywheelHome()): boolean {
  return within(join(home, 'sessions'), dir) || within(runsRoot(home), dir);
}

/** How a launch runs its code: inside bubblewrap, or outside by the user's `--unsafe-no-sandbox`. */
export interface CodeIsolation {
  sandboxed: boolean;
  unsafeNoSandbox?: boolean;
}

/**
 * Throws (`conflict`, one line) when code that is not the reference trainer, taken from under
 * FLYWHEEL_HOME, is about to run on the host without the user's explicit opt-out.
 */
export function refuseUnsandboxedAgentCode(
  run: { codeHash: string; from: string },
  how: CodeIsolation,
): void {
  if (how.sandboxed || how.unsafeNoSandbox) return;
  if (isReferenceCode(run.codeHash) || !inAgentReach(run.from)) return;
  throw new FlywheelError(
    'conflict',
    `refusing to run ${run.from} outside the sandbox: it is not the reference trainer and lives where agent code writes (see SECURITY.md)`,
  );
}

/** `refuseUnsandboxedAgentCode` for a prepared run folder; a refused run leaves no folder behind. */
export function guardRunCode(
  dir: { runDir: string; codeHash: string },
  from: string,
  how: CodeIsolation,
): void {
  try {
    refuseUnsandboxedAgentCode({ codeHash: dir.codeHash, from }, how);
  } catch (e) {
    rmSync(dir.runDir, { recursive: true, force: true });
    throw e;
  }
}
