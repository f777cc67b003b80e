/**
 * The data of a mixture study (README, "Data-mixture study"): comparable stored runs that differ only in
 * their domain weights (`data.mixture.*`), each as a point (normalised weights -> final val bpb, overall
 * and per domain).
 *
 * Comparable: the same config up to the mixture and the seed — same dataset, model, optimiser, budget,
 * eval size and trainer code — with a final val bpb (completed, or stopped at a successive-halving rung,
 * src/analysis/importance.ts `comparable`). The group with the most distinct mixtures is the study.
 * Weights are normalised as the trainer does (trainers/gpt/harness.py mixture_weights): an empty mixture
 * samples by train tokens (known only with the dataset's meta), a domain left out of a non-empty one
 * gets 0. A run whose weights cannot be known, or that names a domain the runs never scored, is left out.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, EXECUTION_KEYS } from '../config/resolve.ts';
import type { RunRecord } from '../store/base.ts';
import { comparable } from './importance.ts';
import { toAnalysisRun, type AnalysisRun } from './runs.ts';

/** An analysis run with its per-domain final val bpb (the trusted summary's, as every number here). */
export interface MixtureRun extends AnalysisRun {
  valBpbByDomain?: Record<string, number>;
}

export function toMixtureRun(r: RunRecord): MixtureRun {
  const by = r.summary.valBpbByDomain;
  const clean =
    by && typeof by === 'object'
      ? Object.fromEntries(
          Object.entries(by).filter(
            (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]) && e[1] > 0,
          ),
        )
      : undefined;
  return { ...toAnalysisRun(r), ...(clean && Object.keys(clean).length ? { valBpbByDomain: clean } : {}) };
}

/** One run as a point of the study. */
export interface MixturePoint {
  runId: string;
  sessionId?: string;
  seed: number;
  weights: number[]; // normalised, in `domains` order
  valBpb: number;
  byDomain: (number | undefined)[]; // in `domains` order
}

export interface MixtureData {
  group: string; // the comparability key
  domains: string[];
  points: MixturePoint[];
  mixtures: number; // distinct weight vectors among the points
  skipped: string[]; // why runs of the group were left out
  otherGroups: number; // groups with at least 2 distinct mixtures not studied
}

/** Train tokens per domain of a dataset dir (the default mixture's weights), when the caller can read it. */
export type TrainTokensOf = (dataDir: string) => Record<string, number> | undefined;

/** The comparability key: the config without seed, mixture and execution settings; budget and code kept. */
export function mixtureGroupKey(r: AnalysisRun): string {
  const c = structuredClone(r.config) as unknown as Record<string, Record<string, unknown>>;
  for (const k of ['seed', 'resume', 'preset']) delete c[k];
  if (c.data) {
    c.data = {
      ...c.data,
      dir: String(c.data.dir ?? '')
        .split(/[\\/]/)
        .pop(),
    };
    delete c.data.mixture;
  }
  if (c.train) for (const k of EXECUTION_KEYS) delete c.train[k];
  return createHash('sha256')
    .update(`${canonicalJson(c)}|${r.codeHash ?? ''}`)
    .digest('hex')
    .slice(0, 12);
}

/** Normalised weights over `domains` as the trainer samples them; undefined when unknowable or invalid. */
export function normalisedWeights(
  mixture: Record<string, number>,
  domains: readonly string[],
  trainTokens: Record<string, number> | undefined,
): number[] | undefined {
  const keys = Object.keys(mixture);
  const raw = keys.length
    ? keys.some((k) => !domains.includes(k))
      ? undefined
      : domains.map((d) => mixture[d] ?? 0)
    : trainTokens
      ? domains.map((d) => trainTokens[d] ?? NaN)
      : undefined;
  if (!raw || raw.some((w) => !Number.isFinite(w) || w < 0)) return undefined;
  const total = raw.reduce((a, b) => a + b, 0);
  return total > 0 ? raw.map((w) => w / total) : undefined;
}

export const mixtureId = (w: readonly number[]) => w.map((x) => x.toFixed(3)).join(',');

/** The study's points: the comparable group with the most distinct mixtures. */
export function mixtureData(
  runs: readonly MixtureRun[],
  trainTokensOf?: TrainTokensOf,
): MixtureData | undefined {
  const groups = new Map<string, MixtureRun[]>();
  for (const r of runs) {
    if (!comparable(r) || !r.valBpbByDomain) continue;
    const k = mixtureGroupKey(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  const built = [...groups.entries()].map(([group, rs]) => build(group, rs, trainTokensOf));
  built.sort(
    (a, b) => b.mixtures - a.mixtures || b.points.length - a.points.length || (a.group < b.group ? -1 : 1),
  );
  const best = built[0];
  if (!best) return undefined;
  return { ...best, otherGroups: built.slice(1).filter((g) => g.mixtures >= 2).length };
}

function build(group: string, rs: MixtureRun[], trainTokensOf?: TrainTokensOf): MixtureData {
  // the domains every run scored (a prepared dataset's domains are fixed; a run missing one is odd)
  const counts = new Map<string, number>();
  for (const r of rs)
    for (const d of Object.keys(r.valBpbByDomain ?? {})) counts.set(d, (counts.get(d) ?? 0) + 1);
  const domains = [...counts.entries()]
    .filter(([, n]) => n === rs.length)
    .map(([d]) => d)
    .sort();
  const points: MixturePoint[] = [];
  const skipped: string[] = [];
  for (const r of rs) {
    const dir = r.config.data?.dir;
    const w = normalisedWeights(
      r.config.data?.mixture ?? {},
      domains,
      dir ? trainTokensOf?.(dir) : undefined,
    );
    if (!w) {
      skipped.push(
        `${r.id}: its domain weights cannot be known (default mixture without the dataset, or an unknown domain)`,
      );
      continue;
    }
    points.push({
      runId: r.id,
      sessionId: r.sessionId,
      seed: r.seed,
      weights: w,
      valBpb: r.valBpb as number,
      byDomain: domains.map((d) => r.valBpbByDomain?.[d]),
    });
  }
  return {
    group,
    domains,
    points,
    mixtures: new Set(points.map((p) => mixtureId(p.weights))).size,
    skipped,
    otherGroups: 0,
  };
}
