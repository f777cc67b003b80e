/**
 * The Store contract implemented once over Kysely (runs, metrics, events, artifacts here; sessions,
 * journal, findings, ideas and the change feed in kysely-research.ts); sqlite.ts and postgres.ts supply
 * the dialect, the write transaction and the locks. Every write is one transaction that first reads the run's
 * status (under a row lock where the dialect has them), so a finish and an append to the same run
 * never interleave, and per-run sequence numbers (`max(seq) + 1`) are assigned without races.
 */
import type { Kysely, SelectExpression } from 'kysely';
import { FlywheelError } from '../errors.ts';
import { isTerminal, RUN_STATUSES } from './base.ts';
import type {
  Artifact,
  MetricKind,
  MetricPoint,
  NewRun,
  RunFilter,
  RunPatch,
  RunRecord,
  RunStatus,
  RunSummary,
  Store,
  StoredEvent,
} from './base.ts';
import { KyselyResearchStore, INSERT_ROWS } from './kysely-research.ts';
import { decodeChunk, encodeChunks } from './metric-codec.ts';
import { applyMigrations } from './migrate.ts';
import {
  chunkRows,
  eventRows,
  matchesNothing,
  parseJson,
  patchColumns,
  runFromRow,
  runToRow,
  runWhere,
  safeText,
  summaryColumns,
} from './rows.ts';
import type { RunRow } from './rows.ts';
import { eventFeedPayload, metricsRef, type FeedWrite } from './rows-research.ts';
import type { Database, RunsTable } from './schema.ts';

export const notFound = (id: string) => new FlywheelError('not_found', `no run with id "${id}"`);
export function checkKind(kind: string) {
  if (kind !== 'train' && kind !== 'eval')
    throw new FlywheelError('bad_input', `unknown metric kind "${kind}"`);
}

/** Every column but the heavy ones, for `fields: 'list'`. */
const LIST_COLUMNS = [
  'id',
  'seq',
  'created_at',
  'started_at',
  'ended_at',
  'heartbeat_at',
  'status',
  'status_reason',
  'stop_rule',
  'session_id',
  'parent_run_id',
  'preset',
  'config_hash',
  'seed',
  'run_dir',
  'pid',
  'val_bpb',
  'tokens',
  'flops',
  'config',
  'summary',
  'tags',
  'host',
  'python',
  'torch',
  'device',
  'code_commit',
  'code_hash',
  'harness_hash',
  'data_hash',
  'executor',
] as const satisfies readonly Exclude<keyof RunsTable, 'code_diff'>[] as readonly SelectExpression<
  Database,
  'runs'
>[];

/** The feed item of a run write. */
export function runFeed(
  row: Pick<RunRow, 'id' | 'status' | 'status_reason' | 'session_id'>,
  summary?: string,
): FeedWrite {
  const payload: Record<string, unknown> = { id: row.id, status: row.status };
  if (row.status_reason !== null && row.status_reason !== undefined) payload.statusReason = row.status_reason;
  if (summary !== undefined) payload.summary = parseJson(summary);
  return {
    topic: 'run',
    runId: row.id,
    sessionId: row.session_id ?? undefined,
    payload: JSON.stringify(payload),
  };
}

export abstract class KyselyStore extends KyselyResearchStore implements Store {
  abstract readonly kind: 'sqlite' | 'postgres';

