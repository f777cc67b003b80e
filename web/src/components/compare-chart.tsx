/** The overlay itself: one uPlot with a series per run, or per seed group a mean line and a ±1 std band. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { CompareResponse } from '../../../src/server/types.ts';
import { color, ema, meanStd, positive } from '../series.ts';
import { Chart, type SeriesSpec } from './chart.tsx';
import { X_LABELS } from './run-charts.tsx';

interface Props {
  data: CompareResponse;
  smooth: number;
  logX: boolean;
  logY: boolean;
  bands: boolean;
}

function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export function CompareChart({ data, smooth, logX, logY, bands }: Props) {
  const built = useMemo(() => {
    const t0 = performance.now();
    const fix = (v: (number | null)[]) => (logY ? positive(v) : v);
    const smoothed = new Map(data.runs.map((r) => [r.id, fix(ema(r.values, smooth))]));
    const cols: (number | null)[][] = [];
    const series: SeriesSpec[] = [];
    const bandList: uPlot.Band[] = [];
    const legend: Array<{ label: string; color: string }> = [];
    const grouped = new Set<string>();
    const many = data.runs.length > 50;
    if (bands) {
      data.groups.forEach((g, gi) => {
        const c = color(gi);
        const { mean, lo, hi } = meanStd(g.runIds.map((id) => smoothed.get(id)!));
        for (const id of g.runIds) grouped.add(id);
        const base = cols.length + 1; // series index (0 is x)
        cols.push(mean, hi, lo);
        series.push(
          { label: `${g.label} mean (n=${g.runIds.length})`, stroke: c, width: 2 },
          { label: '+1 std', stroke: 'transparent', width: 0 },
          { label: '-1 std', stroke: 'transparent', width: 0 },
        );
        bandList.push({ series: [base + 1, base + 2], fill: alpha(c, 0.18) });
        legend.push({ label: `${g.label} (${g.runIds.length} seeds, mean ± std)`, color: c });
      });
    }
    let k = data.groups.length;
    for (const r of data.runs) {
      if (grouped.has(r.id)) continue;
      const c = color(k++);
      cols.push(smoothed.get(r.id)!);
      series.push({ label: r.id, stroke: many ? alpha(c, 0.5) : c, width: many ? 1 : 1.5 });
      legend.push({ label: `${r.label} (${r.id})`, color: c });
    }
    (window as unknown as { __compareBuildMs: number }).__compareBuildMs = performance.now() - t0;
    return { aligned: [data.grid, ...cols] as uPlot.AlignedData, series, bandList, legend };
  }, [data, smooth, logY, bands]);

  const onDraw = () => {
    const w = window as unknown as { __compareDrawnAt?: number };
    w.__compareDrawnAt ??= performance.now();
  };
  return (
    <>
      <Chart
        title="compare"
        xLabel={X_LABELS[data.x] ?? data.x}
        yLabel={data.y}
        data={built.aligned}
        series={built.series}
        bands={built.bandList}
        logX={logX}
        logY={logY}
        height={420}
        legend={false}
        onDraw={onDraw}
      />
      {built.legend.length <= 40 && (
        <ul className="legend">
          {built.legend.map((l) => (
            <li key={l.label}>
              <i style={{ background: l.color }} /> {l.label}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
