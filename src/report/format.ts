/**
 * Numbers and facts as the report's text shows them, shared by the HTML and Markdown renderers (pure).
 * The rows returned here mix our own formatting with untrusted text; renderers escape every cell.
 */
import { formatEffect } from '../stats/describe.ts';
import type { ReportModel } from './model.ts';
import { isPlot, type Omitted, type PlotOutcome } from './plots.ts';

export const fmtBpb = (v?: number) => (v === undefined ? '–' : v.toFixed(4));
export const fmtFlops = (v?: number) => (v === undefined ? '–' : `${v.toExponential(2)} FLOPs`);
export const fmtHours = (h: number) => (h < 0.1 ? `${(h * 60).toFixed(1)} min` : `${h.toFixed(2)} h`);
export const fmtUsd = (v: number) => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
export const fmtEffect = (d?: number, ci?: [number, number]) => (d === undefined ? '–' : formatEffect(d, ci));
export const fmtMultiplier = (m?: { value: number; ci95: [number, number] }) =>
  m ? `${m.value.toFixed(2)}× [${m.ci95[0].toFixed(2)}, ${m.ci95[1].toFixed(2)}]` : '–';

/** The headline facts as [label, value] rows. */
export function summaryRows(m: ReportModel): [string, string][] {
  const h = m.headline;
  const b = h.best;
  const rows: [string, string][] = [];
  rows.push([
    'baseline',
    h.baseline
      ? `${fmtBpb(h.baseline.valBpb)} ± ${h.baseline.std?.toFixed(4) ?? '–'} val bpb (n=${h.baseline.n}${h.baseline.tokens ? `, ${h.baseline.tokens} tokens` : ''})`
      : 'not measured',
  ]);
  if (b) {
    rows.push(['best', `${b.proposalId}: ${b.title}`]);
    rows.push(['best change', b.change.map((c) => `${c.key}=${c.value}`).join(', ') || '–']);
    rows.push([
      'best result',
      `${fmtBpb(b.valBpb)} val bpb, Δ ${fmtEffect(b.delta, b.ci95)} (n=${b.n}), ${b.verdict}${b.confirmed ? ', confirmed on held-out seeds' : ''}`,
    ]);
    rows.push([
      'compute multiplier',
      b.multiplier ? fmtMultiplier(b.multiplier) : `– (${b.multiplierReason ?? 'not computed'})`,
    ]);
  } else rows.push(['best', 'no result yet']);
  rows.push(['significant', h.significant ? 'yes: a confirmed win whose CI excludes 0' : 'no']);
  rows.push([
    'runs',
    Object.entries(h.runs)
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '–',
  ]);
  rows.push([
    'monitor',
    `${h.monitorStops} run(s) stopped${h.savedShare !== undefined ? `, ${(100 * h.savedShare).toFixed(0)}% of the compute they would have used saved` : ''}`,
  ]);
  return rows;
}

export function computeRows(m: ReportModel): [string, string][] {
  const c = m.compute;
  const rows: [string, string][] = [
    [
      'training compute',
      `${fmtFlops(c.flops)}${c.budgetFlops ? ` of a ${fmtFlops(c.budgetFlops)} budget` : ''}`,
    ],
    [
      'session wall time',
      c.sessionSeconds !== undefined
        ? `${fmtHours(c.sessionSeconds / 3600)}${c.budgetSeconds ? ` of ${fmtHours(c.budgetSeconds / 3600)}` : ''}`
        : '–',
    ],
    ['run time (sum of run wall seconds)', fmtHours(c.runSeconds / 3600)],
  ];
  for (const [device, h] of Object.entries(c.hoursByDevice).sort())
    rows.push([`${device === 'cuda' ? 'GPU' : device.toUpperCase()}-hours (${device})`, h.toFixed(3)]);
  rows.push([
    'LLM cost',
    m.llm
      ? `${fmtUsd(m.llm.costUsd)} over ${m.llm.calls} call(s), ${m.llm.inputTokens} input / ${m.llm.outputTokens} output tokens`
      : `none (${m.session.researcher} researcher)`,
  ]);
  return rows;
}

/** The report's sections of charts, in order; a section lists its plots, or why it has none. */
export const PLOT_SECTIONS: { id: string; title: string; match: RegExp }[] = [
  { id: 'progress', title: 'Progress', match: /^(best-vs-flops|baseline-band)$/ },
  { id: 'kills', title: 'Monitor kills', match: /^kill/ },
  { id: 'scale', title: 'What the wins are worth', match: /^(compute-multipliers|size-ladder|attribution)$/ },
  { id: 'importance', title: 'Knob importance across sessions', match: /^importance$/ },
  { id: 'mixture', title: 'Data mixture', match: /^mixture/ },
];

export function sectionsOf(plots: PlotOutcome[]) {
  return PLOT_SECTIONS.map((s) => {
    const mine = plots.filter((p) => s.match.test(p.id));
    return { ...s, plots: mine.filter(isPlot), omitted: mine.filter((p): p is Omitted => !isPlot(p)) };
  });
}
