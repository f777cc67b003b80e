/** The run page's panels: train/val loss, val bpb per domain, learning rate, gradient norm. */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { MetricPoint } from '../../../src/server/types.ts';
import { alignXY, color, pairs } from '../series.ts';
import { Chart } from './chart.tsx';

export const X_LABELS: Record<string, string> = {
  step: 'step',
  tokens: 'tokens',
  flops: 'FLOPs',
  elapsed: 'seconds',
};

interface Props {
  train: MetricPoint[];
  evals: MetricPoint[];
  x: string;
  logY: boolean;
}

export function RunCharts({ train, evals, x, logY }: Props) {
  const xLabel = X_LABELS[x] ?? x;
  const loss = useMemo(
    () => alignXY([pairs(train, x, 'loss'), pairs(evals, x, 'valLoss')]) as uPlot.AlignedData,
    [train, evals, x],
  );
  const domains = useMemo(() => {
    const keys = new Set<string>();
    for (const e of evals) for (const k of Object.keys(e)) if (k.startsWith('bpb.')) keys.add(k);
    return ['valBpb', ...[...keys].sort()];
  }, [evals]);
  const bpb = useMemo(
    () => alignXY(domains.map((d) => pairs(evals, x, d))) as uPlot.AlignedData,
    [evals, x, domains],
  );
  const lr = useMemo(() => alignXY([pairs(train, x, 'lr')]) as uPlot.AlignedData, [train, x]);
  const gn = useMemo(() => alignXY([pairs(train, x, 'gradNorm')]) as uPlot.AlignedData, [train, x]);
  return (
    <div className="chart-grid">
      <Chart
        title="loss"
        xLabel={xLabel}
        yLabel="loss (nats/token)"
        logY={logY}
        data={loss}
        series={[
          { label: 'train loss', stroke: color(0) },
          { label: 'val loss', stroke: color(1), width: 2, points: true },
        ]}
      />
      <Chart
        title="val bpb by domain"
        xLabel={xLabel}
        yLabel="bits per byte"
        logY={logY}
        data={bpb}
        series={domains.map((d, i) => ({
          label: d === 'valBpb' ? 'all' : d.slice(4),
          stroke: i === 0 ? '#111' : color(i),
          width: i === 0 ? 2.5 : 1.2,
          points: true,
        }))}
      />
      <Chart
        title="learning rate"
        xLabel={xLabel}
        yLabel="lr"
        data={lr}
        series={[{ label: 'lr', stroke: color(4) }]}
      />
      <Chart
        title="gradient norm"
        xLabel={xLabel}
        yLabel="‖g‖"
        logY={logY}
        data={gn}
        series={[{ label: 'grad norm', stroke: color(2) }]}
      />
    </div>
  );
}
