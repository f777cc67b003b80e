/**
 * The scaling view (`#/scaling?session=ID`): loss vs FLOPs for every model size of a config family, the
 * fitted L(N, D) along each size, the compute-optimal frontier of the fit (N_opt(C), D_opt(C) with
 * C = 6ND), and the fitted parameters with their 95 % CIs and warnings. Data: GET /api/analysis/scaling
 * (README, "Analysis").
 */
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { ScalingReport } from '../../../src/analysis/reports.ts';
import { api } from '../api.ts';
import { si } from '../format.ts';
import { Chart, type SeriesSpec } from './chart.tsx';

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];
const fmt = (x: number) =>
  Number.isFinite(x)
    ? Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3
      ? x.toExponential(3)
      : x.toPrecision(4)
    : '–';

function lawAt(r: ScalingReport, N: number, D: number): number {
  return r.E.value + r.A.value / N ** r.alpha.value + r.B.value / D ** r.beta.value;
}

/** Aligned data: x = the cells' FLOPs and a log grid; per size its measured points and its fitted curve. */
function chartData(r: ScalingReport): { data: uPlot.AlignedData; series: SeriesSpec[] } {
  const pts = r.frontier.points;
  const lo = Math.min(...pts.map((p) => p.flops)) / 1.5;
  const hi = Math.max(...pts.map((p) => p.flops)) * 1.5;
  const grid = Array.from({ length: 48 }, (_, i) => lo * (hi / lo) ** (i / 47));
  const xs = [...new Set([...grid, ...pts.map((p) => p.flops)])].sort((a, b) => a - b);
  const cols: (number | null)[][] = [];
  const series: SeriesSpec[] = [];
  r.frontier.bySize.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const at = new Map(s.points.map((p) => [p.flops, p.valBpb]));
    cols.push(xs.map((x) => at.get(x) ?? null));
    series.push({ label: `${si(s.params)} params`, stroke: color, width: 0, points: true });
    // fitted L along this size: D = C / (6N), the same convention as the compute-optimal line
    cols.push(xs.map((x) => lawAt(r, s.params, x / (6 * s.params))));
    series.push({ label: `fit ${si(s.params)}`, stroke: color, width: 1, dash: [4, 4] });
  });
  const a = r.paramsExponent.value;
  const optimal = xs.map((C) => {
    const G =
      ((r.alpha.value * r.A.value) / (r.beta.value * r.B.value)) ** (1 / (r.alpha.value + r.beta.value));
    const N = G * (C / 6) ** a;
    return lawAt(r, N, C / (6 * N));
  });
  cols.push(optimal);
  series.push({ label: 'compute-optimal', stroke: '#222', width: 2 });
  return { data: [xs, ...cols] as uPlot.AlignedData, series };
}

export function ScalingPage({ session }: { session?: string }) {
  const [report, setReport] = useState<ScalingReport>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<ScalingReport>(
      `/api/analysis/scaling${session ? `?session=${encodeURIComponent(session)}` : ''}`,
    ).then(setReport, (e: Error) => setError(e.message));
  }, [session]);
  const chart = useMemo(() => (report ? chartData(report) : undefined), [report]);
  if (error) return <p className="error">{error}</p>;
  if (!report || !chart) return <p className="muted">fitting…</p>;
  return (
    <section className="page scaling">
      <p>
        L(N, D) = E + A/N<sup>α</sup> + B/D<sup>β</sup> over {report.n} fully-decayed runs of config family{' '}
        <code>{report.family}</code> ({report.sizes.length} sizes × {report.dataAmounts.length} token
        budgets).
      </p>
      <Chart
        title="loss vs compute"
        xLabel="FLOPs"
        yLabel="val bpb"
        logX
        data={chart.data}
        series={chart.series}
        height={320}
      />
      <table className="grid params">
        <thead>
          <tr>
            <th>parameter</th>
            <th>value</th>
            <th>95 % CI</th>
          </tr>
        </thead>
        <tbody>
          {(['E', 'A', 'alpha', 'B', 'beta'] as const).map((k) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{fmt(report[k].value)}</td>
              <td>
                [{fmt(report[k].ci95[0])}, {fmt(report[k].ci95[1])}]
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Compute-optimal: N ∝ C<sup>{fmt(report.paramsExponent.value)}</sup>, D ∝ C
        <sup>{fmt(report.tokensExponent.value)}</sup>
        {report.optimal.map((o) => (
          <span key={o.flops}>
            ; at {si(o.flops)} FLOPs N = {si(o.params.value)}, D = {si(o.tokens.value)}
          </span>
        ))}
      </p>
      {report.warnings.length > 0 && (
        <ul className="warnings">
          {report.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
