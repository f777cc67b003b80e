/**
 * Escaping for everything a report shows that the researcher wrote (titles, hypotheses, journal text,
 * change keys and values, run names): SECURITY.md treats all of it as hostile. Every renderer in this
 * folder passes such text through these functions and nothing else; numbers are formatted by us.
 */

// Characters XML 1.0 forbids (a standalone .svg must stay well-formed) and lone surrogates.
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for HTML, SVG or XML, in element content or a quoted attribute. */
export function escapeXml(text: unknown): string {
  return String(text ?? '')
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text for Markdown (CommonMark + GFM), inline (never at the start of a line): one line, no emphasis,
 * code, link, image, autolink, raw HTML, math or table-cell break. The punctuation that opens them is
 * backslash-escaped (CommonMark allows it before any ASCII punctuation; `(` is harmless once `[` is
 * escaped), `<`, `>` and `&` become entities, and URL-like text is defanged (`http[:]//`, `www[.]`,
 * `[at]`) so GFM's bare-URL and e-mail autolinks cannot turn researcher text into a link.
 */
export function escapeMarkdown(text: unknown): string {
  return String(text ?? '')
    .replace(NOT_XML, '\uFFFD')
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/:\/\//g, '[:]//')
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}[.]`)
    .replace(/@/g, '[at]')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~$]/g, (c) => `\\${c}`);
}

/** An escaped line that starts a Markdown line: no heading, list item or setext underline either. */
const lineStart = (escaped: string) =>
  escaped.replace(/^(\s*)([#+\-=]|\d+(?=[.)]))/, (_m, sp: string, mark: string) =>
    /^\d/.test(mark) ? `${sp}${mark}\\` : `${sp}\\${mark}`,
  );

/** Text for Markdown as a block (a hypothesis, a journal body): escaped line by line, lines kept. */
export function escapeMarkdownBlock(text: unknown, maxLines = 40): string {
  const lines = String(text ?? '').split(/\r?\n/);
  const kept = lines.slice(0, maxLines).map((l) => lineStart(escapeMarkdown(l)));
  if (lines.length > maxLines) kept.push(`… (${lines.length - maxLines} more lines)`);
  return kept.join('  \n');
}

/** Shorten untrusted text before escaping (a 1 MB title must not make a 1 MB table cell). */
export function clip(text: unknown, max = 200): string {
  const s = String(text ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
