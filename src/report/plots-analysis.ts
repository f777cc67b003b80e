/**
 * The charts of analyses across runs (pure): knob importance over the store's comparable runs, and the
 * mixture study's predicted weights and held-out fit. Each is left out with its reason when absent.
 */
import type { ReportModel } from './model.ts';
import { itemChart, type PlotOutcome } from './plot-kit.ts';
import { Frame } from './svg/chart.ts';
import { linearScale, padded } from './svg/scale.ts';

export function importancePlot(m: ReportModel): PlotOutcome {
  const id = 'importance';
  const title = 'Which knobs explain val bpb (share of variance)';
  const imp = m.importance;
  if (!imp.ok) return { id, title, reason: imp.missing };
  const knobs = imp.knobs.slice(0, 12);
  const pairs = imp.interactions.filter((p) => p.importance > 0).slice(0, 4);
  const f = itemChart({
    title,
    xLabel: `share of the variance of val bpb across ${imp.n} comparable runs`,
    items: [
      ...knobs.map((k) => ({
        label: k.key,
        value: k.importance,
        ci95: k.ci95,
        color: '#1f77b4',
        title: `${k.key}: ${(100 * k.importance).toFixed(1)}% [${(100 * k.ci95[0]).toFixed(1)}, ${(100 * k.ci95[1]).toFixed(1)}], n=${k.n}`,
      })),
      ...pairs.map((p) => ({
        label: `${p.keys[0]} × ${p.keys[1]}`,
        value: p.importance,
        ci95: p.ci95,
        color: '#ff7f0e',
        title: `interaction: ${(100 * p.importance).toFixed(1)}%, n=${p.n}`,
      })),
    ],
    bars: true,
    legend: [
      { label: 'knob', color: '#1f77b4', kind: 'bar' },
      ...(pairs.length ? [{ label: 'pairwise interaction', color: '#ff7f0e', kind: 'bar' as const }] : []),
    ],
  });
  return {
    id,
    title,
    caption: `fANOVA-style first-order shares and pairwise interactions over the store's runs comparable with this session (same data, budget and trainer code), with bootstrap 95% intervals. ${imp.warnings.join('; ')}.`,
    svg: f.render(),
    marks: f.markCount,
  };
}

export function mixturePlots(m: ReportModel): PlotOutcome[] {
  const mx = m.mixture;
  if (!mx)
    return [{ id: 'mixture', title: 'Data mixture', reason: 'not run in this session (no mixture study)' }];
  const out: PlotOutcome[] = [];
  const domains = Object.keys(mx.predicted).sort();
  const items = domains.flatMap((d) => [
    ...(mx.current
      ? [
          {
            label: `${d} (current)`,
            value: mx.current[d] ?? 0,
            color: '#9a9a9a',
            title: `${d}: current weight ${(mx.current[d] ?? 0).toFixed(3)}`,
          },
        ]
      : []),
    {
      label: `${d} (predicted)`,
      value: mx.predicted[d],
      color: '#2ca02c',
      title: `${d}: predicted best weight ${mx.predicted[d].toFixed(3)}`,
    },
  ]);
  const f = itemChart({
    title: 'Mixture: predicted best domain weights',
    xLabel: 'domain weight (normalised)',
    items,
    bars: true,
  });
  out.push({
    id: 'mixture-weights',
    title: 'Mixture: predicted best domain weights',
    caption: `The mixture regression's predicted best weights${mx.predictedValBpb !== undefined ? ` (predicted val bpb ${mx.predictedValBpb.toFixed(4)})` : ''}${mx.heldOutRmse !== undefined ? `; held-out RMSE ${mx.heldOutRmse.toFixed(4)} bpb` : ''}${mx.n !== undefined ? ` over ${mx.n} runs` : ''}.`,
    svg: f.render(),
    marks: f.markCount,
  });
  if (mx.points?.length) {
    const v = mx.points.flatMap((p) => [p.predicted, p.observed]);
    const dom = padded(v);
    const g = new Frame({
      title: 'Mixture regression: predicted vs measured (held out)',
      xLabel: 'predicted val bpb',
      yLabel: 'measured val bpb',
      x: (r) => linearScale(dom, r),
      y: (r) => linearScale(dom, r),
    });
    g.line(
      [
        { x: dom[0], y: dom[0] },
        { x: dom[1], y: dom[1] },
      ],
      { color: '#9a9a9a', dash: true },
    );
    g.dots(
      mx.points.map((p) => ({
        x: p.predicted,
        y: p.observed,
        title: `${p.runId ?? ''} predicted ${p.predicted.toFixed(4)}, measured ${p.observed.toFixed(4)}`,
      })),
      { color: '#1f77b4' },
    );
    out.push({
      id: 'mixture-fit',
      title: 'Mixture regression: predicted vs measured',
      caption: 'Held-out runs of the mixture study; the dashed line is a perfect prediction.',
      svg: g.render(),
      marks: g.markCount,
    });
  }
  return out;
}
