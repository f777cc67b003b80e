/** /api/runs and /api/compare: thin routes over runs-service.ts and compare-service.ts. */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { FlywheelError } from '../../errors.ts';
import { RUN_STATUSES, type RunStatus, type Store } from '../../store/base.ts';
import { parseBody } from '../body.ts';
import { compareRuns, type CompareQuery } from '../compare-service.ts';
import { X_FIELDS } from '../downsample.ts';
import { enumParam, intParam, listParam } from '../query.ts';
import type { RunIndex } from '../run-index.ts';
import { listRuns, runDetail, runMetrics } from '../runs-service.ts';
import type { SeriesCache } from '../series-cache.ts';
import { stopRun } from '../stop-run.ts';

const MAX_LIST = 50_000;

export function checkAll<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v))
      throw new FlywheelError('bad_input', `?${name}=${v}: expected one of ${allowed.join(', ')}`);
  }
  return values as T[];
}

const CompareBody = z.object({
  ids: z.array(z.string()),
  x: z.enum(X_FIELDS).optional(),
  y: z.string().min(1).optional(),
  maxPoints: z.number().int().min(0).optional(),
});
const COMPARE_HINTS = {
  ids: 'an array of run ids',
  x: `one of ${X_FIELDS.join(', ')}`,
  y: 'a metric name such as "loss"',
  maxPoints: 'an integer >= 0',
};

export function runRoutes(store: Store, index: RunIndex, series: SeriesCache): Hono {
  const r = new Hono();
  r.get('/runs', async (c) =>
    c.json(
      await listRuns(index, store, {
        status: checkAll('status', listParam(c, 'status'), RUN_STATUSES) as RunStatus[],
        sessionId: c.req.query('session') ?? c.req.query('sessionId'),
        preset: c.req.query('preset'),
        configHash: c.req.query('configHash'),
        ids: listParam(c, 'ids'),
        where: c.req.queries('where') ?? [],
        sort: c.req.query('sort'),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
        limit: intParam(c, 'limit', 100, 1, MAX_LIST),
        fields: enumParam(c, 'fields', ['list', 'full'] as const, 'list'),
        keys: listParam(c, 'keys'),
      }),
    ),
  );
  r.get('/runs/:id', async (c) => c.json(await runDetail(store, c.req.param('id'))));
  r.get('/runs/:id/metrics', async (c) =>
    c.json(await runMetrics(store, c.req.param('id'), intParam(c, 'maxPoints', 2000, 0, 1_000_000))),
  );
  r.post('/runs/:id/stop', async (c) => c.json(await stopRun(store, c.req.param('id')), 202));

  // compare: GET with ?ids= for a few runs, POST {ids, ...} for many (URLs have a length limit)
  const compareQuery = (c: Context, body: Partial<CompareQuery> = {}): CompareQuery => ({
    ids: body.ids ?? listParam(c, 'ids'),
    x: body.x ?? enumParam(c, 'x', X_FIELDS, 'step'),
    y: body.y ?? c.req.query('y') ?? 'loss',
    maxPoints: body.maxPoints ?? intParam(c, 'maxPoints', 400, 0, 100_000),
  });
  r.get('/compare', async (c) => c.json(await compareRuns(store, compareQuery(c), series)));
  r.post('/compare', async (c) => {
    const body = parseBody(CompareBody, await c.req.json(), COMPARE_HINTS);
    return c.json(await compareRuns(store, compareQuery(c, body), series));
  });
  return r;
}
