/**
 * The report's charts, drawn from the model (pure): each returns a Plot (its SVG and a caption), or an
 * Omitted with the one-line reason the section is left out. Text from the researcher (titles, knob
 * names) only reaches the SVG through Frame, which escapes it.
 */ import type { ReportModel } from './model.ts';
import { isPlot, short, tok, verdictColor, type Omitted, type Plot, type PlotOutcome } from './plot-kit.ts';
import { importancePlot, mixturePlots } from './plots-analysis.ts';
import { attributionPlot, ladderPlot, multiplierPlot } from './plots-scale.ts';
import { bestSoFar } from './progress.ts';
import { Frame, PALETTE, type LegendItem } from './svg/chart.ts';
import { linearScale, padded } from './svg/scale.ts';

export { isPlot, type Omitted, type Plot, type PlotOutcome };

function progressPlot(m: ReportModel): PlotOutcome {
  const id = 'best-vs-flops';
  const title = 'Best val bpb so far vs compute';
  if (!m.progress.length) return { id, title, reason: 'no run reached its rung budget with a final eval' };
  const lines = bestSoFar(m.progress);
  const rungs = [...lines.keys()].sort((a, b) => a - b);
  const top = m.session.rungTokens.length - 1;
  const base = m.headline.baseline;
  const ys = m.progress.map((p) => p.valBpb).concat(base ? [base.valBpb] : []);
  const f = new Frame({
    title,
    xLabel: 'cumulative training FLOPs of the session',
    yLabel: 'val bpb (lower is better)',
    x: (r) => linearScale([0, Math.max(...m.progress.map((p) => p.flops)) * 1.03 || 1], r),
    y: (r) => linearScale(padded(ys), r),
  });
  const legend: LegendItem[] = [];
  rungs.forEach((rung, i) => {
    const color = PALETTE[i % PALETTE.length];
    f.dots(
      m.progress
        .filter((p) => p.rung === rung)
        .map((p) => ({ x: p.flops, y: p.valBpb, title: `${p.label} (${p.runId}): ${p.valBpb.toFixed(4)}` })),
      { color, r: 2.4, hollow: true },
    );
    f.line(
      lines.get(rung)!.map((q) => ({ x: q.flops, y: q.valBpb })),
      { color, step: true },
    );
    legend.push({
      label: `rung ${rung}${m.session.rungTokens[rung] ? ` (${tok(m.session.rungTokens[rung])})` : ''}`,
      color,
      kind: 'line',
    });
  });
  if (base && rungs.includes(top)) {
    f.hline(base.valBpb, { color: '#444', dash: true, label: `baseline ${base.valBpb.toFixed(4)}` });
    legend.push({ label: 'baseline mean, full budget', color: '#444', kind: 'dash' });
  }
  f.legend(legend);
  return {
    id,
    title,
    caption:
      'Each dot is one run that reached its rung (hollow); the step line is the best single-seed result so far at that rung. Rungs differ in budget, so compare within a rung; the judged best (over seeds) is in the summary.',
    svg: f.render(),
    marks: f.markCount,
  };
}

