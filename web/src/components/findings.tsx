/** Durable findings: what a session established, with its effect, CI and evidence. */
import type { FindingRecord } from '../../../src/server/types.ts';
import { href } from '../router.ts';

export function Findings({ findings }: { findings: FindingRecord[] }) {
  if (!findings.length) return <p className="muted">No findings yet.</p>;
  return (
    <ul className="findings">
      {findings.map((f) => (
        <li key={f.id} className={f.confirmed ? 'confirmed' : ''}>
          <strong>{f.title}</strong> {f.confirmed ? '✓ confirmed' : '(unconfirmed)'}
          <div>{f.statement}</div>
          <div className="muted">
            {f.effect !== undefined && `effect ${f.effect > 0 ? '+' : ''}${f.effect.toFixed(4)} bpb`}
            {f.ci95 && `, 95% CI [${f.ci95[0].toFixed(4)}, ${f.ci95[1].toFixed(4)}]`}
            {f.n !== undefined && `, n=${f.n}`}
          </div>
          <span className="evidence-links">
            {f.runIds.map((id) => (
              <a key={id} href={href(`runs/${id}`)}>
                {id}
              </a>
            ))}
          </span>
        </li>
      ))}
    </ul>
  );
}
