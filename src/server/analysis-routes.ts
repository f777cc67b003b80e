/**
 * The analysis API (thin routes over src/analysis/): the scaling view and compute multipliers, computed
 * from the stored runs on each request. An analysis the runs cannot support is a 404 naming what is
 * missing (the same line `flywheel analyze` prints).
 *   GET /api/analysis/scaling?session=ID&family=KEY&resamples=N
 *   GET /api/analysis/multiplier?candidate=RUN_OR_PROPOSAL&baseline=REF&session=ID&resamples=N
 */
import type { Hono } from 'hono';
import { multiplierReport, scalingReport, type Outcome } from '../analysis/reports.ts';
import { toAnalysisRun } from '../analysis/runs.ts';
import { FlywheelError } from '../errors.ts';
import type { Store } from '../store/base.ts';
import { intParam } from './query.ts';

function unwrap<T>(o: Outcome<T>): T {
  if ((o as { ok: boolean }).ok === false)
    throw new FlywheelError('not_found', (o as { missing: string }).missing);
  return o as T;
}

async function analysisRuns(store: Store) {
  return (await store.listRuns({ fields: 'list' })).map(toAnalysisRun);
}

export function registerAnalysisRoutes(app: Hono, store: Store): void {
  app.get('/api/analysis/scaling', async (c) => {
    const runs = await analysisRuns(store);
    const report = scalingReport(runs, {
      sessionId: c.req.query('session') || undefined,
      family: c.req.query('family') || undefined,
      resamples: intParam(c, 'resamples', 200, 10, 5000),
    });
    return c.json(unwrap(report));
  });
  app.get('/api/analysis/multiplier', async (c) => {
    const candidate = c.req.query('candidate');
    if (!candidate) throw new FlywheelError('bad_input', '?candidate=RUN_OR_PROPOSAL is required');
    const runs = await analysisRuns(store);
    const report = multiplierReport(runs, {
      candidate,
      baseline: c.req.query('baseline') || undefined,
      sessionId: c.req.query('session') || undefined,
      resamples: intParam(c, 'resamples', 1000, 10, 20_000),
    });
    return c.json(unwrap(report));
  });
}
