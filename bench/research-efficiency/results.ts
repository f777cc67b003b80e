/**
 * results.json: one entry per regime, each with the options that define it (`key`), the base config,
 * every method's result per session seed and the re-run values. Files written before the two regimes
 * (one regime, no `version`) load as regime (a). Per-regime numbers: rows() and summarize().
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { mean, sampleStd } from '../../src/stats/summary.ts';
import type { MethodName, MethodResult, TracePoint } from './context.ts';
import type { BenchOptions, Regime } from './options.ts';
import { scorePlanted, type PlantedScore } from './planted-accounting.ts';
import type { PlantedWorld } from './planted-world.ts';
import { rerunKey, type RerunValues } from './rerun.ts';

export interface Machine {
  cpus: string;
  node: string;
  torch: string;
  date: string;
  loadStart: number[];
  loadEnd?: number[];
  wallSeconds?: number;
}

export interface RegimeResults {
  regime: Regime;
  key: string; // experimentKey(options, regime)
  options: BenchOptions;
  machine: Machine;
  base: TrainConfig;
  fullTokens: number;
  fullFlops: number;
  budgetFlops: number;
  world?: PlantedWorld; // regime b
  methods: MethodResult[]; // each with `date` when it ran on another day than `machine.date`
  rerunSeeds: number[];
  rerun: RerunValues;
}

export interface BenchResults {
  version: 2;
  regimes: Partial<Record<Regime, RegimeResults>>;
}

export function loadResults(file: string): BenchResults | undefined {
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (raw.version === 2) return raw as unknown as BenchResults;
  // the one-regime format of 2026-11: regime (a), three methods
  const a = raw as unknown as RegimeResults;
  return {
    version: 2,
    regimes: { a: { ...a, regime: 'a', fullTokens: a.fullTokens ?? a.options.fullTokens } },
  };
}

export interface Reach {
  fraction: number | null; // FLOPs at first reach / random's total FLOPs; null = not reached
  byBase: boolean;
}

/**
 * First point of `trace` whose value is at or below `target`, as a fraction of `total` FLOPs. `pick`
 * says which value: the observed incumbent, a changed config's observed value only, or (regime b) the
 * incumbent's true value.
 */
export function reachOf(
  trace: TracePoint[],
  target: number,
  total: number,
  pick: 'observed' | 'changed' | 'true' = 'observed',
): Reach {
  const value = (p: TracePoint) =>
    pick === 'changed'
      ? (p.changed ?? Infinity)
      : pick === 'true'
        ? (p.incumbentTrue ?? Infinity)
        : p.incumbent;
  const hit = trace.find((p) => value(p) <= target + 1e-12);
  return hit
    ? { fraction: hit.flops / total, byBase: pick === 'observed' && Boolean(hit.byBase) }
    : { fraction: null, byBase: false };
}

export function rerunStats(r: RegimeResults, config: TrainConfig) {
  const v = r.rerunSeeds
    .map((s) => r.rerun[rerunKey(config, s)])
    .filter((x): x is number => typeof x === 'number');
  return { mean: v.length ? mean(v) : null, std: v.length > 1 ? sampleStd(v) : null, n: v.length };
}

export interface Row {
  seed: number;
  method: MethodName;
  m: MethodResult;
  rerun: ReturnType<typeof rerunStats>;
  reach: Reach; // regime a: observed incumbent; regime b: true value vs random's pick's true value
  reachByChange: Reach;
  planted?: PlantedScore;
}

export function rows(r: RegimeResults, methods: MethodName[]): Row[] {
  const out: Row[] = [];
  const seeds = [...new Set(r.methods.map((m) => m.sessionSeed))].sort((a, b) => a - b);
  for (const seed of seeds) {
    const rand = r.methods.find((m) => m.sessionSeed === seed && m.method === 'random');
    const randTrue = rand && r.world ? rand.trace[rand.trace.length - 1]?.incumbentTrue : undefined;
    for (const method of methods) {
      const m = r.methods.find((x) => x.sessionSeed === seed && x.method === method);
      if (!m) continue;
      const none = { fraction: null, byBase: false };
      out.push({
        seed,
        method,
        m,
        rerun: rerunStats(r, m.pick.config),
        reach:
          !rand || rand.finalObserved === null
            ? none
            : randTrue !== undefined
              ? reachOf(m.trace, randTrue, rand.flopsUsed, 'true')
              : reachOf(m.trace, rand.finalObserved, rand.flopsUsed),
        reachByChange:
          !rand || rand.finalObserved === null
            ? none
            : reachOf(m.trace, rand.finalObserved, rand.flopsUsed, 'changed'),
        planted: r.world ? scorePlanted(r.world, r.base, m.pick.config, m.kept ?? []) : undefined,
      });
    }
  }
  return out;
}

export interface MethodSummary {
  method: MethodName;
  seeds: number;
  bpb: number | null; // mean over seeds of the re-run means
  bpbSd: number | null; // sd of the per-seed re-run means
  reach: number | null; // mean over the seeds that reached it
  reached: number;
  pickTrue?: number;
  falseKeeps?: number[]; // per seed
  kept?: number[]; // per seed
  missed?: number[]; // per seed
  wins?: number;
}

export function summarize(r: RegimeResults, methods: MethodName[]): MethodSummary[] {
  const all = rows(r, methods);
  return methods.map((method) => {
    const xs = all.filter((x) => x.method === method);
    const bpbs = xs.map((x) => x.rerun.mean).filter((v): v is number => v !== null);
    const reached = xs.map((x) => x.reach.fraction).filter((v): v is number => v !== null);
    const p = xs.map((x) => x.planted).filter((v): v is PlantedScore => v !== undefined);
    return {
      method,
      seeds: xs.length,
      bpb: bpbs.length ? mean(bpbs) : null,
      bpbSd: bpbs.length > 1 ? sampleStd(bpbs) : null,
      reach: reached.length ? mean(reached) : null,
      reached: reached.length,
      ...(p.length
        ? {
            pickTrue: mean(p.map((s) => s.pickTrue)),
            falseKeeps: p.map((s) => s.falseKeeps),
            kept: p.map((s) => s.kept.length),
            missed: p.map((s) => s.missed.length),
            wins: p[0].wins,
          }
        : {}),
    };
  });
}
