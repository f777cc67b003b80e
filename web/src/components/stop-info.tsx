/** Why a run stopped: the reason, the monitor rule and its evidence, who asked and when. */
import type { RunDetail } from '../../../src/server/types.ts';

export function StopInfoBox({ detail }: { detail: RunDetail }) {
  const s = detail.stop;
  const r = detail.run;
  if (!s && !['stopped', 'diverged', 'failed', 'lost'].includes(r.status)) return null;
  return (
    <div className={`stop-info badge-${r.status}-border`} data-testid="stop-info">
      <strong>
        {r.status === 'stopped' ? 'Stopped' : r.status === 'running' ? 'Stop requested' : r.status}
      </strong>
      {': '}
      {s?.reason ?? r.statusReason ?? 'no reason recorded'}
      {s?.rule && (
        <>
          {' '}
          — rule <code>{s.rule}</code>
        </>
      )}
      {s?.requestedBy && (
        <span className="muted">
          {' '}
          (by {s.requestedBy}
          {s.requestedAt ? ` at ${new Date(s.requestedAt).toLocaleTimeString()}` : ''})
        </span>
      )}
      {s?.evidence !== undefined && <pre className="evidence">{JSON.stringify(s.evidence, null, 2)}</pre>}
    </div>
  );
}
