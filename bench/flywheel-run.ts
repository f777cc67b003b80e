/**
 * Every config on every seed, each one `flywheel run --json` of preset `small` at a token budget, one
 * thread, two at a time, in a throw-away FLYWHEEL_HOME: the grid the benchmarks of the real trainer's
 * seed spread measure (seed-blocks.ts, paired-seeds.ts), with their options and their table of it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/home.ts';
import { mean } from '../src/stats/summary.ts';
import type { SeedObs } from '../src/stats/seed-blocks.ts';

/**
 * The stack regime (a)'s screen selects in bench/research-efficiency (RoPE, untied zero-init head, equal
 * domain weights), as `--set` values: the base the grid benchmarks measure changes on.
 */
export const STACK = [
  'model.position=rope',
  'model.tiedEmbeddings=false',
  'model.zeroInitProj=true',
  ...['news', 'fiction', 'learned', 'essays', 'popular', 'sentences', 'code'].map(
    (d) => `data.mixture.${d}=0.143`,
  ),
];

/**
 * The eleven changes regime (a)'s 32-row screen is planned over, in the library's order (the design's
 * columns), as `--set` values; the first three are what it selects (`STACK`).
 */
export const SCREEN_FACTORS: Array<[string, string[]]> = [
  ['Rotary position embeddings', STACK.slice(0, 1)],
  ['Untied zero-init head', STACK.slice(1, 3)],
  ['Equal domain weights', STACK.slice(3)],
  ['WSD with a long warmdown', ['schedule.name=wsd', 'schedule.warmdownFrac=0.45', 'schedule.minLrFrac=0']],
  ['Logit softcap 15', ['model.logitSoftcap=15']],
  ['LR x2', ['optim.lr=0.04']],
  ['QK-norm', ['model.qkNorm=true']],
  ['Shallower-wider', ['model.depth=3', 'model.width=144']],
  ['AdamW-group LR x2', ['optim.adamLr=0.06']],
  ['Warmup x0.5', ['schedule.warmupTokens=8192']],
  ['Weight decay x0.5', ['optim.weightDecay=0.05']],
];

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

/** `--seeds N` (default 4) consecutive seeds from `firstSeed`, and `--tokens T` (default 110,592). */
export function gridOptions(firstSeed: number): { seeds: number[]; tokens: number } {
  const arg = (name: string, dflt: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : dflt;
  };
  const seeds = Array.from({ length: Number(arg('seeds', '4')) }, (_, i) => firstSeed + i);
  return { seeds, tokens: Number(arg('tokens', '110592')) };
}

/** The grid as a markdown table: a row per config, its value on every seed, and its mean. */
export function gridTable(
  obs: readonly SeedObs[],
  groups: readonly string[],
  seeds: readonly number[],
): string[] {
  const at = (g: string, s: number) => obs.find((o) => o.group === g && o.seed === s)!.value;
  return [
    '| config | ' + seeds.map((s) => `seed ${s}`).join(' | ') + ' | mean |',
    '| --- | ' + seeds.map(() => '---:').join(' | ') + ' | ---: |',
    ...groups.map(
      (g) =>
        `| ${g} | ${seeds.map((s) => at(g, s).toFixed(4)).join(' | ')} | ${mean(seeds.map((s) => at(g, s))).toFixed(4)} |`,
    ),
  ];
}

/** A difference in bpb with its sign: −0.0057, +0.0066. */
export function signed(x: number): string {
  return `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;
}
