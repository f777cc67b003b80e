/**
 * Runs as the dashboard sees them: the table (filter, sort, paginate, a compact row per run), one run's
 * detail, and its metric series downsampled for a chart of a given width.
 */
import { FlywheelError } from '../errors.ts';
import { isTerminal, type RunRecord, type RunStatus, type Store, type StoredEvent } from '../store/base.ts';
import { downsampleMinMax } from './downsample.ts';
import { fieldOf, matches, parseWhere, sortBy, splitKeys, type Scalar } from './run-query.ts';
import type { RunIndex } from './run-index.ts';
import { canSignal } from './stop-run.ts';
import type { MetricsResponse, RunDetail, RunListItem, RunsResponse, StopInfo } from './types.ts';

export interface ListQuery {
  status?: RunStatus[];
  sessionId?: string;
  preset?: string;
  configHash?: string;
  ids?: string[];
  where?: string[];
  sort?: string; // field, '-field' for descending; default '-createdAt'
  offset?: number;
  limit?: number;
  fields?: 'list' | 'full';
  keys?: string[]; // config keys to carry in list items; default: the varying ones; ['all'] = every leaf
}

export function listItem(r: RunRecord, flat: Record<string, Scalar>, keys: string[] | 'all'): RunListItem {
  const s = r.summary;
  const config: Record<string, Scalar> = {};
  if (keys === 'all') Object.assign(config, flat);
  else for (const k of keys) if (k in flat) config[k] = flat[k];
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return {
    id: r.id,
    status: r.status,
    statusReason: r.statusReason,
    stopRule: r.stopRule,
    preset: r.preset,
    seed: r.seed,
    configHash: r.configHash,
    sessionId: r.sessionId,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    valBpb: num(s.valBpb),
    tokens: num(s.tokens),
    flops: num(s.flops),
    params: num(s.params),
    wallSeconds: num(s.wallSeconds),
    tokPerSec: num(s.tokPerSec),
    config,
    tags: Object.keys(r.tags).length ? r.tags : undefined,
  };
}

/**
 * The runs table: filter, sort and page over the in-memory index (see run-index.ts), which refreshes
 * from the store first. `keys` default to the config keys that vary among the matching runs.
 */
export async function listRuns(
  index: RunIndex,
  store: Store,
  q: ListQuery,
): Promise<RunsResponse<RunListItem | RunRecord>> {
  const clauses = parseWhere(q.where ?? []);
  const sort = q.sort || '-createdAt';
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 100;
  await index.refresh();
  const status = q.status?.length ? new Set<string>(q.status) : undefined;
  const ids = q.ids?.length ? new Set(q.ids) : undefined;
  const plain = !status && !ids && !q.sessionId && !q.preset && !q.configHash && clauses.length === 0;
  let rows = index.all();
  if (!plain) {
    rows = rows.filter(
      ({ run: r, flat }) =>
        (!status || status.has(r.status)) &&
        (!ids || ids.has(r.id)) &&
        (!q.sessionId || r.sessionId === q.sessionId) &&
        (!q.preset || r.preset === q.preset) &&
        (!q.configHash || r.configHash === q.configHash) &&
        (clauses.length === 0 || matches(r, clauses, flat)),
    );
  }
  if (sort !== '-createdAt') rows = sortBy(rows, sort, (e, key) => fieldOf(e.run, key, e.flat));
  const split = q.keys?.length ? undefined : plain ? index.splitAll() : splitKeys(rows.map((e) => e.flat));
  const keys = split ? split.varying : q.keys!;
  const page = rows.slice(offset, offset + limit);
  const base = { total: rows.length, offset, limit, ...(split ? { constants: split.constants } : {}) };
  if (q.fields === 'full') {
    const full = page.length ? await store.listRuns({ ids: page.map((e) => e.run.id), fields: 'full' }) : [];
    const byId = new Map(full.map((r) => [r.id, r]));
    return { ...base, keys, runs: page.map((e) => byId.get(e.run.id) ?? e.run) };
  }
  const all = keys.length === 1 && keys[0] === 'all';
  return {
    ...base,
    keys: all ? [] : keys,
    runs: page.map((e) => listItem(e.run, e.flat, all ? 'all' : keys)),
  };
}

export async function requireRun(store: Store, id: string): Promise<RunRecord> {
  const r = await store.getRun(id);
  if (!r) throw new FlywheelError('not_found', `no run with id "${id}"`);
  return r;
}

const NOTABLE = ['start', 'end', 'stop', 'monitor', 'hung', 'malformed', 'checkpoint', 'promotion'];

export function stopInfo(run: RunRecord, events: StoredEvent[]): StopInfo | undefined {
  const req = [...events].reverse().find((e) => e.kind === 'stop' || e.kind === 'monitor');
  const p = (req?.payload ?? {}) as Record<string, unknown>;
  if (!req && run.status !== 'stopped' && !run.stopRule) return undefined;
  return {
    reason:
      run.status === 'stopped'
        ? (run.statusReason ?? (p.reason as string))
        : ((p.reason as string) ?? run.statusReason),
    rule: run.stopRule ?? (p.rule as string | undefined),
    requestedBy:
      (p.by as string | undefined) ??
      (req ? (req.kind === 'monitor' || p.rule ? 'monitor' : 'user') : undefined),
    requestedAt: req?.ts,
    evidence: p.evidence,
  };
}

export async function runDetail(store: Store, id: string): Promise<RunDetail> {
  const run = await requireRun(store, id);
  const [events, artifacts, metrics] = await Promise.all([
    store.listEvents(id, { kinds: NOTABLE, limit: 500 }),
    store.listArtifacts(id),
    store.getMetrics(id),
  ]);
  return {
    run,
    stop: stopInfo(run, events),
    events,
    artifacts,
    counts: { train: metrics.train.length, eval: metrics.eval.length },
    live: !isTerminal(run.status),
    stoppable: !isTerminal(run.status) && canSignal(run).ok,
  };
}

export async function runMetrics(store: Store, id: string, maxPoints: number): Promise<MetricsResponse> {
  await requireRun(store, id);
  const m = await store.getMetrics(id);
  return {
    runId: id,
    maxPoints,
    counts: { train: m.train.length, eval: m.eval.length },
    train: downsampleMinMax(m.train, maxPoints),
    eval: downsampleMinMax(m.eval, maxPoints),
  };
}
