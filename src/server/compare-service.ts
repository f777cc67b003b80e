/**
 * Overlaying runs: every run's series of one metric, aligned on one x grid (step, tokens, FLOPs or
 * elapsed seconds) so the browser draws 1,000 runs as one chart, plus the seed groups (runs sharing a
 * configHash) the chart turns into mean ± std bands.
 */
import { FlywheelError } from '../errors.ts';
import { isTerminal, type MetricKind, type MetricPoint, type RunRecord, type Store } from '../store/base.ts';
import type { Columns, SeriesCache } from './series-cache.ts';
import { proposalTitles } from './session-view.ts';
import { alignOnGrid, X_FIELDS, type XField } from './downsample.ts';
import type { CompareResponse } from './types.ts';

export interface CompareQuery {
  ids: string[];
  x: XField;
  y: string; // 'loss' | 'valBpb' | 'bpb.<domain>' | 'lr' | ...
  maxPoints: number; // 0 = no binning (exact union of x values)
}

export const MAX_COMPARE = 5000;

/** eval fields live in the eval series; everything else in train. */
export const kindOf = (y: string): MetricKind =>
  y === 'valBpb' || y === 'valLoss' || y.startsWith('bpb.') ? 'eval' : 'train';

function columns(pts: MetricPoint[], xKey: string, yKey: string): Columns {
  const x = new Float64Array(pts.length);
  const y = new Float64Array(pts.length);
  let n = 0;
  for (const p of pts) {
    const xv = p[xKey];
    const yv = p[yKey];
    if (xv === undefined || yv === undefined) continue;
    x[n] = xv;
    y[n] = yv;
    n++;
  }
  return { x: x.slice(0, n), y: y.slice(0, n) };
}

/** 5 significant digits: 1e-4 of a loss of ~3, finer than a chart's pixel, and a third less JSON. */
const round = (v: number | null) => (v === null || !Number.isFinite(v) ? null : Number(v.toPrecision(5)));

export async function compareRuns(
  store: Store,
  q: CompareQuery,
  cache?: SeriesCache,
): Promise<CompareResponse> {
  if (!(X_FIELDS as readonly string[]).includes(q.x)) {
    throw new FlywheelError('bad_input', `x=${q.x}: expected one of ${X_FIELDS.join(', ')}`);
  }
  if (q.ids.length === 0)
    throw new FlywheelError('bad_input', 'compare needs run ids (?ids=a,b or a JSON body {"ids": [...]})');
  if (q.ids.length > MAX_COMPARE)
    throw new FlywheelError('bad_input', `compare takes at most ${MAX_COMPARE} runs, got ${q.ids.length}`);
  const kind = kindOf(q.y);
  const runs = await store.listRuns({ ids: q.ids, fields: 'list' });
  const byId = new Map(runs.map((r) => [r.id, r]));
  const missing = q.ids.filter((id) => !byId.has(id));
  if (missing.length)
    throw new FlywheelError(
      'not_found',
      `no run with id "${missing[0]}"${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
    );
  const order = [...new Set(q.ids)].map((id) => byId.get(id)!);

  let pointsIn = 0;
  const series: Columns[] = [];
  for (const r of order) {
    const key = `${r.id}\u0000${kind}\u0000${q.x}\u0000${q.y}`;
    let cols = isTerminal(r.status) ? cache?.get(key) : undefined;
    if (!cols) {
      cols = columns((await store.getMetrics(r.id, kind))[kind], q.x, q.y);
      if (isTerminal(r.status)) cache?.set(key, cols);
    }
    pointsIn += cols.x.length;
    series.push(cols);
  }
  const aligned = alignOnGrid(series, q.maxPoints);
  // Names people recognise: the research engine's proposal titles (from its session state) and rungs.
  const titles = new Map<string, string>();
  for (const sid of new Set(order.map((r) => r.sessionId).filter((v): v is string => !!v))) {
    const session = await store.getSession(sid);
    if (session) for (const [k, v] of proposalTitles(session)) titles.set(`${sid}/${k}`, v);
  }
  const configLabel = (r: RunRecord) => {
    const name =
      titles.get(`${r.sessionId}/${r.tags.proposal}`) ??
      r.tags.title ??
      (r.tags.purpose === 'baseline' ? 'baseline' : undefined);
    return name
      ? `${name}${r.tags.rung !== undefined ? ` · rung ${r.tags.rung}` : ''}`
      : `${r.preset ?? 'config'} ${r.configHash.slice(0, 8)}`;
  };
  const groups = new Map<string, string[]>();
  for (const r of order) groups.set(r.configHash, [...(groups.get(r.configHash) ?? []), r.id]);
  return {
    x: q.x,
    y: q.y,
    kind,
    maxPoints: q.maxPoints,
    grid: aligned.grid.map((v) => Number(v.toPrecision(7))),
    runs: order.map((r, i) => ({
      id: r.id,
      configHash: r.configHash,
      seed: r.seed,
      status: r.status,
      label: `${configLabel(r)} · seed ${r.seed}`,
      valBpb: typeof r.summary.valBpb === 'number' ? r.summary.valBpb : undefined,
      values: aligned.values[i].map(round),
    })),
    groups: [...groups]
      .filter(([, ids]) => ids.length > 1)
      .map(([configHash, runIds]) => ({ configHash, runIds, label: configLabel(byId.get(runIds[0])!) })),
    pointsIn,
  };
}
