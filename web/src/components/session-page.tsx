/**
 * One research session: status and controls (pause / resume / stop, which the session loop polls),
 * headline numbers, budget burn-down, best so far ± CI, successive-halving rungs, journal, findings,
 * and its runs. Live: journal entries append as they arrive; run/session changes refetch the view.
 */
import { useEffect, useMemo, useState } from 'react';
import type { JournalEntry, SessionView } from '../../../src/server/types.ts';
import { controlSession, getJournal, getSession, reportHref } from '../api.ts';
import { ago, bpb, si } from '../format.ts';
import { useDebouncedSet, useFeed } from '../live.ts';
import { href } from '../router.ts';
import { Findings } from './findings.tsx';
import { Journal } from './journal.tsx';
import { Rungs } from './rungs.tsx';
import { baseColumns, configColumns, RunsTable } from './runs-table.tsx';
import { SessionCharts } from './session-charts.tsx';
import { SessionInsights } from './session-insights.tsx';
import { StatusBadge } from './status-badge.tsx';
import { WinsAtScale } from './wins-at-scale.tsx';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

export function SessionPage({ id }: { id: string }) {
  const [view, setView] = useState<SessionView>();
  const [journal, setJournal] = useState<JournalEntry[]>([]);
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const load = () => getSession(id).then(setView, (e: Error) => setError(e.message));
  useEffect(() => {
    void load();
    getJournal(id).then(
      (j) => setJournal(j.entries),
      (e: Error) => setError(e.message),
    );
  }, [id]);
  const refresh = useDebouncedSet(() => void load(), 1000);
  useFeed((it) => {
    if (it.topic === 'journal' && it.sessionId === id) {
      const e = it.payload as JournalEntry;
      setJournal((j) => (j.some((x) => x.seq === e.seq) ? j : [...j, e]));
    }
    if ((it.topic === 'run' || it.topic === 'session' || it.topic === 'finding') && it.sessionId === id)
      refresh(id);
  });
  const columns = useMemo(() => [...baseColumns(), ...configColumns(view?.keys ?? [])], [view?.keys]);

  if (error) return <p className="error">{error}</p>;
  if (!view) return <p className="muted">loading session {id}…</p>;
  const s = view.session;
  const sum = s.summary;
  const base = obj(sum.baseline);
  const best = obj(sum.best);
  const runsCount = obj(sum.runs);
  const ended = ['completed', 'stopped', 'failed'].includes(s.status);
  const act = async (a: 'pause' | 'resume' | 'stop') => {
    try {
      await controlSession(id, a);
      setNote(`${a} requested; the session applies it at its next step`);
      void load();
    } catch (e) {
      setNote((e as Error).message);
    }
  };
  const ci = Array.isArray(best.ci95) ? (best.ci95 as number[]) : undefined;
  return (
    <section className="page session-page" data-session={s.id} data-status={s.status}>
      <header className="run-head">
        <h2>
          {s.id} <StatusBadge status={s.status} title={s.statusReason} />
        </h2>
        {!ended && (
          <>
            {s.status === 'paused' || s.control === 'pause' ? (
              <button onClick={() => act('resume')}>Resume</button>
            ) : (
              <button onClick={() => act('pause')}>Pause</button>
            )}
            <button className="danger" onClick={() => act('stop')} data-testid="stop-session">
              Stop
            </button>
          </>
        )}
        <a href={reportHref(s.id)} target="_blank" rel="noopener noreferrer" data-testid="session-report">
          Report
        </a>
        {note && <span className="muted">{note}</span>}
      </header>
      <dl className="facts">
        <dt>researcher</dt>
        <dd>
          {s.researcher} · {s.executor} × {s.parallel}
        </dd>
        <dt>baseline</dt>
        <dd>
          {bpb(num(base.valBpb))} ± {num(base.std)?.toFixed(4) ?? '–'} (n={String(base.n ?? '–')})
        </dd>
        <dt>best</dt>
        <dd>
          {bpb(num(best.valBpb))}
          {ci && ` [${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]`}{' '}
          {best.runId ? <a href={href(`runs/${best.runId}`)}>run</a> : null}
        </dd>
        <dt>significant</dt>
        <dd>{sum.significant === undefined ? '–' : String(sum.significant)}</dd>
        <dt>runs</dt>
        <dd>
          {view.runs.length} (
          {Object.entries(runsCount)
            .filter(([k, v]) => k !== 'total' && v !== 0)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || '–'}
          )
        </dd>
        <dt>compute</dt>
        <dd>
          {si(num(sum.computeUsed) ?? view.burn[view.burn.length - 1]?.flops)} FLOPs
          {view.budget.flops ? ` of ${si(view.budget.flops)}` : ''}
          {num(sum.computeSavedByMonitor) !== undefined &&
            `, saved by monitor ${(100 * num(sum.computeSavedByMonitor)!).toFixed(0)}%`}
        </dd>
        <dt>started</dt>
        <dd title={s.createdAt}>{ago(s.createdAt)}</dd>
      </dl>
      <SessionCharts view={view} />
      <SessionInsights
        id={s.id}
        summary={sum}
        version={view.runs.filter((r) => r.status === 'completed').length}
      />
      <WinsAtScale summary={sum} />
      <h3>Rungs</h3>
      <Rungs rungs={view.rungs} />
      <div className="two-col">
        <div>
          <h3>Journal ({journal.length})</h3>
          <Journal entries={journal} />
        </div>
        <div>
          <h3>Findings</h3>
          <Findings findings={view.findings} />
        </div>
      </div>
      <h3>
        Runs <a href={href('compare', { session: s.id, y: 'valBpb' })}>compare all</a>
      </h3>
      <div className="session-runs">
        <RunsTable
          rows={view.runs}
          columns={columns}
          sort="-createdAt"
          onSort={() => undefined}
          selected={new Set()}
          onSelect={() => undefined}
          virtual
        />
      </div>
    </section>
  );
}
