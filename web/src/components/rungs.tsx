/** Successive halving: a column per budget rung, runs best first; promoted configs are marked. */
import type { RungView } from '../../../src/server/types.ts';
import { bpb, si } from '../format.ts';
import { href } from '../router.ts';

export function Rungs({ rungs }: { rungs: RungView[] }) {
  if (!rungs.length) return <p className="muted">No runs yet.</p>;
  return (
    <div className="rungs">
      {rungs.map((g) => (
        <div key={g.rung} className="rung" data-rung={g.rung}>
          <h4>
            rung {g.rung}
            {g.budget !== undefined ? ` · ${si(g.budget)}` : ''} · {g.runs.length} runs
          </h4>
          <ol>
            {g.runs.map((r) => (
              <li
                key={r.id}
                className={`${r.promoted ? 'promoted ' : ''}${r.killed ? 'killed ' : ''}st-${r.status}`}
                title={r.killed ? `stopped by the monitor: ${r.killed}` : r.status}
              >
                <a href={href(`runs/${r.id}`)}>{bpb(r.valBpb)}</a>{' '}
                <span className="muted">{r.proposal ?? r.id.slice(-6)}</span>
                {r.promoted && ' ↑'}
                {r.killed && <span className="kill-mark"> ✕ {r.killed}</span>}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </div>
  );
}
