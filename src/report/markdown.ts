/**
 * The report as Markdown for a team doc: the same sections as the HTML page, charts as image links to
 * the SVG files written beside it. Untrusted text goes through escapeMarkdown (no link, image, raw HTML
 * or autolink can come from it); image targets are our own file names.
 */
import { clip, escapeMarkdown as md, escapeMarkdownBlock } from './escape.ts';
import { computeRows, fmtEffect, sectionsOf, summaryRows } from './format.ts';
import type { ReportModel } from './model.ts';
import type { PlotOutcome } from './plots.ts';

const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const facts = (rows: [string, string][]) => rows.map(([k, v]) => `- **${md(k)}**: ${md(v)}`).join('\n');

export function renderMarkdown(
  m: ReportModel,
  plots: PlotOutcome[],
  svgFile: (id: string) => string,
): string {
  const s = m.session;
  const out: string[] = [];
  out.push(`# Research session ${md(s.id)}`);
  out.push(
    `${md(s.status)}${s.statusReason ? ` (${md(clip(s.statusReason, 200))})` : ''} · ${md(s.researcher)} researcher · ${md(s.executor)} × ${s.parallel} · started ${md(s.createdAt)}${s.endedAt ? ` · ended ${md(s.endedAt)}` : ''} · report made ${md(m.generatedAt)}`,
  );
  out.push('## Summary', facts(summaryRows(m)));
  out.push('## Compute and cost', facts(computeRows(m)));
  for (const sec of sectionsOf(plots)) {
    out.push(`## ${sec.title}`);
    for (const p of sec.plots) out.push(`![${md(p.title)}](${svgFile(p.id)})\n\n*${md(p.caption)}*`);
    for (const o of sec.omitted) out.push(`*${md(o.title)}: ${md(o.reason)}.*`);
  }
  out.push('## Proposals, hypotheses and conclusions');
  out.push(
    m.proposals.length
      ? table(
          ['id', 'proposal', 'hypothesis', 'change', 'verdict', 'Δ val bpb [95% CI]', 'n'],
          m.proposals.map((p) => [
            md(p.id),
            md(clip(p.title, 200)),
            md(clip(p.hypothesis, 600)),
            p.change.map((c) => md(`${clip(c.key, 120)}=${clip(c.value, 200)}`)).join(', '),
            `${md(p.verdict)}${p.confirmed ? ' (confirmed)' : ''}`,
            md(fmtEffect(p.delta, p.ci95)),
            String(p.n ?? '–'),
          ]),
        )
      : '*No proposal was admitted.*',
  );
  out.push('## Findings');
  out.push(
    m.findings.length
      ? m.findings
          .map(
            (f) =>
              `- **${md(clip(f.title, 300))}**${f.confirmed ? ' (confirmed)' : ''}: ${md(clip(f.statement, 1000))}`,
          )
          .join('\n')
      : '*No finding was recorded.*',
  );
  if (m.rejected.length) {
    out.push(`## Refused before compute (${m.rejected.length})`);
    out.push(
      m.rejected
        .slice(0, 100)
        .map((r) => `- ${md(clip(r.title, 200))}: ${md(clip(r.reason, 300))}`)
        .join('\n'),
    );
  }
  out.push('## Journal: decisions');
  out.push(
    m.journal.length
      ? m.journal
          .map(
            (j, i) =>
              `${i + 1}\\. **${md(j.kind)}** ${md(clip(j.title, 400))}` +
              (j.body ? `  \n   ${escapeMarkdownBlock(clip(j.body, 2000), 20)}` : ''),
          )
          .join('\n\n')
      : '*The journal is empty.*',
  );
  if (m.journalOmitted) out.push(`*${m.journalOmitted} more entries in the session's journal.*`);
  return out.join('\n\n') + '\n';
}
