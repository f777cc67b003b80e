/** The session's journal: proposals, decisions, kills (with the rule and the runs as evidence), conclusions. */
import type { JournalEntry } from '../../../src/server/types.ts';
import { href } from '../router.ts';

export function Journal({ entries }: { entries: JournalEntry[] }) {
  if (!entries.length) return <p className="muted">No journal entries yet.</p>;
  return (
    <ol className="journal">
      {entries.map((e) => (
        <li key={e.seq} className={`j-${e.kind}`} data-kind={e.kind}>
          <span className="j-kind">{e.kind}</span>
          <span className="muted">{e.ts ? new Date(e.ts).toLocaleTimeString() : ''}</span>{' '}
          <strong>{e.title}</strong>
          {e.body && <p className="j-body">{e.body}</p>}
          {!!e.runIds?.length && (
            <span className="evidence-links">
              evidence:{' '}
              {e.runIds.map((id) => (
                <a key={id} href={href(`runs/${id}`)}>
                  {id}
                </a>
              ))}
            </span>
          )}
          {e.data && Object.keys(e.data).length > 0 && (
            <details>
              <summary>data</summary>
              <pre>{JSON.stringify(e.data, null, 2)}</pre>
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}
