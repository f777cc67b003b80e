#!/usr/bin/env node
// Runs every `*.test.ts` beside the code (src/, test/) with Node's own test runner through tsx.
// Usage: node scripts/run-tests.js [path-filter ...]
// Node's runner prints the summary CI reads ("# pass N", "# fail N") as its closing lines.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['src', 'test', 'bench'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') || name.endsWith('.test.tsx')) files.push(relative(root, p));
  }
}
for (const r of roots) {
  try {
    walk(join(root, r));
  } catch {
    /* folder absent */
  }
}
const filters = process.argv.slice(2);
const selected = files.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (selected.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const tapFile = join(tmpdir(), `flywheel-tests-${process.pid}.tap`);
const concurrency = process.env.FLYWHEEL_TEST_CONCURRENCY ?? '2';
const args = [
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=tap',
  `--test-reporter-destination=${tapFile}`,
  ...selected,
];
const res = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: { ...process.env } });
// Closing line for CI: read the counts from the TAP copy of the run.
let passed = 0;
let failed = 0;
try {
  const tap = readFileSync(tapFile, 'utf8');
  passed = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
  failed = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
  rmSync(tapFile, { force: true });
} catch {
  failed = Math.max(1, failed);
}
if (res.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(res.status ?? 1);
