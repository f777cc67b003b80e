/**
 * Synthetic runs for the server tests and `bench/dashboard.ts`: real TrainConfigs (the tiny preset with
 * knobs varied), loss curves shaped like the trainer's (power law in tokens + noise), evals with
 * per-domain bpb, written through the real Store. Not used by Flywheel itself.
 */

import { join } from 'node:path';
import { presetConfig } from '../config/presets.ts';
import { configHash } from '../config/resolve.ts';
import { TrainConfig } from '../config/train-config.ts';
import type { MetricPoint, RunStatus, Store } from '../store/base.ts';
import { SqliteStore } from '../store/sqlite.ts';
import { mulberry32 } from '../stats/rng.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

export async function tmpStore(prefix = 'flywheel-server-'): Promise<{ store: Store; dir: string }> {
  const dir = tempDir(prefix);
  const store = await SqliteStore.open(join(dir, 'flywheel.db'));
  await store.migrate();
  return { store, dir };
}

const DEPTHS = [2, 3, 4, 6];
const LRS = [1e-3, 3e-3, 1e-2];
const SCHEDULES = ['cosine', 'wsd'] as const;
export const DOMAINS = ['news', 'fiction', 'code'];

/** Deterministic pseudo-random numbers, so fixtures are the same in every run. */
export const rng = mulberry32;

export function syntheticConfig(i: number, seed = i % 3) {
  const base = presetConfig('tiny');
  const c = TrainConfig.parse({
    ...base,
    model: { ...base.model, depth: DEPTHS[(i >> 2) % DEPTHS.length] },
    optim: { ...base.optim, lr: LRS[(i >> 4) % LRS.length] },
    schedule: { ...base.schedule, name: SCHEDULES[(i >> 6) % 2] },
    seed,
  });
  return { config: c, configHash: configHash(c) };
}

/** `n` train points and `n / 10` evals (at least 1) of a plausible curve; a spike at `spikeAt` if given. */
export function syntheticCurve(i: number, n: number, opts: { spikeAt?: number; batchTokens?: number } = {}) {
  const r = rng(i + 1);
  const bt = opts.batchTokens ?? 2048;
  const floor = 3 + 0.3 * r();
  const train: MetricPoint[] = [];
  const evals: MetricPoint[] = [];
  const flopsPerToken = 1.5e6;
  for (let s = 1; s <= n; s++) {
    const tokens = s * bt;
    let loss = floor + 5 * Math.pow(tokens / bt, -0.35) + 0.05 * (r() - 0.5);
    if (s === opts.spikeAt) loss += 4;
    train.push({
      step: s,
      tokens,
      flops: tokens * flopsPerToken,
      elapsed: s * 0.05,
      loss,
      lr: 3e-3 * Math.min(1, s / 10),
      gradNorm: 0.5 + 0.2 * r(),
    });
    if (s % 10 === 0 || s === n) {
      const valBpb = (loss - 0.1) / Math.LN2 / 2.5;
      const p: MetricPoint = {
        step: s,
        tokens,
        flops: tokens * flopsPerToken,
        elapsed: s * 0.05,
        valLoss: loss - 0.1,
        valBpb,
      };
      DOMAINS.forEach((d, k) => (p[`bpb.${d}`] = valBpb + 0.1 * (k - 1)));
      evals.push(p);
    }
  }
  return { train, evals };
}

export interface SeedOptions {
  points?: number;
  status?: RunStatus;
  sessionId?: string;
  tags?: Record<string, string>;
  createdAt?: string;
  spikeAt?: number;
  runDir?: string;
}

/** One synthetic run through the real store: created, metrics appended, finished (unless running). */
export async function seedRun(store: Store, i: number, opts: SeedOptions = {}): Promise<string> {
  const id = `r-syn-${String(i).padStart(5, '0')}`;
  const { config, configHash: hash } = syntheticConfig(i);
  await store.createRun({
    id,
    status: 'running',
    config,
    configHash: hash,
    seed: config.seed,
    runDir: opts.runDir ?? `/tmp/flywheel-synthetic/${id}`,
    preset: 'tiny',
    sessionId: opts.sessionId,
    tags: opts.tags,
  });
  const { train, evals } = syntheticCurve(i, opts.points ?? 50, { spikeAt: opts.spikeAt });
  if (train.length) await store.appendMetrics(id, 'train', train);
  if (evals.length) await store.appendMetrics(id, 'eval', evals);
  const status = opts.status ?? 'completed';
  if (status !== 'running' && status !== 'queued') {
    const last = evals[evals.length - 1];
    const r = rng(i + 7);
    await store.finishRun(
      id,
      status,
      status === 'stopped' ? 'monitor: behind baseline' : 'tokens budget reached',
      {
        valBpb: last?.valBpb ?? 2.3 + 0.3 * r(), // runs seeded without metrics still get a result
        tokens: train[train.length - 1]?.tokens ?? 122_880,
        flops: train[train.length - 1]?.flops ?? 1.8e11,
        params: 233_792,
        wallSeconds: 10 + (i % 7),
      },
      status === 'stopped' ? 'behind-baseline' : undefined,
    );
  }
  return id;
}
