/** Mapping between `runs` rows and the RunRecord of base.ts, and the list filter as SQL. */
import type { ExpressionBuilder, Expression, Selectable, SqlBool } from 'kysely';
import type {
  RunFilter,
  RunPatch,
  RunProvenance,
  RunRecord,
  RunStatus,
  RunSummary,
  StoredEvent,
} from './base.ts';
import type { EncodedChunk } from './metric-codec.ts';
import type { Database, EventsTable, MetricChunksTable, RunsTable } from './schema.ts';

export type RunRow = Selectable<RunsTable>;

// Optional scalar fields: record key -> column. Null in the row <=> absent in the record.
const PROVENANCE: Record<keyof RunProvenance, keyof RunsTable> = {
  host: 'host',
  python: 'python',
  torch: 'torch',
  device: 'device',
  codeCommit: 'code_commit',
  codeDiff: 'code_diff',
  codeHash: 'code_hash',
  harnessHash: 'harness_hash',
  dataHash: 'data_hash',
  executor: 'executor',
};
/** What `updateRun` may set directly (summary and tags are merged separately). */
const PATCHABLE = {
  ...PROVENANCE,
  status: 'status',
  startedAt: 'started_at',
  heartbeatAt: 'heartbeat_at',
  statusReason: 'status_reason',
  pid: 'pid',
} as const satisfies Record<string, keyof RunsTable>;
const OPTIONAL = {
  ...PATCHABLE,
  endedAt: 'ended_at',
  stopRule: 'stop_rule',
  sessionId: 'session_id',
  parentRunId: 'parent_run_id',
  preset: 'preset',
} as const satisfies Record<string, keyof RunsTable>;

/** JSON columns are text today; accept an already-parsed value too (a later jsonb column). */
export const parseJson = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
/** Postgres text cannot hold NUL; a trainer's reason string might. Same replacement in every backend. */
export const safeText = <T>(v: T): T => (typeof v === 'string' ? (v.replaceAll('\u0000', '\uFFFD') as T) : v);
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The columns copied out of the summary so lists can sort and sum without parsing JSON. */
export const summaryColumns = (s: RunSummary) => ({
  summary: JSON.stringify(s),
  val_bpb: finite(s.valBpb),
  tokens: finite(s.tokens),
  flops: finite(s.flops),
});

export function runFromRow(row: RunRow): RunRecord {
  const rec: Record<string, unknown> = {
    id: row.id,
    createdAt: row.created_at,
    status: row.status as RunStatus,
    config: parseJson(row.config),
    configHash: row.config_hash,
    seed: Number(row.seed),
    runDir: row.run_dir,
    summary: parseJson(row.summary),
    tags: parseJson(row.tags),
  };
  for (const [key, col] of Object.entries(OPTIONAL)) {
    const v = row[col];
    if (v !== null && v !== undefined) rec[key] = key === 'pid' ? Number(v) : v;
  }
  return rec as unknown as RunRecord;
}

export function runToRow(rec: RunRecord, seq: number): RunRow {
  const row: Record<string, unknown> = {
    id: rec.id,
    seq,
    created_at: rec.createdAt,
    status: rec.status,
    config: JSON.stringify(rec.config),
    config_hash: rec.configHash,
    seed: rec.seed,
    run_dir: rec.runDir,
    tags: JSON.stringify(rec.tags),
    ...summaryColumns(rec.summary),
  };
  const r = rec as unknown as Record<string, unknown>;
  for (const [key, col] of Object.entries(OPTIONAL)) row[col] = safeText(r[key]) ?? null;
  return row as unknown as RunRow;
}

/** Column updates for the directly settable fields of a patch; undefined means "leave as is". */
export function patchColumns(patch: RunPatch): Partial<RunRow> {
  const out: Record<string, unknown> = {};
  const p = patch as Record<string, unknown>;
  for (const [key, col] of Object.entries(PATCHABLE)) if (p[key] !== undefined) out[col] = safeText(p[key]);
  return out as Partial<RunRow>;
}

/** True when the filter can match nothing (an empty `ids` or `status` list): skip the query. */
export const matchesNothing = (f: RunFilter) =>
  (Array.isArray(f.ids) && f.ids.length === 0) || (Array.isArray(f.status) && f.status.length === 0);

export function runWhere(f: RunFilter) {
  return (eb: ExpressionBuilder<Database, 'runs'>) => {
    const conds: Expression<SqlBool>[] = [];
    if (f.status !== undefined) {
      conds.push(Array.isArray(f.status) ? eb('status', 'in', f.status) : eb('status', '=', f.status));
    }
    if (f.sessionId !== undefined) conds.push(eb('session_id', '=', f.sessionId));
    if (f.configHash !== undefined) conds.push(eb('config_hash', '=', f.configHash));
    if (f.preset !== undefined) conds.push(eb('preset', '=', f.preset));
    if (f.ids !== undefined) conds.push(eb('id', 'in', f.ids));
    if (f.dataHash !== undefined) conds.push(eb('data_hash', '=', f.dataHash));
    if (f.codeHash !== undefined) conds.push(eb('code_hash', '=', f.codeHash));
    return eb.and(conds);
  };
}

/** Rows for the chunks of one append, numbered from `seq0`. */
export function chunkRows(
  runId: string,
  kind: string,
  chunks: EncodedChunk[],
  seq0: number,
): MetricChunksTable[] {
  return chunks.map((c, i) => ({
    run_id: runId,
    kind,
    seq: seq0 + i,
    n_points: c.nPoints,
    fields: JSON.stringify(c.fields),
    step_first: c.stepFirst,
    step_last: c.stepLast,
    data: c.data,
  }));
}

export function eventRows(runId: string, events: StoredEvent[], seq0: number): EventsTable[] {
  return events.map((e, i) => ({
    run_id: runId,
    seq: seq0 + i,
    ts: e.ts,
    kind: e.kind,
    payload: JSON.stringify(e.payload ?? null),
  }));
}
