/**
 * Every config on every seed, each one `flywheel run --json` of preset `small` at a token budget, one
 * thread, two at a time, in a throw-away FLYWHEEL_HOME: the grid the benchmarks of the real trainer's
 * seed spread measure (seed-blocks.ts, paired-seeds.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/home.ts';
import type { SeedObs } from '../src/stats/seed-blocks.ts';

/** One run's final val bpb; rejects when the run fails. */
function runSmall(home: string, tokens: number, sets: string[], seed: number): Promise<number> {
  const args = ['flywheel', 'run', '--preset', 'small', '--budget', `${tokens}tok`, '--seed', String(seed)];
  args.push('--threads', '1', '--json', ...sets.flatMap((s) => ['--set', s]));
  return new Promise((resolve, reject) => {
    const p = spawn('npx', args, { cwd: repoRoot, env: { ...process.env, FLYWHEEL_HOME: home } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const v = code === 0 ? (JSON.parse(out) as { valBpb?: number }).valBpb : undefined;
      if (typeof v === 'number') resolve(v);
      else reject(new Error(`flywheel run ${sets.join(' ')} --seed ${seed}: exit ${code}`));
    });
  });
}

/** `configs` (name -> its --set list) on every seed: one observation per run, logged as it ends. */
export async function runGrid(
  configs: Record<string, string[]>,
  seeds: number[],
  tokens: number,
  workers = 2,
): Promise<SeedObs[]> {
  const home = mkdtempSync(join(tmpdir(), 'flywheel-grid-'));
  const obs: SeedObs[] = [];
  try {
    await runSmall(home, tokens, [], 1).catch(() => undefined); // prepares the corpus once, before the runs race for it
    const queue = seeds.flatMap((seed) => Object.keys(configs).map((group) => ({ group, seed })));
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const value = await runSmall(home, tokens, configs[job.group], job.seed);
        obs.push({ ...job, value });
        process.stderr.write(`${job.group} seed ${job.seed}: ${value.toFixed(4)}\n`);
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  return obs;
}
