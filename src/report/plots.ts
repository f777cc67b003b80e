/**
 * The report's charts, drawn from the model (pure): each returns a Plot (its SVG and a caption), or an
 * Omitted with the one-line reason the section is left out. Text from the researcher (titles, knob
 * names) only reaches the SVG through Frame, which escapes it.
 */
import type { ReportModel } from './model.ts';
import { bestSoFar } from './progress.ts';
import { Frame, PALETTE, type LegendItem } from './svg/chart.ts';
import { linearScale, logScale, padded, paddedLog } from './svg/scale.ts';
import { formatEffect } from '../stats/describe.ts';

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

const VERDICT_COLOR: Record<string, string> = {
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
const verdictColor = (v: string) => VERDICT_COLOR[v] ?? '#9467bd';
const tok = (t?: number) =>
  t === undefined
    ? ''
    : t >= 1e6
      ? `${+(t / 1e6).toPrecision(3)}M tok`
      : t >= 1e3
        ? `${+(t / 1e3).toPrecision(3)}k tok`
        : `${t} tok`;
const short = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

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

/** A horizontal dot-and-whisker (or bar) chart over labelled items. */
function itemChart(o: {
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

function multiplierPlot(m: ReportModel): PlotOutcome {
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

function ladderPlot(m: ReportModel): PlotOutcome {
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

function attributionPlot(m: ReportModel): PlotOutcome {
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

function importancePlot(m: ReportModel): PlotOutcome {
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

function mixturePlots(m: ReportModel): PlotOutcome[] {
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
