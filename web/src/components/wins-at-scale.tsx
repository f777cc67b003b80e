/**
 * What a session's wins are worth beyond its size (README "What a win is worth" and "the size ladder"):
 * each confirmed win with Δ bpb ± CI and its compute multiplier ± CI, and the best change's size ladder
 * as a plot of Δ vs parameters (log scale), one point per size with its 95 % CI, coloured by verdict
 * (holds / shrinks / flips / pending); the session's own size is the first point. Plain SVG: a
 * handful of points needs no chart library.
 */
import { si } from '../format.ts';

interface Worth {
  value: number;
  ci95: [number, number];
  text?: string;
}
interface Win {
  proposalId: string;
  title: string;
  delta: number;
  ci95: [number, number];
  computeMultiplier?: Worth;
}
interface Rung {
  params: number;
  tokens: number;
  delta: number | null;
  ci95: [number, number] | null;
  computeMultiplier: Worth | null;
  verdict: string;
}
interface Best {
  proposalId?: string;
  title?: string;
  ladder?: Rung[] | null;
  ladderReason?: string;
  ladderBase?: { params: number; delta: number };
  ci95?: [number, number] | null;
}

const f4 = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(4)}`;
const worth = (m: Worth | null | undefined) =>
  m ? `${m.value.toFixed(2)}× [${m.ci95[0].toFixed(2)}, ${m.ci95[1].toFixed(2)}]` : '–';
export const VERDICT_COLOR: Record<string, string> = {
  holds: '#2e7d32',
  shrinks: '#ef6c00',
  flips: '#c62828',
  pending: '#9e9e9e',
  session: '#1565c0',
};

export function WinsAtScale({ summary }: { summary: Record<string, unknown> }) {
  const wins = (Array.isArray(summary.wins) ? summary.wins : []) as Win[];
  const best = (summary.best && typeof summary.best === 'object' ? summary.best : {}) as Best;
  if (!wins.length && !best.ladder) return null;
  return (
    <div className="wins-at-scale" data-testid="wins-at-scale">
      <h3>Wins at scale</h3>
      {wins.length > 0 && (
        <table className="wins">
          <thead>
            <tr>
              <th>win</th>
              <th>Δ bpb [95% CI]</th>
              <th>worth in compute [95% CI]</th>
            </tr>
          </thead>
          <tbody>
            {wins.map((w) => (
              <tr key={w.proposalId} data-win={w.proposalId}>
                <td>{w.title}</td>
                <td>
                  {f4(w.delta)} [{w.ci95[0].toFixed(4)}, {w.ci95[1].toFixed(4)}]
                </td>
                <td>{worth(w.computeMultiplier)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {best.ladder ? (
        <LadderPlot
          title={best.title ?? best.proposalId ?? ''}
          ladder={best.ladder}
          base={best.ladderBase && { ...best.ladderBase, ci: best.ci95 ?? undefined }}
        />
      ) : (
        best.ladderReason && <p className="muted">Size ladder: {best.ladderReason}</p>
      )}
    </div>
  );
}

interface Point {
  params: number;
  delta: number;
  ci?: [number, number];
  verdict: string;
  label: string;
}

/** Δ bpb vs matmul parameters (log x), CIs as bars, 0 (no effect) as a dashed line. */
export function LadderPlot({
  title,
  ladder,
  base,
}: {
  title: string;
  ladder: Rung[];
  base?: { params: number; delta: number; ci?: [number, number] };
}) {
  const pts: Point[] = [];
  if (base)
    pts.push({
      params: base.params,
      delta: base.delta,
      ci: base.ci,
      verdict: 'session',
      label: `session size: ${si(base.params)} params, Δ ${f4(base.delta)}`,
    });
  for (const r of ladder)
    if (r.delta !== null)
      pts.push({
        params: r.params,
        delta: r.delta,
        ci: r.ci95 ?? undefined,
        verdict: r.verdict,
        label: `${r.verdict}: ${si(r.params)} params, ${si(r.tokens)} tokens, Δ ${f4(r.delta)}${r.ci95 ? ` [${r.ci95[0].toFixed(4)}, ${r.ci95[1].toFixed(4)}]` : ''}, worth ${worth(r.computeMultiplier)}`,
      });
  const W = 420;
  const H = 220;
  const m = { l: 56, r: 12, t: 12, b: 34 };
  const xs = [...pts.map((p) => p.params), ...ladder.map((r) => r.params)];
  const ys = [0, ...pts.flatMap((p) => [p.delta, ...(p.ci ?? [])])];
  const [x0, x1] = [Math.log(Math.min(...xs)) - 0.15, Math.log(Math.max(...xs)) + 0.15];
  const pad = (Math.max(...ys) - Math.min(...ys)) * 0.1 || 0.01;
  const [y0, y1] = [Math.min(...ys) - pad, Math.max(...ys) + pad];
  const X = (p: number) => m.l + ((Math.log(p) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const Y = (d: number) => m.t + ((y1 - d) / (y1 - y0)) * (H - m.t - m.b);
  return (
    <figure className="ladder-plot">
      <svg width={W} height={H} data-chart="size ladder" role="img" aria-label={`size ladder of ${title}`}>
        <line x1={m.l} x2={W - m.r} y1={Y(0)} y2={Y(0)} stroke="#888" strokeDasharray="4 3" />
        <line x1={m.l} x2={m.l} y1={m.t} y2={H - m.b} stroke="#444" />
        <line x1={m.l} x2={W - m.r} y1={H - m.b} y2={H - m.b} stroke="#444" />
        {[y0 + pad, 0, y1 - pad].map((v) => (
          <text key={v} x={m.l - 4} y={Y(v) + 4} textAnchor="end" fontSize="10">
            {v.toFixed(3)}
          </text>
        ))}
        {pts.map((p) => (
          <text key={`x${p.params}`} x={X(p.params)} y={H - m.b + 14} textAnchor="middle" fontSize="10">
            {si(p.params)}
          </text>
        ))}
        <text x={(W + m.l) / 2} y={H - 4} textAnchor="middle" fontSize="11">
          params (log)
        </text>
        <text x={12} y={(H - m.b) / 2} fontSize="11" transform={`rotate(-90 12 ${(H - m.b) / 2})`}>
          Δ bpb
        </text>
        {pts.map((p) => (
          <g key={p.params} className="ladder-point" data-verdict={p.verdict} data-params={p.params}>
            <title>{p.label}</title>
            {p.ci && (
              <line
                className="ci"
                x1={X(p.params)}
                x2={X(p.params)}
                y1={Y(p.ci[0])}
                y2={Y(p.ci[1])}
                stroke={VERDICT_COLOR[p.verdict] ?? '#000'}
                strokeWidth={2}
              />
            )}
            <circle cx={X(p.params)} cy={Y(p.delta)} r={5} fill={VERDICT_COLOR[p.verdict] ?? '#000'} />
          </g>
        ))}
      </svg>
      <figcaption>
        Size ladder of {title}:{' '}
        {ladder.map((r) => (
          <span key={r.params} className={`verdict verdict-${r.verdict}`}>
            {r.verdict} at {si(r.params)} params (worth {worth(r.computeMultiplier)});{' '}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
