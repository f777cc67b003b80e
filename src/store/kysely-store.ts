/**
 * The Store contract implemented once over Kysely; sqlite.ts and postgres.ts supply the dialect,
 * the write transaction and the locks. Every write is one transaction that first reads the run's
 * status (under a row lock where the dialect has them), so a finish and an append to the same run
 * never interleave, and per-run sequence numbers (`max(seq) + 1`) are assigned without races.
 */
import type { Kysely } from 'kysely';
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
import type { Database } from './schema.ts';

const INSERT_ROWS = 200; // rows per INSERT statement: far below both dialects' bound-parameter limits
export const notFound = (id: string) => new FlywheelError('not_found', `no run with id "${id}"`);
export function checkKind(kind: string) {
  if (kind !== 'train' && kind !== 'eval')
    throw new FlywheelError('bad_input', `unknown metric kind "${kind}"`);
}

export abstract class KyselyStore implements Store {
  abstract readonly kind: 'sqlite' | 'postgres';
  constructor(readonly db: Kysely<Database>) {}

  /** Runs `fn` in a transaction that excludes other writers to the rows it locks; retried where safe. */
  protected abstract writeTx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Serialises writers on a store-wide name (Postgres advisory lock); a no-op where writes are serial anyway. */
  protected abstract exclusive(trx: Kysely<Database>, name: string): Promise<void>;
  /** Whether `select ... for no key update` exists (Postgres) or writes are already exclusive (SQLite). */
  protected abstract readonly rowLocks: boolean;

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
    let q = this.db.selectFrom('runs').selectAll().where(runWhere(filter));
    if (filter.orderBy === 'valBpb') q = q.orderBy('val_bpb', (o) => o[dir]().nullsLast());
    else if (filter.orderBy === 'endedAt') q = q.orderBy('ended_at', (o) => o[dir]().nullsLast());
    else q = q.orderBy('created_at', dir);
    q = q.orderBy('seq', dir); // a total order, so pages never overlap or skip
    if (filter.limit !== undefined || filter.offset !== undefined)
      q = q.limit(filter.limit ?? Number.MAX_SAFE_INTEGER);
    if (filter.offset !== undefined) q = q.offset(filter.offset);
    return (await q.execute()).map(runFromRow);
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
      return runFromRow({ ...row, ...set });
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
      return runFromRow({ ...row, ...set });
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

  /** Locks the run for an append; false when it has ended (late lines are dropped, not an error). */
  private async appendable(trx: Kysely<Database>, id: string): Promise<boolean> {
    const q = trx.selectFrom('runs').select('status').where('id', '=', id);
    const row = await (this.rowLocks ? q.forNoKeyUpdate() : q).executeTakeFirst();
    if (!row) throw notFound(id);
    return isLive(row.status);
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
      if (!(await this.appendable(trx, runId))) return;
      const { max } = await trx
        .selectFrom('metric_chunks')
        .select((eb) => eb.fn.max('seq').as('max'))
        .where('run_id', '=', runId)
        .where('kind', '=', kind)
        .executeTakeFirstOrThrow();
      const rows = chunkRows(runId, kind, chunks, Number(max ?? 0) + 1);
      for (let i = 0; i < rows.length; i += INSERT_ROWS) {
        await trx
          .insertInto('metric_chunks')
          .values(rows.slice(i, i + INSERT_ROWS))
          .execute();
      }
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
      if (!(await this.appendable(trx, runId))) return;
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
