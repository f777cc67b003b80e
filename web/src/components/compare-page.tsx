/**
 * Overlay runs: x by step / tokens / FLOPs / wall seconds, log axes, EMA smoothing, and runs that
 * differ only by seed (same configHash) drawn as one mean line with a ± 1 std band.
 * Runs come from `?ids=a,b,...` or `?session=ID`; the data is one POST (1,000 ids do not fit a URL).
 */
import { useEffect, useState } from 'react';
import type { CompareResponse } from '../../../src/server/types.ts';
import { compare, getRuns } from '../api.ts';
import { replaceQuery, type Route } from '../router.ts';
import { CompareChart } from './compare-chart.tsx';
import { X_LABELS } from './run-charts.tsx';

const Y_CHOICES = ['loss', 'valBpb', 'valLoss', 'lr', 'gradNorm', 'tokPerSec'];

export function ComparePage({ route }: { route: Route }) {
  const q = route.query;
  const x = q.get('x') ?? 'tokens';
  const y = q.get('y') ?? 'loss';
  const smooth = Number(q.get('smooth') ?? '0');
  const logX = q.get('logx') === '1';
  const logY = q.get('logy') === '1';
  const bands = q.get('bands') !== '0';
  const maxPoints = Number(q.get('maxPoints') ?? '400');
  const idsParam = q.get('ids') ?? '';
  const session = q.get('session') ?? '';
  const [data, setData] = useState<CompareResponse>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    const t0 = performance.now();
    (async () => {
      let ids = idsParam.split(',').filter(Boolean);
      if (!ids.length && session)
        ids = (await getRuns(`session=${encodeURIComponent(session)}&limit=5000&keys=preset`)).runs.map(
          (r) => r.id,
        );
      if (!ids.length) throw new Error('no runs to compare: select runs in the table first');
      const res = await compare({ ids, x, y, maxPoints });
      (window as unknown as { __compareFetchMs: number }).__compareFetchMs = performance.now() - t0;
      if (!cancelled) {
        setError(undefined);
        setData(res);
      }
    })().catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [idsParam, session, x, y, maxPoints]);

  const set = (patch: Record<string, string | undefined>) => replaceQuery(route, patch);
  return (
    <section className="page compare-page">
      <div className="toolbar">
        x:
        {Object.keys(X_LABELS).map((k) => (
          <button key={k} className={k === x ? 'on' : ''} onClick={() => set({ x: k })}>
            {X_LABELS[k]}
          </button>
        ))}
        y:
        <select
          value={Y_CHOICES.includes(y) ? y : ''}
          onChange={(e) => set({ y: e.target.value })}
          aria-label="metric"
        >
          {Y_CHOICES.map((c) => (
            <option key={c}>{c}</option>
          ))}
          {!Y_CHOICES.includes(y) && <option value="">{y}</option>}
        </select>
        <input
          className="short"
          placeholder="bpb.code"
          onKeyDown={(e) => e.key === 'Enter' && set({ y: (e.target as HTMLInputElement).value })}
          aria-label="other metric"
        />
        <label>
          <input
            type="checkbox"
            checked={logX}
            onChange={(e) => set({ logx: e.target.checked ? '1' : undefined })}
          />{' '}
          log x
        </label>
        <label>
          <input
            type="checkbox"
            checked={logY}
            onChange={(e) => set({ logy: e.target.checked ? '1' : undefined })}
          />{' '}
          log y
        </label>
        <label>
          <input
            type="checkbox"
            checked={bands}
            onChange={(e) => set({ bands: e.target.checked ? undefined : '0' })}
          />{' '}
          seed bands
        </label>
        <label>
          smoothing{' '}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smooth}
            onChange={(e) => set({ smooth: e.target.value === '0' ? undefined : e.target.value })}
          />{' '}
          {smooth.toFixed(2)}
        </label>
        {data && (
          <span className="muted">
            {data.runs.length} runs, {data.pointsIn} points → {data.grid.length} per run
          </span>
        )}
      </div>
      {error && <p className="error">{error}</p>}
      {data && <CompareChart data={data} smooth={smooth} logX={logX} logY={logY} bands={bands} />}
    </section>
  );
}
