/**
 * A uPlot chart in a React component. uPlot is rebuilt only when the chart's structure changes (series,
 * scales, bands); new data goes through `setData`, so a live curve redraws without re-creating the
 * canvas. The wrapper carries the axis labels as data attributes and sets `data-drawn` after each
 * draw, so tests can wait for and check a real drawing.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { si } from '../format.ts';

export interface SeriesSpec {
  label: string;
  stroke: string;
  width?: number;
  dash?: number[];
  fill?: string;
  show?: boolean;
  points?: boolean; // draw markers (sparse series such as evals)
}

export interface ChartProps {
  title: string;
  xLabel: string;
  yLabel: string;
  data: uPlot.AlignedData;
  series: SeriesSpec[];
  bands?: uPlot.Band[];
  logX?: boolean;
  logY?: boolean;
  height?: number;
  legend?: boolean;
  xFormat?: (v: number) => string;
  /** Stretch the x axis to at least this value (e.g. a budget's end). */
  xMax?: number;
  /** Called after every draw (tests and the benchmark time the first one). */
  onDraw?: () => void;
}

const tickValues = (fmt: (v: number) => string) => (_u: uPlot, splits: number[]) =>
  splits.map((v) => (v === null ? '' : fmt(v)));

export function Chart(props: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const onDraw = useRef(props.onDraw);
  onDraw.current = props.onDraw;
  const many = props.series.length > 24;
  const structure = JSON.stringify([
    props.series,
    props.bands,
    props.logX,
    props.logY,
    props.legend,
    props.xLabel,
    props.yLabel,
    props.height,
    props.xMax,
  ]);

  useEffect(() => {
    const el = box.current!;
    let draws = 0;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 240,
      title: undefined,
      legend: { show: props.legend ?? !many },
      cursor: { points: { show: !many }, drag: { x: true, y: false } },
      focus: { alpha: many ? 1 : 0.3 },
      scales: {
        x: {
          time: false,
          distr: props.logX ? 3 : 1,
          ...(props.xMax !== undefined ? { range: (_u, min, max) => [min, Math.max(max, props.xMax!)] } : {}),
        },
        y: { distr: props.logY ? 3 : 1 },
      },
      axes: [
        { label: props.xLabel, values: tickValues(props.xFormat ?? ((v) => si(v))), size: 40, labelSize: 18 },
        { label: props.yLabel, values: tickValues((v) => si(v, 4)), size: 56, labelSize: 18 },
      ],
      series: [
        { label: props.xLabel },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.stroke,
          width: s.width ?? 1.5,
          dash: s.dash,
          fill: s.fill,
          show: s.show ?? true,
          spanGaps: true,
          points: { show: s.points ?? false, size: 5 },
        })),
      ],
      bands: props.bands,
      hooks: {
        draw: [
          () => {
            el.dataset.drawn = String(++draws);
            onDraw.current?.();
          },
        ],
      },
    };
    const u = new uPlot(opts, props.data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth > 0 && Math.abs(el.clientWidth - u.width) > 2)
        u.setSize({ width: el.clientWidth, height: u.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt on structure changes only; data updates go through setData below.
  }, [structure]);

  useEffect(() => {
    plot.current?.setData(props.data, true);
  }, [props.data]);

  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div
        ref={box}
        className="chart-box"
        data-chart={props.title}
        data-x-label={props.xLabel}
        data-y-label={props.yLabel}
        data-series={props.series.length}
        data-points={props.data[0]?.length ?? 0}
      />
    </figure>
  );
}
