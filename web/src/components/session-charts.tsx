/** Budget burn-down (compute left over time) and best-so-far val bpb with its 95 % CI band. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { SessionView } from '../../../src/server/types.ts';
import { seconds } from '../format.ts';
import { Chart } from './chart.tsx';

export function SessionCharts({ view }: { view: SessionView }) {
  // A FLOPs budget burns down (FLOPs left). A wall-clock budget only burns linearly, so then the chart
  // shows the compute used, on an x axis that spans the whole wall budget.
  const burn = useMemo(() => {
    const total = view.budget.flops;
    const used = view.burn.map((p) => p.flops);
    return {
      title:
        total !== undefined
          ? 'budget left'
          : `compute used${view.budget.seconds ? ` (wall budget ${seconds(view.budget.seconds)})` : ''}`,
      series: total !== undefined ? 'FLOPs left' : 'FLOPs used',
      xMax: total === undefined ? view.budget.seconds : undefined,
      data: [
        view.burn.map((p) => p.t),
        total !== undefined ? used.map((u) => Math.max(0, total - u)) : used,
      ] as uPlot.AlignedData,
    };
  }, [view]);
  const best = useMemo(
    () =>
      [
        view.best.map((p) => p.t),
        view.best.map((p) => p.valBpb),
        view.best.map((p) => p.hi ?? null),
        view.best.map((p) => p.lo ?? null),
      ] as uPlot.AlignedData,
    [view],
  );
  return (
    <div className="chart-grid">
      <Chart
        title={burn.title}
        xLabel="session time"
        yLabel="FLOPs"
        xMax={burn.xMax}
        xFormat={(v) => seconds(v)}
        data={burn.data}
        series={[
          {
            label: burn.series,
            stroke: '#e15759',
            fill: 'rgba(225,87,89,0.12)',
          },
        ]}
      />
      <Chart
        title="best so far (95% CI)"
        xLabel="session time"
        yLabel="val bpb"
        xFormat={(v) => seconds(v)}
        data={best}
        bands={[{ series: [2, 3], fill: 'rgba(78,121,167,0.2)' }]}
        series={[
          { label: 'best', stroke: '#4e79a7', width: 2, points: true },
          { label: 'CI high', stroke: 'transparent', width: 0 },
          { label: 'CI low', stroke: 'transparent', width: 0 },
        ]}
      />
    </div>
  );
}
