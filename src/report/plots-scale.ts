/**
 * The charts of what the wins are worth (pure): compute multiplier per win, the best's size ladder, and
 * the attribution of a multi-knob best to its knobs. Each is left out with its reason when absent.
 */
import { formatEffect } from '../stats/describe.ts';
import type { ReportModel } from './model.ts';
import { itemChart, short, verdictColor, type PlotOutcome } from './plot-kit.ts';
import { Frame } from './svg/chart.ts';
import { linearScale, logScale, padded, paddedLog } from './svg/scale.ts';

export function multiplierPlot(m: ReportModel): PlotOutcome {
  const id = 'compute-multipliers';
  const title = 'Compute multiplier per win (95% CI)';
  const wins = m.wins.filter((w) => w.multiplier);
  if (!wins.length)
    return {
      id,
      title,
      reason: m.wins.length
        ? `no win has a compute multiplier${m.headline.best?.multiplierReason ? ` (${m.headline.best.multiplierReason})` : ''}`
        : 'no confirmed win in this session',
    };
  const f = itemChart({
    title,
    xLabel: "baseline compute needed to match, ÷ the win's compute (log scale)",
    items: wins.map((w) => ({
      label: `${w.proposalId} ${w.title}`,
      value: w.multiplier!.value,
      ci95: w.multiplier!.ci95,
      color: '#2ca02c',
      title: `${w.title}: ${w.multiplier!.value.toFixed(2)}× [${w.multiplier!.ci95[0].toFixed(2)}, ${w.multiplier!.ci95[1].toFixed(2)}]`,
    })),
    bars: false,
    log: true,
    ref: { at: 1, label: '1× (no gain)' },
  });
  return {
    id,
    title,
    caption:
      'How much more compute the baseline needs to reach each win\'s loss (README "Compute multiplier"); whiskers are bootstrap 95% intervals.',
    svg: f.render(),
    marks: f.markCount,
  };
}

export function ladderPlot(m: ReportModel): PlotOutcome {
  const id = 'size-ladder';
  const title = 'Size ladder: Δ val bpb vs model size';
  const l = m.ladder;
  const pts = l?.rungs.filter((r) => r.delta !== null) ?? [];
  if (!l || !pts.length) return { id, title, reason: 'this session ran no size ladder' };
  const ys = pts.flatMap((r) => [r.delta!, ...(r.ci95 ?? [])]).concat([0]);
  const f = new Frame({
    title: `${title} (${short(l.title, 30)})`,
    xLabel: 'parameters (log scale)',
    yLabel: 'Δ val bpb vs baseline at that size',
    x: (r) => logScale(paddedLog(pts.map((p) => p.params)), r),
    y: (r) => linearScale(padded(ys), r),
  });
  f.hline(0, { color: '#444', dash: true, label: 'no effect' });
  for (const p of pts) {
    if (p.ci95) f.errorY([{ x: p.params, lo: p.ci95[0], hi: p.ci95[1] }], { color: '#222' });
    f.dots(
      [
        {
          x: p.params,
          y: p.delta!,
          title: `${p.params} params, ${p.tokens} tokens: ${formatEffect(p.delta!, p.ci95 ?? undefined)} (${p.verdict})`,
        },
      ],
      {
        color: verdictColor(p.verdict),
        r: 4.5,
      },
    );
  }
  f.legend(
    [...new Set(pts.map((p) => p.verdict))].map((v) => ({
      label: v,
      color: verdictColor(v),
      kind: 'dot' as const,
    })),
  );
  return {
    id,
    title,
    caption:
      'The best change re-run at larger sizes against the baseline at each size (README "The size ladder"); whiskers are 95% intervals.',
    svg: f.render(),
    marks: f.markCount,
  };
}

export function attributionPlot(m: ReportModel): PlotOutcome {
  const id = 'attribution';
  const title = 'Attribution of the best change, per knob';
  const a = m.attribution;
  if (!a)
    return {
      id,
      title,
      reason: 'not run in this session (the best is not a confirmed multi-knob win, or no ablation ran)',
    };
  const f = itemChart({
    title,
    xLabel: 'Δ val bpb the knob carries inside the win (negative helps)',
    items: a.entries.map((e) => ({
      label: `${e.key} = ${JSON.stringify(e.value) ?? ''}`,
      value: e.delta,
      ci95: e.ci95,
      color: e.ci95[1] < 0 ? '#2ca02c' : e.ci95[0] > 0 ? '#d62728' : '#7f7f7f',
      title: `${e.key}: ${formatEffect(e.delta, e.ci95)}`,
    })),
    bars: true,
    ref: { at: 0, label: '' },
  });
  return {
    id,
    title,
    caption: `Leave-one-out ablation of "${a.title}": what the win loses without each knob, with 95% intervals. Green: the knob helps; grey: indistinguishable from noise.`,
    svg: f.render(),
    marks: f.markCount,
  };
}
