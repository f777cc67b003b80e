/**
 * Earlier sessions' runs as evidence for this one (README "Memory across sessions"): the offline
 * researcher's TPE is warm-started from them and the engine's triage learns from them what a change is
 * likely worth per FLOP.
 *
 * Comparable means: the same dataset and the same trainer code (the reference trainer as this session
 * runs it; a code experiment's run, whose configHash mixes in its patch, never is), a budget equal to one
 * of this session's rungs (tokens, or the FLOPs of those tokens at the base's cost), and the same config
 * as the session's base up to the searched knobs (execution settings, the seed and the final eval's
 * sample size aside). Such a run is a point of the search space whose value is its val bpb minus the
 * *reference*: the mean of the base config's runs at that budget, this session's baseline seeds when it
 * has them, else the base's runs of earlier sessions. So deltas from different sessions share one zero.
 *
 * Bounded: two indexed queries per call (the reference trainer's code hash, then the newest `maxRuns`
 * runs of that dataset and code, store index runs_data_code_created), deduplicated into one observation
 * per (point, budget) and capped at `maxObservations`, newest first. Finished runs never change, so what
 * each run contributes is computed once per process.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { canonicalJson, configHash, EXECUTION_KEYS } from '../config/resolve.ts';
import type { Knob } from '../config/search-space.ts';
import { vocabOf, type TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import type { RunRecord, Store } from '../store/base.ts';
import { effectiveValue, type KnobValue } from './config-diff.ts';

export interface HistoryQuery {
  sessionId: string;
  base: TrainConfig;
  rungTokens: number[]; // this session's rung budgets
  knobs: Knob[]; // the knobs a run may differ in from the base (everything else must match)
  /** Keep this session's own runs among the observations too (triage; TPE has them from `observe`). */
  includeOwn?: boolean;
}

export interface HistoryObservation {
  point: Record<string, KnobValue>; // every knob's effective value
  value: number; // mean val bpb - reference at that budget; Infinity: failed, diverged or stopped by the monitor
  n: number; // runs behind it
  budgetTokens: number;
  runIds: string[]; // up to 4
}

export interface History {
  observations: HistoryObservation[]; // newest first; the base point itself is left out
  reference: Map<number, { mean: number; std: number; n: number }>; // per budget (tokens)
  runs: number; // runs read
  codeHash?: string;
}

export interface HistoryOptions {
  maxRuns?: number; // newest runs read per call (default 3000)
  maxObservations?: number; // deduplicated points kept (default 300)
  /** run id + knobs -> the run's family digest ('' = a code experiment): finished runs never change. */
  cache?: Map<string, string>;
}

export interface RunHistory {
  load(q: HistoryQuery): Promise<History>;
}

const EMPTY: History = { observations: [], reference: new Map(), runs: 0 };
const RUNG_STOP = /^reached the rung/;

/** The dataset hash a run of `config` is stored under (as src/runs/launch.ts writes it). */
export const dataHashOf = (config: TrainConfig) => (config.data.dir ? basename(config.data.dir) : undefined);

/** The config with everything a comparison may ignore or search removed, as one string. */
export function familyOf(config: TrainConfig, knobs: readonly Knob[]): string {
  const c = structuredClone(config) as unknown as Record<string, Record<string, unknown>>;
  for (const k of ['seed', 'budget', 'resume', 'preset']) delete c[k];
  if (c.train) {
    for (const k of EXECUTION_KEYS) delete c.train[k];
    delete c.train.finalEvalTokensPerDomain; // capped at lower rungs: the sample size, not the experiment
  }
  if (c.data?.dir) c.data.dir = basename(c.data.dir as string);
  for (const k of knobs) {
    const parts = k.path.split('.');
    let o: Record<string, unknown> | undefined = c;
    for (const p of parts.slice(0, -1)) o = o?.[p] as Record<string, unknown> | undefined;
    if (o) delete o[parts[parts.length - 1]];
  }
  return canonicalJson(c);
}

/** A knob's stand-in when the config leaves it unset: the middle of its range. */
export function neutralValue(k: Knob): KnobValue {
  if (k.type === 'categorical') return k.choices[0];
  const mid = k.log ? Math.sqrt(Math.max(k.low, 1e-12) * k.high) : (k.low + k.high) / 2;
  return k.type === 'int' ? Math.round(mid) : mid;
}

export function pointOf(config: TrainConfig, knobs: readonly Knob[]): Record<string, KnobValue> {
  return Object.fromEntries(
    knobs.map((k) => [k.path, (effectiveValue(config, k.path) as KnobValue | undefined) ?? neutralValue(k)]),
  );
}

/** The rung budget (tokens) a run was given, or undefined when it matches none of this session's. */
function rungOf(r: RunRecord, q: HistoryQuery, baseFlopsPerToken: number): number | undefined {
  const b = r.config.budget ?? {};
  if (b.tokens !== undefined && b.seconds === undefined && b.flops === undefined)
    return q.rungTokens.find((t) => t === b.tokens);
  if (b.flops !== undefined && b.tokens === undefined && b.seconds === undefined)
    return q.rungTokens.find((t) => Math.abs(b.flops! / baseFlopsPerToken - t) <= 0.01 * t);
  return undefined;
}

