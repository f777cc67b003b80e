/**
 * An in-memory read model of the runs table, so the dashboard's list of 10,000 runs does not re-read
 * and re-parse every run on every request. It leans on two store guarantees: runs are never deleted,
 * and a finished run is immutable. So only live (queued/running) runs can change, and new runs are
 * the newest. `refresh()` therefore costs one count, one query for the live runs, one for runs that
 * just finished, and one for the newest runs when the count grew; it runs before every read, so the
 * index is as fresh as the store (other processes included) at the moment of the request.
 *
 * Memory: one list-form record (no codeDiff) and its flattened config per run, ~3-4 KB per run.
 */
import { isTerminal, type RunRecord, type Store } from '../store/base.ts';
import { flatten, splitKeys, type Scalar } from './run-query.ts';

export interface IndexedRun {
  run: RunRecord; // list form (fields: 'list')
  flat: Record<string, Scalar>; // flattened config
}

export class RunIndex {
  private readonly byId = new Map<string, IndexedRun>();
  private ordered: IndexedRun[] | undefined; // newest first, rebuilt lazily after a change
  private live = new Set<string>(); // ids indexed while queued/running
  private pending: Promise<void> | undefined;
  private splitCache: { version: number; value: ReturnType<typeof splitKeys> } | undefined;
  /** Bumped on every change; lets callers cache what they derive from the whole index. */
  version = 0;

  constructor(private readonly store: Store) {}

  /** Bring the index up to date with the store. Concurrent callers share one refresh. */
  refresh(): Promise<void> {
    this.pending ??= this.doRefresh().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async doRefresh(): Promise<void> {
    const [total, liveNow] = await Promise.all([
      this.store.countRuns(),
      this.store.listRuns({ status: ['queued', 'running'], fields: 'list' }),
    ]);
    const changed: RunRecord[] = [...liveNow];
    const liveIds = new Set(liveNow.map((r) => r.id));
    const finished = [...this.live].filter((id) => !liveIds.has(id));
    if (finished.length) changed.push(...(await this.store.listRuns({ ids: finished, fields: 'list' })));
    for (const r of changed) this.put(r);
    this.live = new Set([...liveIds].filter((id) => this.byId.has(id)));
    // New runs that finished between two refreshes: fetch the newest until the count matches.
    let missing = total - this.byId.size;
    for (let page = Math.max(200, 2 * missing), offset = 0; missing > 0; offset += page, page *= 4) {
      const newest = await this.store.listRuns({
        orderBy: 'createdAt',
        desc: true,
        offset,
        limit: page,
        fields: 'list',
      });
      for (const r of newest) if (!this.byId.has(r.id)) this.put(r);
      missing = total - this.byId.size;
      if (newest.length < page) break;
    }
  }

  private put(r: RunRecord): void {
    const prev = this.byId.get(r.id);
    // Unchanged live run (same status, heartbeat, summary): keep the entry and the caches.
    if (
      prev &&
      prev.run.status === r.status &&
      prev.run.heartbeatAt === r.heartbeatAt &&
      prev.run.pid === r.pid &&
      JSON.stringify(prev.run.summary) === JSON.stringify(r.summary)
    )
      return;
    this.byId.set(r.id, {
      run: r,
      flat:
        prev && prev.run.configHash === r.configHash && prev.run.seed === r.seed
          ? prev.flat
          : flatten(r.config),
    });
    if (!isTerminal(r.status)) this.live.add(r.id);
    this.ordered = undefined;
    this.version++;
  }

  /** Every run, newest first (createdAt, then id). */
  all(): IndexedRun[] {
    this.ordered ??= [...this.byId.values()].sort((a, b) =>
      a.run.createdAt < b.run.createdAt
        ? 1
        : a.run.createdAt > b.run.createdAt
          ? -1
          : a.run.id < b.run.id
            ? 1
            : -1,
    );
    return this.ordered;
  }

  get(id: string): IndexedRun | undefined {
    return this.byId.get(id);
  }

  /** Varying keys and constants over all runs, cached until the index changes. */
  splitAll(): ReturnType<typeof splitKeys> {
    if (this.splitCache?.version !== this.version)
      this.splitCache = { version: this.version, value: splitKeys(this.all().map((e) => e.flat)) };
    return this.splitCache.value;
  }
}