  async migrate(): Promise<void> {
    await this.writeTx(async (trx) => {
      await this.exclusive(trx, 'migrate');
      await applyMigrations(trx, this.kind);
    });
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // ---- runs ----

  async createRun(run: NewRun): Promise<RunRecord> {
    const status = run.status ?? 'queued';
    if (status !== 'queued' && status !== 'running') {
      throw new FlywheelError('bad_input', `a new run must be queued or running, not "${status}"`);
    }
    const rec: RunRecord = {
      ...run,
      createdAt: new Date().toISOString(),
      status,
      summary: run.summary ?? {},
      tags: run.tags ?? {},
    };
    const row = await this.writeTx(async (trx) => {
      await this.exclusive(trx, 'runs.seq');
      if (await trx.selectFrom('runs').select('id').where('id', '=', run.id).executeTakeFirst()) {
        throw new FlywheelError('conflict', `a run with id "${run.id}" already exists`);
      }
      const { max } = await trx
        .selectFrom('runs')
        .select((eb) => eb.fn.max('seq').as('max'))
        .executeTakeFirstOrThrow();
      const row = runToRow(rec, Number(max ?? 0) + 1);
      await trx.insertInto('runs').values(row).execute();
      await this.writeFeed(trx, [runFeed(row)]);
      return row;
    });
    return runFromRow(row);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && runFromRow(row);
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    if (matchesNothing(filter)) return [];
    const dir = filter.desc ? 'desc' : 'asc';
    const from = this.db.selectFrom('runs');
    let q = (filter.fields === 'list' ? from.select(LIST_COLUMNS) : from.selectAll()).where(runWhere(filter));
    if (filter.orderBy === 'valBpb') q = q.orderBy('val_bpb', (o) => o[dir]().nullsLast());
    else if (filter.orderBy === 'endedAt') q = q.orderBy('ended_at', (o) => o[dir]().nullsLast());
    else q = q.orderBy('created_at', dir);
    q = q.orderBy('seq', dir); // a total order, so pages never overlap or skip
    if (filter.limit !== undefined || filter.offset !== undefined)
      q = q.limit(filter.limit ?? Number.MAX_SAFE_INTEGER);
    if (filter.offset !== undefined) q = q.offset(filter.offset);
    return (await q.execute()).map((r) => runFromRow(r as RunRow));
  }

  async countRuns(filter: RunFilter = {}): Promise<number> {
    if (matchesNothing(filter)) return 0;
    const q = this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll().as('n'))
      .where(runWhere(filter));
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async updateRun(id: string, patch: RunPatch): Promise<RunRecord> {
    if (patch.status !== undefined && !isLive(patch.status)) {
      throw new FlywheelError('bad_input', `updateRun cannot set status "${patch.status}"; use finishRun`);
    }
    return this.writeTx(async (trx) => {
      const row = await this.liveRun(trx, id);
      const set: Partial<RunRow> = { ...patchColumns(patch) };
      if (patch.summary)
        Object.assign(set, summaryColumns({ ...parseJson<RunSummary>(row.summary), ...patch.summary }));
      if (patch.tags) set.tags = JSON.stringify({ ...parseJson<object>(row.tags), ...patch.tags });
      if (Object.keys(set).length > 0) await trx.updateTable('runs').set(set).where('id', '=', id).execute();
      const updated = { ...row, ...set };
      await this.writeFeed(trx, [runFeed(updated)]);
      return runFromRow(updated);
    });
  }

  async finishRun(
    id: string,
    status: RunStatus,
    reason: string,
    summary?: RunSummary,
    stopRule?: string,
  ): Promise<RunRecord> {
    if (!isTerminal(status)) {
      throw new FlywheelError('bad_input', `finishRun needs a terminal status, not "${status}"`);
    }
    return this.writeTx(async (trx) => {
      const row = await this.liveRun(trx, id);
      const set: Partial<RunRow> = {
        status,
        status_reason: safeText(reason),
        ended_at: new Date().toISOString(),
        ...(stopRule !== undefined ? { stop_rule: safeText(stopRule) } : {}),
        ...(summary ? summaryColumns({ ...parseJson<RunSummary>(row.summary), ...summary }) : {}),
      };
      await trx.updateTable('runs').set(set).where('id', '=', id).execute();
      const finished = { ...row, ...set };
      await this.writeFeed(trx, [runFeed(finished, finished.summary)]);
      return runFromRow(finished);
    });
  }

  /** The run's row, locked for this transaction; throws unless it exists and is not terminal. */
  private async liveRun(trx: Kysely<Database>, id: string): Promise<RunRow> {
    const row = await this.lockRun(trx, id);
    if (!row) throw notFound(id);
    if (!isLive(row.status))
      throw new FlywheelError('conflict', `run ${id} is ${row.status}; a finished run is immutable`);
    return row;
  }

  private async lockRun(trx: Kysely<Database>, id: string): Promise<RunRow | undefined> {
    const q = trx.selectFrom('runs').selectAll().where('id', '=', id);
    return (this.rowLocks ? q.forNoKeyUpdate() : q).executeTakeFirst();
  }

  /** Locks the run for an append: its session, or false when it has ended (late lines are dropped, not an error). */
  private async appendable(trx: Kysely<Database>, id: string): Promise<{ sessionId?: string } | false> {
    const q = trx.selectFrom('runs').select(['status', 'session_id']).where('id', '=', id);
    const row = await (this.rowLocks ? q.forNoKeyUpdate() : q).executeTakeFirst();
    if (!row) throw notFound(id);
    return isLive(row.status) && { sessionId: row.session_id ?? undefined };
  }

  private async requireRun(id: string): Promise<void> {
    if (!(await this.db.selectFrom('runs').select('id').where('id', '=', id).executeTakeFirst()))
      throw notFound(id);
  }

  // ---- metrics ----

  async appendMetrics(runId: string, kind: MetricKind, points: MetricPoint[]): Promise<void> {
    checkKind(kind);
    if (points.length === 0) return;
    const chunks = encodeChunks(points); // outside the transaction: hold the write lock only to insert
    await this.writeTx(async (trx) => {
      const live = await this.appendable(trx, runId);
      if (!live) return;
      const { max } = await trx
        .selectFrom('metric_chunks')
        .select((eb) => eb.fn.max('seq').as('max'))
        .where('run_id', '=', runId)
        .where('kind', '=', kind)
        .executeTakeFirstOrThrow();
      const seq0 = Number(max ?? 0) + 1;
      const rows = chunkRows(runId, kind, chunks, seq0);
      for (let i = 0; i < rows.length; i += INSERT_ROWS) {
        await trx
          .insertInto('metric_chunks')
          .values(rows.slice(i, i + INSERT_ROWS))
          .execute();
      }
      await this.writeFeed(trx, [
        { topic: 'metrics', runId, ...live, payload: metricsRef(kind, seq0, rows.length) },
      ]);
    });
  }

  async getMetrics(runId: string, kind?: MetricKind): Promise<{ train: MetricPoint[]; eval: MetricPoint[] }> {
    let q = this.db
      .selectFrom('metric_chunks')
      .select(['kind', 'fields', 'n_points', 'data'])
      .where('run_id', '=', runId)
      .orderBy('kind')
      .orderBy('seq');
    if (kind) q = q.where('kind', '=', kind);
    const rows = await q.execute();
    if (rows.length === 0) await this.requireRun(runId);
    const out: { train: MetricPoint[]; eval: MetricPoint[] } = { train: [], eval: [] };
    for (const r of rows) {
      const points = decodeChunk(parseJson<string[]>(r.fields), r.n_points, r.data);
      const into = out[r.kind as MetricKind];
      for (const p of points) into.push(p);
    }
    return out;
  }

  // ---- events and artifacts ----

  async appendEvents(runId: string, events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.writeTx(async (trx) => {
      const live = await this.appendable(trx, runId);
      if (!live) return;
      const { max } = await trx
        .selectFrom('events')
        .select((eb) => eb.fn.max('seq').as('max'))
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      const rows = eventRows(runId, events, Number(max ?? 0) + 1);
      for (let i = 0; i < rows.length; i += INSERT_ROWS) {
        await trx
          .insertInto('events')
          .values(rows.slice(i, i + INSERT_ROWS))
          .execute();
      }
      await this.writeFeed(
        trx,
        rows.map((r) => ({
          topic: 'event',
          runId,
          ...live,
          payload: eventFeedPayload(r.seq, r.ts, r.kind, r.payload),
        })),
      );
    });
  }

  async listEvents(
    runId: string,
    opts: { kinds?: string[]; afterSeq?: number; limit?: number } = {},
  ): Promise<StoredEvent[]> {
    if (opts.kinds?.length === 0) return [];
    let q = this.db.selectFrom('events').select(['seq', 'ts', 'kind', 'payload']).where('run_id', '=', runId);
    if (opts.kinds) q = q.where('kind', 'in', opts.kinds);
    if (opts.afterSeq !== undefined) q = q.where('seq', '>', opts.afterSeq);
    q = q.orderBy('seq');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    const rows = await q.execute();
    if (rows.length === 0 && opts.afterSeq === undefined && !opts.kinds) await this.requireRun(runId);
    return rows.map((r) => ({ seq: Number(r.seq), ts: r.ts, kind: r.kind, payload: parseJson(r.payload) }));
  }

  /** Allowed on a finished run too (logs and checkpoints are often recorded at exit); same name replaces. */
  async addArtifact(a: Artifact): Promise<void> {
    const row = {
      run_id: a.runId,
      name: a.name,
      path: a.path,
      bytes: a.bytes ?? null,
      sha256: a.sha256 ?? null,
      created_at: a.createdAt ?? new Date().toISOString(),
    };
    await this.writeTx(async (trx) => {
      const run = await trx.selectFrom('runs').select('id').where('id', '=', a.runId).executeTakeFirst();
      if (!run) throw notFound(a.runId);
      await trx
        .insertInto('artifacts')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['run_id', 'name']).doUpdateSet({
            path: row.path,
            bytes: row.bytes,
            sha256: row.sha256,
            created_at: row.created_at,
          }),
        )
        .execute();
    });
  }

  async listArtifacts(runId: string): Promise<Artifact[]> {
    const rows = await this.db
      .selectFrom('artifacts')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('created_at')
      .orderBy('name')
      .execute();
    if (rows.length === 0) await this.requireRun(runId);
    return rows.map((r) => {
      const a: Artifact = { runId: r.run_id, name: r.name, path: r.path, createdAt: r.created_at };
      if (r.bytes !== null) a.bytes = Number(r.bytes);
      if (r.sha256 !== null) a.sha256 = r.sha256;
      return a;
    });
  }
}

export function isLive(status: string): boolean {
  return (RUN_STATUSES as readonly string[]).includes(status) && !isTerminal(status as RunStatus);
}
