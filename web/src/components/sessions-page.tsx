/** All research sessions, newest first, live. */
import { useEffect, useState } from 'react';
import type { SessionListItem } from '../../../src/server/types.ts';
import { getSessions } from '../api.ts';
import { ago, bpb } from '../format.ts';
import { useDebouncedSet, useFeed } from '../live.ts';
import { href } from '../router.ts';
import { StatusBadge } from './status-badge.tsx';

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

export function SessionsPage() {
  const [sessions, setSessions] = useState<SessionListItem[]>();
  const [error, setError] = useState<string>();
  const load = () =>
    getSessions().then(
      (r) => setSessions(r.sessions),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), []);
  const refresh = useDebouncedSet(() => void load(), 1000);
  useFeed((it) => it.topic === 'session' && refresh('all'));
  if (error) return <p className="error">{error}</p>;
  if (!sessions) return <p className="muted">loading…</p>;
  if (!sessions.length)
    return (
      <p className="muted">
        No research sessions yet: start one with <code>flywheel research</code>.
      </p>
    );
  return (
    <section className="page">
      <table className="grid">
        <thead>
          <tr>
            <th>session</th>
            <th>status</th>
            <th>researcher</th>
            <th>parallel</th>
            <th>baseline bpb</th>
            <th>best bpb</th>
            <th>significant</th>
            <th>started</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => {
            const base = (s.summary.baseline ?? {}) as Record<string, unknown>;
            const best = (s.summary.best ?? {}) as Record<string, unknown>;
            return (
              <tr key={s.id} data-session={s.id}>
                <td>
                  <a href={href(`sessions/${s.id}`)}>{s.id}</a>
                </td>
                <td>
                  <StatusBadge status={s.status} title={s.statusReason} />
                  {s.control && s.control !== 'resume' && (
                    <span className="muted"> ({s.control} requested)</span>
                  )}
                </td>
                <td>{s.researcher}</td>
                <td>{s.parallel}</td>
                <td>{bpb(num(base.valBpb))}</td>
                <td>{bpb(num(best.valBpb))}</td>
                <td>{s.summary.significant === undefined ? '–' : String(s.summary.significant)}</td>
                <td title={s.createdAt}>{ago(s.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