/** What one run says: undefined = nothing (a user stop, a run still going). */
function valueOf(r: RunRecord): number | undefined {
  const v = r.summary.valBpb;
  const finite = typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (r.status === 'completed') return finite ? v : undefined;
  if (r.status === 'stopped' && RUNG_STOP.test(r.statusReason ?? '')) return finite ? v : undefined;
  if (r.status === 'failed' || r.status === 'diverged') return Infinity;
  if (r.status === 'stopped' && r.stopRule) return Infinity; // stopped by the monitor
  return undefined;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** A config family as a short digest, so a cache of many runs holds 16 characters per run, not a config. */
const familyId = (family: string) => createHash('sha256').update(family).digest('hex').slice(0, 16);

/** Pure: the history of `runs` (newest first) for query `q`. */
export function historyOf(runs: readonly RunRecord[], q: HistoryQuery, opts: HistoryOptions = {}): History {
  const fam = familyId(familyOf(q.base, q.knobs));
  const knobsKey = familyId(q.knobs.map((k) => k.path).join(','));
  const familyOfRun = (r: RunRecord) => {
    const k = `${r.id}|${knobsKey}`;
    let f = opts.cache?.get(k);
    if (f === undefined) {
      // a code experiment's configHash mixes in its patch: its evidence is its own
      f = configHash(r.config) === r.configHash ? familyId(familyOf(r.config, q.knobs)) : '';
      if (opts.cache && opts.cache.size < 100_000) opts.cache.set(k, f);
    }
    return f;
  };
  const baseFlops = flopsPerToken(q.base.model, vocabOf(q.base));
  const basePoint = canonicalJson(pointOf(q.base, q.knobs));
  type Row = { r: RunRecord; tokens: number; point: Record<string, KnobValue>; key: string; v: number };
  const rows: Row[] = [];
  for (const r of runs) {
    const v = valueOf(r);
    if (v === undefined || !r.config?.train) continue;
    const tokens = rungOf(r, q, baseFlops);
    if (tokens === undefined) continue;
    if (familyOfRun(r) !== fam) continue;
    const point = pointOf(r.config, q.knobs);
    rows.push({ r, tokens, point, key: canonicalJson(point), v });
  }
  // the reference: the base point's runs at each budget, this session's seeds when there are any
  const reference = new Map<number, { mean: number; std: number; n: number }>();
  for (const t of q.rungTokens) {
    const at = rows.filter((x) => x.key === basePoint && x.tokens === t && Number.isFinite(x.v));
    const own = at.filter((x) => x.r.sessionId === q.sessionId);
    const use = (own.length ? own : at).map((x) => x.v);
    if (use.length) reference.set(t, { mean: mean(use), std: std(use), n: use.length });
  }
  // earlier sessions' points, one per (point, budget), then the highest budget per point
  const cells = new Map<string, { rows: Row[]; tokens: number }>();
  for (const x of rows) {
    if ((!q.includeOwn && x.r.sessionId === q.sessionId) || x.key === basePoint || !reference.has(x.tokens))
      continue;
    const k = `${x.key}|${x.tokens}`;
    const c = cells.get(k) ?? { rows: [], tokens: x.tokens };
    c.rows.push(x);
    cells.set(k, c);
  }
  const byPoint = new Map<string, HistoryObservation>();
  for (const c of cells.values()) {
    const finite = c.rows.map((x) => x.v).filter(Number.isFinite);
    const ref = reference.get(c.tokens)!.mean;
    const obs: HistoryObservation = {
      point: c.rows[0].point,
      value: finite.length ? mean(finite) - ref : Infinity,
      n: c.rows.length,
      budgetTokens: c.tokens,
      runIds: c.rows.slice(0, 4).map((x) => x.r.id),
    };
    const prev = byPoint.get(c.rows[0].key);
    if (!prev || obs.budgetTokens > prev.budgetTokens) byPoint.set(c.rows[0].key, obs);
  }
  return {
    observations: [...byPoint.values()].slice(0, opts.maxObservations ?? 300),
    reference,
    runs: runs.length,
  };
}

/**
 * The code hash of the reference trainer as this session runs it: from this session's own runs of
 * unpatched code on its dataset, else the base config's runs of earlier sessions. Two small indexed
 * reads (by session, by config hash). Undefined when neither has run yet.
 */
export async function referenceCodeHash(
  store: Store,
  sessionId: string,
  base: TrainConfig,
): Promise<string | undefined> {
  const dataHash = dataHashOf(base);
  const unpatched = (r: RunRecord) =>
    Boolean(r.codeHash) && r.dataHash === dataHash && configHash(r.config) === r.configHash;
  const own = await store.listRuns({ sessionId, desc: true, limit: 20, fields: 'list' });
  const mine = own.find(unpatched);
  if (mine) return mine.codeHash;
  const prior = await store.listRuns({ configHash: configHash(base), desc: true, limit: 5, fields: 'list' });
  return prior.find(unpatched)?.codeHash;
}

/** The store-backed history: the two bounded, indexed reads, then `historyOf`. */
export function storeHistory(store: Store, options: HistoryOptions = {}): RunHistory {
  const opts = { cache: new Map<string, string>(), ...options };
  const codeOf = new Map<string, string>(); // configHash(base) -> reference trainer code hash
  return {
    async load(q) {
      const dataHash = dataHashOf(q.base);
      if (!dataHash || q.base.trainer?.spec || q.base.trainer?.command) return EMPTY;
      const h = configHash(q.base);
      let codeHash = codeOf.get(h);
      if (!codeHash) {
        codeHash = await referenceCodeHash(store, q.sessionId, q.base);
        if (!codeHash) return EMPTY;
        codeOf.set(h, codeHash);
      }
      const runs = await store.listRuns({
        dataHash,
        codeHash,
        status: ['completed', 'stopped', 'failed', 'diverged'],
        orderBy: 'createdAt',
        desc: true,
        limit: opts.maxRuns ?? 3000,
        fields: 'list',
      });
      return { ...historyOf(runs, q, opts), codeHash };
    },
  };
}
