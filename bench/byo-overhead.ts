/**
 * Overhead of running a script through a trainer spec (README "Bring your own trainer").
 * Run: `npx tsx bench/byo-overhead.ts [--tokens 9216000] [--reps 2] [--step-ms 2]`
 *
 * The nanoGPT-style stand-in (test/fixtures/byo/nanogpt_like) with the same budget, twice each, alternating:
 *   - baseline: the script run bare, with exactly the argv, env and working directory a spec run uses;
 *   - `flywheel run --trainer <spec> --json`, process start to exit (CLI start-up, store, adapter, monitor);
 *   - the run's own wallSeconds (trainer start to end, without the CLI's start-up).
 * Prints each and the ratios to the baseline. The stand-in sleeps `--step-ms` a step and prints every
 * step, so the work measured is Flywheel's per-line cost, not training (a real CPU step is 10-1000x longer).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveSpecConfig } from '../src/config/spec-config.ts';
import { loadTrainerSpec } from '../src/config/trainer-spec.ts';
import { repoRoot } from '../src/home.ts';
import { specLaunch } from '../src/runs/spec-command.ts';
import { findPython } from '../src/runs/python.ts';

const { values } = parseArgs({
  options: { tokens: { type: 'string' }, reps: { type: 'string' }, 'step-ms': { type: 'string' } },
});
const stepMs = Number(values['step-ms'] ?? 2); // the stand-in's time per step (it prints a line per step)
process.env.STEP_SECONDS = String(stepMs / 1000);
const tokens = Number(values.tokens ?? 9_216_000); // 12,000 steps of 768 tokens: ~25-30 s bare
const reps = Number(values.reps ?? 2);
const SPEC = join(repoRoot, 'test', 'fixtures', 'byo', 'nanogpt_like', 'flywheel.trainer.json');
const home = mkdtempSync(join(tmpdir(), 'fw-bench-byo-'));
const budget = `${tokens}tok`;

const spec = loadTrainerSpec(SPEC);
const bareDir = join(home, 'bare');
mkdirSync(bareDir);
const launch = specLaunch(resolveSpecConfig({ spec, budget }), bareDir, findPython);

function bare(): number {
  const t = performance.now();
  const r = spawnSync(launch.command[0], launch.command.slice(1), {
    cwd: launch.cwd,
    env: { ...process.env, ...launch.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', openSync(join(bareDir, 'stdout.log'), 'w'), 'inherit'], // its log, as a user keeps it
  });
  if (r.status !== 0) throw new Error(`bare run exited ${r.status}`);
  return (performance.now() - t) / 1000;
}

function viaFlywheel(): { total: number; run: number; status: string } {
  const t = performance.now();
  const r = spawnSync(
    process.execPath,
    [join(repoRoot, 'bin', 'flywheel.js'), 'run', '--trainer', SPEC, '--budget', budget, '--json'],
    {
      env: { ...process.env, FLYWHEEL_HOME: home },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const total = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`flywheel run exited ${r.status}: ${r.stderr.slice(-500)}`);
  const out = JSON.parse(r.stdout) as { wallSeconds: number; status: string };
  return { total, run: out.wallSeconds, status: out.status };
}

const rows: Array<{ bare: number; total: number; run: number }> = [];
try {
  for (let i = 0; i < reps; i++) {
    const b = bare();
    const f = viaFlywheel();
    rows.push({ bare: b, total: f.total, run: f.run });
    console.error(
      `rep ${i + 1}: bare ${b.toFixed(2)} s, flywheel run ${f.total.toFixed(2)} s (run itself ${f.run.toFixed(2)} s, ${f.status})`,
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const b = med(rows.map((r) => r.bare));
const total = med(rows.map((r) => r.total));
const run = med(rows.map((r) => r.run));
console.log(
  JSON.stringify({
    command: `npx tsx bench/byo-overhead.ts --tokens ${tokens} --reps ${reps} --step-ms ${stepMs}`,
    steps: Math.ceil(tokens / 768),
    bareSeconds: Number(b.toFixed(2)),
    flywheelRunSeconds: Number(total.toFixed(2)),
    runWallSeconds: Number(run.toFixed(2)),
    ratioTotal: Number((total / b).toFixed(3)),
    ratioRun: Number((run / b).toFixed(3)),
  }),
);
