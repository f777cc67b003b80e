/** A unified diff with added/removed lines coloured; the code a run actually ran differs by this. */
export function CodeDiff({ diff }: { diff?: string }) {
  if (!diff)
    return <p className="muted">No code changes: the run used the trainer at its recorded commit.</p>;
  const lines = diff.split('\n');
  return (
    <pre className="diff">
      {lines.map((l, i) => (
        <div
          key={i}
          className={
            l.startsWith('+++') || l.startsWith('---')
              ? 'd-file'
              : l.startsWith('+')
                ? 'd-add'
                : l.startsWith('-')
                  ? 'd-del'
                  : l.startsWith('@@')
                    ? 'd-hunk'
                    : undefined
          }
        >
          {l || ' '}
        </div>
      ))}
    </pre>
  );
}
