#!/usr/bin/env node
// `prepare` hook (runs on `npm ci`): builds the dashboard into web/dist with Vite when the web app
// exists and its build is missing or older than its sources. Offline; no downloads.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'web');
if (!existsSync(join(web, 'index.html'))) process.exit(0);

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'dist' || name === 'node_modules') continue;
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}
const built = join(web, 'dist', 'index.html');
if (existsSync(built) && statSync(built).mtimeMs >= newest(web) && !process.argv.includes('--force'))
  process.exit(0);
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  console.error('build-web: vite is not installed (npm ci installs it); skipping the dashboard build');
  process.exit(0);
}
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'],
  {
    cwd: web,
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