function rungPlot(m: ReportModel): PlotOutcome {
  const id = 'baseline-band';
  const title = 'Candidates against the baseline band, per rung';
  const rungs = m.rungs.filter((r) => r.baseline);
  if (!rungs.length) return { id, title, reason: 'no baseline was measured at any rung' };
  const deltas = rungs.flatMap((r) => r.candidates.map((c) => c.valBpb - r.baseline!.mean));
  const spans = rungs.flatMap((r) => [2 * r.baseline!.std, -2 * r.baseline!.std]);
  const f = new Frame({
    title,
    xLabel: 'rung (successive-halving budget)',
    yLabel: 'Δ val bpb vs baseline mean',
    x: (r) => linearScale([-0.6, rungs.length - 0.4], r),
    y: (r) => linearScale(padded([...deltas, ...spans, 0]), r),
    xTicks: rungs.map((r, i) => ({
      value: i,
      label: `rung ${r.rung}${r.tokens ? ` · ${tok(r.tokens)}` : ''}`,
    })),
  });
  f.hline(0, { color: '#444' });
  const verdicts = new Set<string>();
  rungs.forEach((r, i) => {
    const s = r.baseline!.std;
    f.rect(i - 0.38, i + 0.38, -2 * s, 2 * s, {
      color: '#1f77b4',
      opacity: 0.1,
      title: `baseline ±2σ (σ=${s.toFixed(4)}, n=${r.baseline!.n})`,
    });
    f.rect(i - 0.38, i + 0.38, -s, s, {
      color: '#1f77b4',
      opacity: 0.22,
      title: `baseline ${r.baseline!.mean.toFixed(4)} ±σ`,
    });
    r.candidates.forEach((c, j) => {
      verdicts.add(c.verdict);
      const jitter = (((((j * 0.618034) % 1) + 1) % 1) - 0.5) * 0.6;
      f.dots(
        [
          {
            x: i + jitter,
            y: c.valBpb - r.baseline!.mean,
            title: `${c.proposalId} ${c.title} (${c.runId}): ${c.valBpb.toFixed(4)}, ${c.verdict}`,
          },
        ],
        {
          color: verdictColor(c.verdict),
          r: 3.4,
        },
      );
    });
  });
  f.legend([
    { label: 'baseline ±1σ / ±2σ', color: '#1f77b4', kind: 'band' },
    ...[...verdicts].sort().map((v) => ({ label: v, color: verdictColor(v), kind: 'dot' as const })),
  ]);
  return {
    id,
    title,
    caption:
      "Each dot is one candidate seed at one rung, coloured by its proposal's verdict; the band is the baseline seeds' mean ± 1 and 2 standard deviations (the noise floor) at that rung.",
    svg: f.render(),
    marks: f.markCount,
  };
}

function killPlots(m: ReportModel): PlotOutcome[] {
  if (!m.kills.length)
    return [{ id: 'kills', title: 'Monitor kills', reason: 'the monitor stopped no run in this session' }];
  return m.kills.map((k, i) => {
    const id = `kill-${i + 1}`;
    const title = `Kill ${i + 1}: ${k.rule} stopped ${short(k.title, 34)}`;
    const xs = [...k.train, ...k.eval, ...k.reference.flat()].map((p) => p[0]);
    const ys = [...k.train, ...k.eval, ...k.reference.flat()].map((p) => p[1]).filter(Number.isFinite);
    if (!xs.length) return { id, title, reason: `run ${k.runId} logged no curve before it was stopped` };
    const f = new Frame({
      title,
      xLabel: 'training tokens',
      yLabel: 'loss (nats/token)',
      x: (r) => linearScale([0, Math.max(...xs, k.killTokens ?? 0) * 1.03], r),
      y: (r) => linearScale(padded(ys), r),
    });
    const legend: LegendItem[] = [];
    k.reference.forEach((s) =>
      f.line(
        s.map(([x, y]) => ({ x, y })),
        { color: '#9a9a9a', width: 1.2 },
      ),
    );
    if (k.reference.length)
      legend.push({
        label: `baseline train loss (${k.reference.length} seed${k.reference.length > 1 ? 's' : ''})`,
        color: '#9a9a9a',
        kind: 'line',
      });
    f.line(
      k.train.map(([x, y]) => ({ x, y })),
      { color: '#d62728' },
    );
    legend.push({ label: 'train loss', color: '#d62728', kind: 'line' });
    if (k.eval.length) {
      f.dots(
        k.eval.map(([x, y]) => ({ x, y, title: `val loss ${y.toFixed(4)} at ${x} tokens` })),
        { color: '#7b1113', r: 3 },
      );
      legend.push({ label: 'val loss', color: '#7b1113', kind: 'dot' });
    }
    if (k.killTokens !== undefined)
      f.vline(k.killTokens, { color: '#d62728', dash: true, label: `${k.rule} decided here` });
    f.legend(legend);
    return {
      id,
      title,
      caption: `${k.runId}: ${k.message}. The dashed line is where the rule decided; the run then stopped gracefully (SIGTERM).`,
      svg: f.render(),
      marks: f.markCount,
    };
  });
}

/** Every chart of the report, in reading order. */
export function reportPlots(m: ReportModel): PlotOutcome[] {
  return [
    progressPlot(m),
    rungPlot(m),
    ...killPlots(m),
    multiplierPlot(m),
    ladderPlot(m),
    attributionPlot(m),
    importancePlot(m),
    ...mixturePlots(m),
  ];
}
