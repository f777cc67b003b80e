/** Configs vs final val bpb over every finished run (or those matching the runs-table filter). */
import { useEffect, useState } from 'react';
import type { RunListItem } from '../../../src/server/types.ts';
import { getRuns } from '../api.ts';
import { href, type Route } from '../router.ts';
import { ParallelCoords } from './parallel-coords.tsx';

export function ParallelPage({ route }: { route: Route }) {
  const where = route.query.get('where') ?? '';
  const [data, setData] = useState<{ runs: RunListItem[]; keys: string[] }>();
  const [error, setError] = useState<string>();
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => {
    const w = where ? `&where=${encodeURIComponent(where)}` : '';
    getRuns(`fields=list&limit=50000&status=completed${w}`).then(
      (r) => setData({ runs: r.runs, keys: r.keys }),
      (e: Error) => setError(e.message),
    );
  }, [where]);
  if (error) return <p className="error">{error}</p>;
  if (!data) return <p className="muted">loading…</p>;
  const best = [...picked].slice(0, 200);
  return (
    <section className="page parallel-page">
      <div className="toolbar">
        <span>
          {data.runs.length} completed runs{where ? ` matching ${where}` : ''}; axes are the config keys that
          differ between them.
        </span>
        {picked.length > 0 && picked.length < data.runs.length && (
          <a className="button" href={href('compare', { ids: best.join(','), y: 'valBpb' })}>
            compare {best.length} brushed
          </a>
        )}
      </div>
      {data.keys.length === 0 && (
        <p className="muted">All these runs share one config (apart from seeds): only val bpb varies.</p>
      )}
      <ParallelCoords runs={data.runs} keys={data.keys} onSelect={setPicked} />
    </section>
  );
}
