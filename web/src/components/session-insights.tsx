/**
 * What a session's runs say beyond its best: which knobs explain val bpb across the store's comparable
 * runs (GET /api/sessions/:id/importance) and, when the best is a multi-knob win that was ablated, the
 * share of the effect each knob carries (the summary's `best.attribution`). Both are also in the report.
 */
import { useEffect, useState } from 'react';
import type { ImportanceReport } from '../../../src/analysis/importance.ts';
import { getImportance } from '../api.ts';

interface Attribution {
  key: string;
  value: unknown;
  delta: number;
  ci95: [number, number];
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const signed = (v: number) => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(4)}`;

/** Attribution entries from a stored summary, kept only when well-formed. */
export function attributionOf(summary: Record<string, unknown>): Attribution[] {
  const best = (summary.best ?? {}) as { attribution?: unknown };
  if (!Array.isArray(best.attribution)) return [];
  return (best.attribution as Record<string, unknown>[]).filter(
    (a): a is Record<string, unknown> & Attribution =>
      typeof a?.key === 'string' &&
      num(a.delta) !== undefined &&
      Array.isArray(a.ci95) &&
      a.ci95.length === 2 &&
      a.ci95.every((x) => num(x) !== undefined),
  );
}

function Bar({ share, lo, hi, color }: { share: number; lo: number; hi: number; color: string }) {
  const pct = (v: number) => `${Math.max(0, Math.min(100, v * 100)).toFixed(1)}%`;
  return (
    <div style={{ position: 'relative', height: 12, background: '#f1f2f4', minWidth: 160 }}>
      <div
        style={{ position: 'absolute', left: 0, top: 0, bottom: 0, width: pct(share), background: color }}
      />
      <div
        title={`95% CI [${(lo * 100).toFixed(1)}%, ${(hi * 100).toFixed(1)}%]`}
        style={{
          position: 'absolute',
          left: pct(lo),
          width: `calc(${pct(hi)} - ${pct(lo)})`,
          top: 5,
          height: 2,
          background: '#222',
        }}
      />
    </div>
  );
}

export function SessionInsights({
  id,
  summary,
  version,
}: {
  id: string;
  summary: Record<string, unknown>;
  version: number;
}) {
  const [imp, setImp] = useState<ImportanceReport>();
  const [missing, setMissing] = useState<string>();
  useEffect(() => {
    getImportance(id).then(
      (r) => {
        setImp(r);
        setMissing(undefined);
      },
      (e: Error) => setMissing(e.message),
    );
  }, [id, version]);
  const attribution = attributionOf(summary);
  return (
    <div className="two-col" data-testid="session-insights">
      <div>
        <h3>Knob importance</h3>
        {imp ? (
          <>
            <table className="kv" data-testid="importance">
              <tbody>
                {imp.knobs.slice(0, 10).map((k) => (
                  <tr key={k.key}>
                    <th>{k.key}</th>
                    <td style={{ width: '50%' }}>
                      <Bar share={k.importance} lo={k.ci95[0]} hi={k.ci95[1]} color="#1f77b4" />
                    </td>
                    <td>
                      {(100 * k.importance).toFixed(1)}% <span className="muted">n={k.n}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted">
              Share of the variance of val bpb over {imp.n} comparable runs (all sessions).{' '}
              {imp.warnings.join('; ')}.
            </p>
          </>
        ) : (
          <p className="muted">{missing ?? 'loading…'}</p>
        )}
      </div>
      <div>
        <h3>Attribution of the best</h3>
        {attribution.length ? (
          <table className="kv" data-testid="attribution">
            <tbody>
              {attribution.map((a) => (
                <tr key={a.key}>
                  <th>
                    {a.key} = {JSON.stringify(a.value)}
                  </th>
                  <td>
                    {signed(a.delta)} [{signed(a.ci95[0])}, {signed(a.ci95[1])}]
                  </td>
                  <td className="muted">{a.ci95[1] < 0 ? 'helps' : a.ci95[0] > 0 ? 'hurts' : 'noise'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">Not run in this session (the best is not an ablated multi-knob win).</p>
        )}
      </div>
    </div>
  );
}
