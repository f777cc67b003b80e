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
  // One sample per curve: when the run scored its periodic evals' sample at the end too (README,
  // "Data-mixture study"), the final eval (another, larger sample) is drawn apart, not as the curve's last point.
  const curveEnd = useMemo(() => {
    const fin = evals.find((e) => e.final);
    return fin !== undefined && evals.some((e) => !e.final && e.step === fin.step);
  }, [evals]);
  const bpb = useMemo(() => {
    const curve = curveEnd ? evals.filter((e) => !e.final) : evals;
    const series = domains.map((d) => pairs(curve, x, d));
    if (curveEnd)
      series.push(
        pairs(
          evals.filter((e) => e.final),
          x,
          'valBpb',
        ),
      );
    return alignXY(series) as uPlot.AlignedData;
  }, [evals, x, domains, curveEnd]);
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
        series={[
          ...domains.map((d, i) => ({
            label: d === 'valBpb' ? 'all' : d.slice(4),
            stroke: i === 0 ? '#111' : color(i),
            width: i === 0 ? 2.5 : 1.2,
            points: true,
          })),
          ...(curveEnd ? [{ label: 'final (val, all)', stroke: '#111', width: 0, points: true }] : []),
        ]}
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
