/**
 * Temporary folders for tests, removed when the test process exits (node:test runs each file in its own
 * process), however the file's tests ended: a suite run leaves nothing in the temp directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

function removeAll(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder `<tmp>/<prefix>XXXXXX`, removed at exit (or earlier with `removeTempDirs`). */
export function tempDir(prefix: string): string {
  if (made.length === 0) process.once('exit', removeAll);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every folder `tempDir` made so far (for an `after` hook that wants it done now). */
export const removeTempDirs = removeAll;
