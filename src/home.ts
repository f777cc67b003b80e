/** Where Flywheel keeps its state (ARCHITECTURE.md "State on disk"). */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function flywheelHome(): string {
  const home = resolve(process.env.FLYWHEEL_HOME ?? '.flywheel');
  mkdirSync(home, { recursive: true, mode: 0o700 }); // runs, prompts and the store are private (SECURITY.md)
  return home;
}

export const dbPath = (home = flywheelHome()) => join(home, 'flywheel.db');
export const dataRoot = (home = flywheelHome()) => join(home, 'data');
export const runsRoot = (home = flywheelHome()) => join(home, 'runs');

/** The repository root (where trainers/ and python/ live), independent of the cwd. */
export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
