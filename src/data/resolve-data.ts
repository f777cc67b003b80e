/**
 * `--data DIR_OR_HASH` (run, research): a corpus prepared with `flywheel prepare [--source DIR]`, named
 * by its folder or by its content hash (or a unique prefix of it, as `prepare` prints it), instead of a
 * full `--set data.dir=<path>`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlywheelError } from '../errors.ts';
import { dataRoot } from '../home.ts';
import { META_FILE } from './format.ts';

export function resolveDataArg(arg: string): string {
  const asDir = resolve(arg);
  if (existsSync(join(asDir, META_FILE))) return asDir;
  if (/^[0-9a-f]{6,64}$/.test(arg)) {
    const root = dataRoot();
    const hits = existsSync(root)
      ? readdirSync(root).filter((d) => d.startsWith(arg) && existsSync(join(root, d, META_FILE)))
      : [];
    if (hits.length === 1) return join(root, hits[0]);
    if (hits.length > 1)
      throw new FlywheelError(
        'bad_input',
        `--data ${arg}: matches ${hits.length} datasets; give more of the hash`,
      );
  }
  throw new FlywheelError(
    'not_found',
    `--data ${arg}: no prepared dataset with that hash in ${dataRoot()} and no folder with ${META_FILE} there (prepare one: flywheel prepare --source DIR)`,
  );
}
