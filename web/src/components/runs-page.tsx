/**
 * Every run in one table. The whole list is loaded once (compact rows, ~10k is fine) and then sorted
 * and filtered in the browser; live changes arrive over SSE and refetch only the runs that changed.
 */
import { useEffect, useMemo, useState } from 'react';
import type { RunListItem, RunStatus, Scalar } from '../../../src/server/types.ts';
import { getRuns } from '../api.ts';
import { compareBy, matches, parseFilter } from '../filter.ts';
import { useDebouncedSet, useFeed } from '../live.ts';
import { href, replaceQuery, type Route } from '../router.ts';
import { baseColumns, configColumns, RunsTable } from './runs-table.tsx';

const STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'stopped', 'diverged', 'failed', 'lost'];
const ALL = 50000;

export function RunsPage({ route }: { route: Route }) {
  const [runs, setRuns] = useState<RunListItem[] | null>(null);
  const [keys, setKeys] = useState<string[]>([]);
  const [constants, setConstants] = useState<Record<string, Scalar>>({});
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const where = route.query.get('where') ?? '';
  const sort = route.query.get('sort') ?? '-createdAt';
  const statusKey = route.query.get('status') ?? '';
  const statuses = statusKey.split(',').filter(Boolean);
  const virtual = route.query.get('novirt') !== '1';

  useEffect(() => {
    const t0 = performance.now();
    getRuns(`fields=list&limit=${ALL}`).then(
      (res) => {
        (window as unknown as { __runsFetchMs: number }).__runsFetchMs = performance.now() - t0;
        setRuns(res.runs);
        setKeys(res.keys);
        setConstants(res.constants ?? {});
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  // Live: new or changed runs are refetched in one request per half second.
  const loaded = runs !== null;
  const refetch = useDebouncedSet((ids) => {
    if (!loaded) {
      // Changes that arrive before the first load finishes are applied after it.
      window.setTimeout(() => ids.forEach((id) => refetch(id)), 300);
      return;
    }
    getRuns(
      `fields=list&limit=${ids.size}&ids=${[...ids].join(',')}&keys=${keys.join(',') || 'preset'}`,
    ).then((res) => {
      setRuns((prev) => {
        if (!prev) return prev;
        const byId = new Map(res.runs.map((r) => [r.id, r]));
        const next = prev.map((r) => byId.get(r.id) ?? r);
        const known = new Set(prev.map((r) => r.id));
        const added = res.runs.filter((r) => !known.has(r.id));
        return added.length ? [...added, ...next] : next;
      });
    });
  }, 400);
  useFeed((it) => {
    if (it.topic === 'run' && it.runId) refetch(it.runId);
  });

  const filter = useMemo(() => parseFilter(where), [where]);
  const rows = useMemo(() => {
    if (!runs) return [];
    const st = new Set(statusKey.split(',').filter(Boolean));
    const out = runs.filter(
      (r) => (st.size === 0 || st.has(r.status)) && matches(r, filter.clauses, constants),
    );
    return sort === '-createdAt'
      ? out
      : out.sort(compareBy(sort.replace(/^-/, ''), sort.startsWith('-'), constants));
  }, [runs, filter, sort, statusKey, constants]);

  useEffect(() => {
    if (runs) {
      performance.mark('runs-rendered');
      (window as unknown as { __runsRendered: { rows: number; ms: number } }).__runsRendered = {
        rows: rows.length,
        ms: performance.now(),
      };
    }
  }, [runs, rows.length]);

  const columns = useMemo(() => [...baseColumns(), ...configColumns(keys)], [keys]);
  const onSort = (key: string) => replaceQuery(route, { sort: sort === `-${key}` ? key : `-${key}` });
  const toggleStatus = (s: string) => {
    const next = statuses.includes(s) ? statuses.filter((x) => x !== s) : [...statuses, s];
    replaceQuery(route, { status: next.join(',') });
  };
  const onSelect = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const compareIds = selected.size ? [...selected] : rows.slice(0, 20).map((r) => r.id);

  if (error) return <p className="error">Could not load runs: {error}</p>;
  return (
    <section className="page runs-page">
      <div className="toolbar">
        <input
          className="filter"
          placeholder="filter: model.depth:4 optim.lr<0.01 valBpb<3.2"
          defaultValue={where}
          onKeyDown={(e) => {
            if (e.key === 'Enter') replaceQuery(route, { where: (e.target as HTMLInputElement).value });
          }}
          onBlur={(e) => replaceQuery(route, { where: e.target.value })}
          aria-label="filter runs"
        />
        {STATUSES.map((s) => (
          <label key={s} className={`chip badge-${s}`}>
            <input type="checkbox" checked={statuses.includes(s)} onChange={() => toggleStatus(s)} /> {s}
          </label>
        ))}
        <span className="count" data-testid="run-count">
          {runs ? `${rows.length} of ${runs.length} runs` : 'loading…'}
        </span>
        <a className="button" href={href('compare', { ids: compareIds.join(',') })}>
          compare {selected.size ? `${selected.size} selected` : `top ${compareIds.length}`}
        </a>
        <a className="button" href={href('parallel', { where })}>
          parallel coordinates
        </a>
      </div>
      {filter.error && <p className="error">{filter.error}</p>}
      {runs && (
        <RunsTable
          rows={rows}
          columns={columns}
          sort={sort}
          onSort={onSort}
          selected={selected}
          onSelect={onSelect}
          virtual={virtual}
        />
      )}
    </section>
  );
}
