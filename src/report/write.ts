/** Writes a rendered report into a folder: report.html, report.md and the SVG files the Markdown links. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlywheelError } from '../errors.ts';
import type { RenderedReport } from './render.ts';

/** The default folder, `<FLYWHEEL_HOME>/reports/<session>/`; a session id that is not a plain name is refused. */
export function defaultReportDir(home: string, sessionId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(sessionId) || sessionId.includes('..'))
    throw new FlywheelError('bad_input', `session id "${sessionId}" is not a plain name; pass --out DIR`);
  return join(home, 'reports', sessionId);
}

export function writeReport(
  dir: string,
  r: RenderedReport,
): { dir: string; html: string; markdown: string; svgs: string[] } {
  const out = resolve(dir);
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw new FlywheelError('bad_input', `--out ${dir}: cannot create the folder (${(e as Error).message})`);
  }
  const html = join(out, 'report.html');
  const markdown = join(out, 'report.md');
  writeFileSync(html, r.html);
  writeFileSync(markdown, r.markdown);
  const svgs = r.svgs.map((s) => {
    const p = join(out, s.file);
    writeFileSync(p, s.svg);
    return p;
  });
  return { dir: out, html, markdown, svgs };
}
