/**
 * One run: headline numbers, live curves, stop reason and a Stop button, config, code diff, events.
 * Live: the run's metric points arrive over SSE and are appended; a status change refetches the detail.
 */
import { useEffect, useRef, useState } from 'react';
import type { MetricPoint, RunDetail } from '../../../src/server/types.ts';
import { getMetrics, getRun, stopRun } from '../api.ts';
import { ago, bpb, seconds, si } from '../format.ts';
import { useDebouncedSet, useFeed } from '../live.ts';
import { href, replaceQuery, type Route } from '../router.ts';
import { CodeDiff } from './code-diff.tsx';
import { ConfigView } from './config-view.tsx';
import { RunCharts, X_LABELS } from './run-charts.tsx';
import { StatusBadge } from './status-badge.tsx';
import { StopInfoBox } from './stop-info.tsx';

const MAX_POINTS = 1500;

export function RunPage({ id, route }: { id: string; route: Route }) {
  const [detail, setDetail] = useState<RunDetail>();
  const [metrics, setMetrics] = useState<{ train: MetricPoint[]; evals: MetricPoint[] }>({
    train: [],
    evals: [],
  });
  const [error, setError] = useState<string>();
  const [stopping, setStopping] = useState<string>();
  const pending = useRef<{ train: MetricPoint[]; evals: MetricPoint[] }>({ train: [], evals: [] });
  const x = route.query.get('x') ?? 'step';
  const logY = route.query.get('log') === '1';

  const loadMetrics = () =>
    getMetrics(id, MAX_POINTS).then(
      (m) => setMetrics({ train: m.train, evals: m.eval }),
      (e: Error) => setError(e.message),
    );
  const wasLive = useRef(false);
  const load = () =>
    getRun(id).then(
      (d) => {
        // When a run we watched live ends, re-read its series once: the final, complete record.
        if (wasLive.current && !d.live) void loadMetrics();
        wasLive.current = d.live;
        setDetail(d);
      },
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    setDetail(undefined);
    setMetrics({ train: [], evals: [] });
    void load();
    void loadMetrics();
  }, [id]);

  // Live points are buffered and drawn at most 4 times a second.
  useEffect(() => {
    const t = window.setInterval(() => {
      const p = pending.current;
      if (!p.train.length && !p.evals.length) return;
      pending.current = { train: [], evals: [] };
      setMetrics((m) => ({ train: appendNew(m.train, p.train), evals: appendNew(m.evals, p.evals) }));
    }, 250);
    return () => window.clearInterval(t);
  }, []);
  const refresh = useDebouncedSet(() => void load(), 300);
  useFeed((it) => {
    if (it.runId !== id) return;
    if (it.topic === 'metrics') {
      const p = it.payload as { kind: 'train' | 'eval'; points: MetricPoint[] };
      if (p.kind === 'eval') pending.current.evals.push(...p.points);
      else pending.current.train.push(...p.points);
    } else if (it.topic === 'run' || it.topic === 'event') refresh(id);
  });

  if (error) return <p className="error">{error}</p>;
  if (!detail) return <p className="muted">loading run {id}…</p>;
  const r = detail.run;
  const s = r.summary;
  const onStop = async () => {
    setStopping('stopping…');
    try {
      const res = await stopRun(id);
      setStopping(res.message);
    } catch (e) {
      setStopping(`stop failed: ${(e as Error).message}`);
    }
    load();
  };
  return (
    <section className="page run-page" data-run={r.id} data-status={r.status}>
      <header className="run-head">
        <h2>
          {r.id} <StatusBadge status={r.status} title={r.statusReason} />
        </h2>
        {detail.live && (
          <button
            className="danger"
            onClick={onStop}
            disabled={!!stopping && stopping === 'stopping…'}
            data-testid="stop-run"
          >
            Stop
          </button>
        )}
        {stopping && <span className="muted">{stopping}</span>}
      </header>
      <dl className="facts">
        <dt>val bpb</dt>
        <dd>{bpb(s.valBpb as number)}</dd>
        <dt>tokens</dt>
        <dd>{si(s.tokens as number)}</dd>
        <dt>FLOPs</dt>
        <dd>{si(s.flops as number)}</dd>
        <dt>params</dt>
        <dd>{si(s.params as number)}</dd>
        <dt>tok/s</dt>
        <dd>{si(s.tokPerSec as number)}</dd>
        <dt>wall</dt>
        <dd>{seconds(s.wallSeconds as number)}</dd>
        <dt>preset / seed</dt>
        <dd>
          {r.preset ?? '–'} / {r.seed}
        </dd>
        <dt>config</dt>
        <dd>
          <a href={href('runs', { where: `configHash:${r.configHash}` })}>{r.configHash}</a>
        </dd>
        {r.sessionId && (
          <>
            <dt>session</dt>
            <dd>
              <a href={href(`sessions/${r.sessionId}`)}>{r.sessionId}</a>
            </dd>
          </>
        )}
        <dt>created</dt>
        <dd title={r.createdAt}>{ago(r.createdAt)}</dd>
      </dl>
      <StopInfoBox detail={detail} />
      <div className="toolbar">
        x:
        {Object.keys(X_LABELS).map((k) => (
          <button key={k} className={k === x ? 'on' : ''} onClick={() => replaceQuery(route, { x: k })}>
            {X_LABELS[k]}
          </button>
        ))}
        <label>
          <input
            type="checkbox"
            checked={logY}
            onChange={(e) => replaceQuery(route, { log: e.target.checked ? '1' : undefined })}
          />{' '}
          log y
        </label>
        <span className="muted">
          {detail.counts.train} train points, {detail.counts.eval} evals
        </span>
      </div>
      <RunCharts train={metrics.train} evals={metrics.evals} x={x} logY={logY} />
      <div className="two-col">
        <div>
          <h3>Config</h3>
          <ConfigView config={r.config} />
        </div>
        <div>
          <h3>Code diff</h3>
          <CodeDiff diff={r.codeDiff} />
          <h3>Events</h3>
          <ul className="events">
            {detail.events.map((e, i) => (
              <li key={i}>
                <code>{e.kind}</code> <span className="muted">{new Date(e.ts).toLocaleTimeString()}</span>{' '}
                {summarize(e.payload)}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}

/**
 * Live points after the last one drawn. The first fetch and the SSE stream overlap by a moment, so a
 * point can come twice; steps only grow within a run (the final eval may repeat the last step).
 */
function appendNew(have: MetricPoint[], more: MetricPoint[]): MetricPoint[] {
  if (!more.length) return have;
  const last = have[have.length - 1];
  const fresh = last
    ? more.filter(
        (p) =>
          p.step > last.step || (p.step === last.step && p.valBpb !== last.valBpb && p.loss === undefined),
      )
    : more;
  return fresh.length ? [...have, ...fresh] : have;
}

function summarize(p: unknown): string {
  if (!p || typeof p !== 'object') return '';
  const o = p as Record<string, unknown>;
  const pick = ['status', 'reason', 'rule', 'params', 'device', 'step', 'valBpb'].filter(
    (k) => o[k] !== undefined,
  );
  return pick.map((k) => `${k}=${typeof o[k] === 'number' ? si(o[k] as number, 4) : String(o[k])}`).join(' ');
}
