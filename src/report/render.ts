/**
 * One call from a gathered input to every file of the report, as strings (pure): `report.html`,
 * `report.md` and one `<plot>.svg` per chart. The CLI writes them (write.ts); the server sends the HTML.
 */
import { redact } from '../security/redact.ts';
import { buildReport } from './build.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportInput } from './model.ts';
import { isPlot, reportPlots, type Omitted, type Plot } from './plots.ts';

export interface RenderedReport {
  html: string;
  markdown: string;
  svgs: { file: string; svg: string }[];
  plots: { id: string; title: string; file: string; marks: number }[];
  omitted: Omitted[];
}

export const svgFile = (id: string) => `${id}.svg`;

export function renderReport(input: ReportInput): RenderedReport {
  const model = buildReport(input);
  const all = reportPlots(model);
  const plots = all.filter(isPlot) as Plot[];
  // Stored text may quote run output, which agent code shapes: the orchestrator's secrets never leave
  // in a report (SECURITY.md), as they never leave in an API answer.
  return {
    html: redact(renderHtml(model, all)),
    markdown: redact(renderMarkdown(model, all, svgFile)),
    svgs: plots.map((p) => ({ file: svgFile(p.id), svg: redact(p.svg) })),
    plots: plots.map((p) => ({ id: p.id, title: p.title, file: svgFile(p.id), marks: p.marks })),
    omitted: all.filter((p): p is Omitted => !isPlot(p)),
  };
}
