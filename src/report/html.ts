/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, no external reference, and
 * a Content-Security-Policy that forbids both anyway (a page opened from disk or served by
 * `flywheel serve`). Every untrusted string goes through escapeXml; every SVG comes from plots.ts.
 */
import { clip, escapeXml as e } from './escape.ts';
import { computeRows, fmtEffect, sectionsOf, summaryRows } from './format.ts';
import type { ReportModel } from './model.ts';
import type { PlotOutcome } from './plots.ts';

/** The policy the page carries in a meta tag and the server sends as a header. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `
body{font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1b1b;background:#fafafa;margin:0}
main{max-width:980px;margin:0 auto;padding:24px 28px 64px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#666;margin:0 0 16px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{color:#555}dl.facts dd{margin:0}
figure{margin:16px 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:12.5px;margin-top:4px}
.omitted{color:#777;font-style:italic;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
.verdict-win{color:#1a7f1a;font-weight:600}.verdict-loss{color:#b22}
ol.journal{padding-left:20px}ol.journal li{margin:3px 0}.kind{display:inline-block;min-width:80px;color:#555;font-size:12px}
.body{white-space:pre-wrap;color:#444;font-size:12.5px;margin:2px 0 4px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f4f4;padding:0 3px;border-radius:3px;word-break:break-all}
`;

const dl = (rows: [string, string][]) =>
  `<dl class="facts">${rows.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join('')}</dl>`;

function plotsHtml(plots: PlotOutcome[]): string {
  return sectionsOf(plots)
    .map(
      (s) =>
        `<section id="${s.id}"><h2>${e(s.title)}</h2>` +
        s.plots
          .map(
            (p) => `<figure data-plot="${e(p.id)}">${p.svg}<figcaption>${e(p.caption)}</figcaption></figure>`,
          )
          .join('') +
        s.omitted.map((o) => `<p class="omitted"><b>${e(o.title)}</b>: ${e(o.reason)}.</p>`).join('') +
        `</section>`,
    )
    .join('');
}

function proposalsHtml(m: ReportModel): string {
  if (!m.proposals.length) return '<p class="omitted">No proposal was admitted.</p>';
  const rows = m.proposals.map(
    (p) =>
      `<tr><td>${e(p.id)}</td><td><b>${e(clip(p.title, 200))}</b><div class="body">${e(clip(p.hypothesis, 2000))}</div></td>` +
      `<td>${p.change.map((c) => `<code>${e(clip(c.key, 120))}=${e(clip(c.value, 200))}</code>`).join(' ')}</td>` +
      `<td class="verdict-${e(p.verdict)}">${e(p.verdict)}${p.confirmed ? ' (confirmed)' : ''}</td>` +
      `<td class="num">${e(fmtEffect(p.delta, p.ci95))}</td><td class="num">${p.n ?? '–'}</td>` +
      `<td class="num">${p.pValue === undefined ? '–' : e(p.pValue.toPrecision(2))}</td></tr>`,
  );
  return `<table><thead><tr><th>id</th><th>proposal and hypothesis</th><th>change</th><th>verdict</th><th>Δ val bpb [95% CI]</th><th>n</th><th>adj. p</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function journalHtml(m: ReportModel): string {
  if (!m.journal.length) return '<p class="omitted">The journal is empty.</p>';
  const items = m.journal.map(
    (j) =>
      `<li><span class="kind">${e(j.kind)}</span>${e(clip(j.title, 400))}` +
      (j.body ? `<div class="body">${e(clip(j.body, 2000))}</div>` : '') +
      (j.runIds.length
        ? ` <span class="meta">(${j.runIds
            .slice(0, 8)
            .map((r) => e(r))
            .join(', ')}${j.runIds.length > 8 ? ', …' : ''})</span>`
        : '') +
      `</li>`,
  );
  const more = m.journalOmitted
    ? `<p class="omitted">${m.journalOmitted} more entries in the session's journal.</p>`
    : '';
  return `<ol class="journal">${items.join('')}</ol>${more}`;
}

export function renderHtml(m: ReportModel, plots: PlotOutcome[]): string {
  const s = m.session;
  const findings = m.findings.length
    ? `<ul>${m.findings.map((f) => `<li><b>${e(clip(f.title, 300))}</b>${f.confirmed ? ' (confirmed)' : ''}: ${e(clip(f.statement, 1000))}</li>`).join('')}</ul>`
    : '<p class="omitted">No finding was recorded.</p>';
  const rejected = m.rejected.length
    ? `<h2>Refused before compute (${m.rejected.length})</h2><ul>${m.rejected
        .slice(0, 100)
        .map((r) => `<li>${e(clip(r.title, 200))}: ${e(clip(r.reason, 300))}</li>`)
        .join('')}</ul>`
    : '';
  return (
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${e(REPORT_CSP)}">` +
    `<meta name="referrer" content="no-referrer"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Flywheel report: session ${e(s.id)}</title><style>${CSS}</style></head><body><main>` +
    `<h1>Research session ${e(s.id)}</h1>` +
    `<p class="meta">${e(s.status)}${s.statusReason ? ` (${e(clip(s.statusReason, 200))})` : ''} · ${e(s.researcher)} researcher · ${e(s.executor)} × ${s.parallel} · started ${e(s.createdAt)}${s.endedAt ? ` · ended ${e(s.endedAt)}` : ''} · report made ${e(m.generatedAt)}</p>` +
    `<section id="summary"><h2>Summary</h2>${dl(summaryRows(m))}</section>` +
    `<section id="compute"><h2>Compute and cost</h2>${dl(computeRows(m))}</section>` +
    plotsHtml(plots) +
    `<section id="proposals"><h2>Proposals, hypotheses and conclusions</h2>${proposalsHtml(m)}</section>` +
    `<section id="findings"><h2>Findings</h2>${findings}</section>` +
    rejected +
    `<section id="journal"><h2>Journal: decisions</h2>${journalHtml(m)}</section>` +
    `</main></body></html>\n`
  );
}
