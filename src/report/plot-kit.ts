/**
 * What every chart of the report shares: the Plot / Omitted outcome types, verdict colours, short
 * labels, and the horizontal dot-and-whisker (or bar) chart over labelled items.
 */
import { Frame, type LegendItem } from './svg/chart.ts';
import { linearScale, logScale, padded, paddedLog } from './svg/scale.ts';

export interface Plot {
  id: string; // file name stem: [a-z0-9-]
  title: string;
  caption: string; // plain text (escaped by the renderers)
  svg: string;
  marks: number; // data marks drawn
}

export interface Omitted {
  id: string;
  title: string;
  reason: string;
}

export type PlotOutcome = Plot | Omitted;
export const isPlot = (p: PlotOutcome): p is Plot => 'svg' in p;

export const VERDICT_COLOR: Record<string, string> = {
  win: '#2ca02c',
  holds: '#2ca02c',
  loss: '#d62728',
  flips: '#d62728',
  inconclusive: '#7f7f7f',
  shrinks: '#ff7f0e',
  dropped: '#ff7f0e',
  open: '#1f77b4',
  pending: '#1f77b4',
};
export const verdictColor = (v: string) => VERDICT_COLOR[v] ?? '#9467bd';
export const tok = (t?: number) =>
  t === undefined
    ? ''
    : t >= 1e6
      ? `${+(t / 1e6).toPrecision(3)}M tok`
      : t >= 1e3
        ? `${+(t / 1e3).toPrecision(3)}k tok`
        : `${t} tok`;
export const short = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A horizontal dot-and-whisker (or bar) chart over labelled items. */
export function itemChart(o: {
  title: string;
  xLabel: string;
  items: { label: string; value: number; ci95?: [number, number]; color: string; title: string }[];
  bars: boolean;
  log?: boolean;
  ref?: { at: number; label: string };
  legend?: LegendItem[];
}) {
  const labels = o.items.map((it) => short(it.label, 44));
  const left = Math.min(300, Math.max(90, 14 + Math.max(...labels.map((l) => l.length)) * 6.1));
  const xsAll = o.items
    .flatMap((it) => [it.value, ...(it.ci95 ?? [])])
    .concat(o.ref ? [o.ref.at] : [])
    .concat(o.bars && !o.log ? [0] : []);
  const f = new Frame({
    title: o.title,
    xLabel: o.xLabel,
    yLabel: '',
    width: 720,
    height: 84 + 26 * o.items.length,
    margin: { left },
    x: (r) => (o.log ? logScale(paddedLog(xsAll), r) : linearScale(padded(xsAll), r)),
    y: (r) => linearScale([o.items.length - 0.4, -0.6], r),
    yTicks: labels.map((label, i) => ({ value: i, label })),
  });
  if (o.ref) f.vline(o.ref.at, { color: '#444', dash: true, label: o.ref.label });
  o.items.forEach((it, i) => {
    if (o.bars)
      f.rect(o.log ? (o.ref?.at ?? 1) : 0, it.value, i - 0.32, i + 0.32, {
        color: it.color,
        opacity: 0.75,
        title: it.title,
      });
    else f.dots([{ x: it.value, y: i, title: it.title }], { color: it.color, r: 4 });
    if (it.ci95) f.errorX([{ y: i, lo: it.ci95[0], hi: it.ci95[1] }], { color: '#222' });
  });
  if (o.legend) f.legend(o.legend);
  return f;
}
