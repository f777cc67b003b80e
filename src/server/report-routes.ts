/**
 * A session's report and its importance, for the dashboard's session view (README "Session reports"):
 *   GET /api/sessions/:id/report.html   the `flywheel report` page, made on the fly; sent with a
 *                                       Content-Security-Policy that allows no script, no request and
 *                                       no framing, so researcher text in it can never act
 *   GET /api/sessions/:id/importance    knob importance over the store's runs comparable with the session
 * An unknown session is a 404; importance the runs cannot support is a 404 naming what is missing.
 */
import type { Hono } from 'hono';
import { knobImportance } from '../analysis/importance.ts';
import { toAnalysisRun } from '../analysis/runs.ts';
import { FlywheelError } from '../errors.ts';
import { comparableWith, gatherReport } from '../report/gather.ts';
import { REPORT_CSP } from '../report/html.ts';
import { renderReport } from '../report/render.ts';
import type { Store } from '../store/base.ts';
import { requireSession } from './sessions-service.ts';

export const REPORT_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': REPORT_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function registerReportRoutes(app: Hono, store: Store): void {
  app.get('/api/sessions/:id/report.html', async (c) => {
    const { html } = renderReport(await gatherReport(store, c.req.param('id')));
    return c.body(html, 200, REPORT_HEADERS);
  });
  app.get('/api/sessions/:id/importance', async (c) => {
    const id = c.req.param('id');
    await requireSession(store, id);
    const all = (await store.listRuns({ fields: 'list' })).map(toAnalysisRun);
    const r = knobImportance(comparableWith(all, id), { resamples: 200 });
    if (!r.ok) throw new FlywheelError('not_found', r.missing);
    return c.json(r);
  });
}
