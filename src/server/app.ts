/**
 * The HTTP app: thin routes over the services in this folder. Every error is thrown (FlywheelError
 * with a code) and turned into `{error: {code, message}}` with its HTTP status in one `onError`.
 * Tests call `createApp(...).request('/api/runs')` in-process; `listen.ts` puts it on a socket.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlywheelError, type ErrorCode } from '../errors.ts';
import { redact, secretValues } from '../security/redact.ts';
import {
  JOURNAL_KINDS,
  RUN_STATUSES,
  SESSION_STATUSES,
  type JournalKind,
  type RunStatus,
  type SessionStatus,
  type Store,
} from '../store/base.ts';
import { registerAnalysisRoutes } from './analysis-routes.ts';
import { guard, requireToken } from './auth.ts';
import { compareRuns, type CompareQuery } from './compare-service.ts';
import { X_FIELDS } from './downsample.ts';
import { boolParam, enumParam, intParam, listParam } from './query.ts';
import { RunIndex } from './run-index.ts';
import { SeriesCache } from './series-cache.ts';
import { listRuns, runDetail, runMetrics } from './runs-service.ts';
import {
  controlSession,
  listSessions,
  requireSession,
  sessionJournal,
  sessionView,
  type SessionAction,
} from './sessions-service.ts';
import { feedStream, type FeedOptions } from './sse.ts';
import { defaultWebDir, serveWeb } from './static.ts';
import { stopRun } from './stop-run.ts';

export interface AppOptions {
  store: Store;
  /** When set, /api needs it (Bearer header, cookie or ?token=). Required beyond loopback (see listen.ts). */
  token?: string;
  /** Built dashboard; default web/dist. */
  webDir?: string;
  feed?: FeedOptions;
  /** Build the runs index now rather than on the first request (a served dashboard wants this). */
  warm?: boolean;
}

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_config: 400,
  bad_input: 400,
  bad_data: 422,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  budget_exhausted: 409,
  trainer_failed: 500,
  missing_dependency: 503,
  llm_error: 502,
  internal: 500,
};

const MAX_LIST = 50_000;

/**
 * Largest request body read (1 MiB: a compare of 20,000 run ids fits). Checked from Content-Length and
 * while streaming, before any parsing (SECURITY.md, "Smaller guarantees").
 */
export const MAX_BODY_BYTES = 1 << 20;

function checkAll<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v))
      throw new FlywheelError('bad_input', `?${name}=${v}: expected one of ${allowed.join(', ')}`);
  }
  return values as T[];
}

/**
 * Every JSON answer leaves redacted of the orchestrator's secrets (security/redact.ts): stored text
 * (run reasons, journal entries, events) can quote run output, which agent code shapes.
 */
const redactJson: MiddlewareHandler = async (c, next) => {
  await next();
  if (!secretValues().length || !(c.res.headers.get('content-type') ?? '').includes('application/json'))
    return;
  const text = await c.res.text();
  const res = new Response(redact(text), c.res);
  res.headers.delete('content-length');
  c.res = res;
};

export function createApp(opts: AppOptions): Hono {
  const { store } = opts;
  const index = new RunIndex(store);
  const series = new SeriesCache();
  if (opts.warm) void index.refresh().catch(() => undefined); // a failure shows on the first request
  const app = new Hono();

  app.onError((e, c) => {
    if (e instanceof FlywheelError) {
      if (e.code === 'unauthorized') c.header('WWW-Authenticate', 'Bearer realm="flywheel"');
      return c.json({ error: { code: e.code, message: e.message } }, STATUS[e.code] ?? 500);
    }
    if (e instanceof HTTPException)
      return c.json({ error: { code: 'bad_input', message: e.message } }, e.status as ContentfulStatusCode);
    if (e instanceof SyntaxError)
      return c.json({ error: { code: 'bad_input', message: `malformed JSON body: ${e.message}` } }, 400);
    process.stderr.write(`flywheel serve: ${c.req.method} ${c.req.path}: ${(e as Error).stack ?? e}\n`);
    return c.json({ error: { code: 'internal', message: (e as Error).message.split('\n')[0] } }, 500);
  });

  app.use('*', guard(opts.token));
  app.use('/api/*', requireToken(opts.token));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) =>
        c.json(
          { error: { code: 'bad_input', message: `request body over ${MAX_BODY_BYTES} bytes; not read` } },
          413,
        ),
    }),
  );
  app.use('/api/*', redactJson);

  app.get('/api/health', async (c) =>
    c.json({ ok: true, store: store.kind, feedHead: await store.feedHead(), time: new Date().toISOString() }),
  );

  // ---- runs ----
  app.get('/api/runs', async (c) =>
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
  app.get('/api/runs/:id', async (c) => c.json(await runDetail(store, c.req.param('id'))));
  app.get('/api/runs/:id/metrics', async (c) =>
    c.json(await runMetrics(store, c.req.param('id'), intParam(c, 'maxPoints', 2000, 0, 1_000_000))),
  );
  app.post('/api/runs/:id/stop', async (c) => c.json(await stopRun(store, c.req.param('id')), 202));

  // ---- compare: GET with ?ids= for a few runs, POST {ids, ...} for many (URLs have a length limit) ----
  const compareQuery = (c: Context, body: Partial<CompareQuery> = {}): CompareQuery => ({
    ids: body.ids ?? listParam(c, 'ids'),
    x: body.x ?? enumParam(c, 'x', X_FIELDS, 'step'),
    y: body.y ?? c.req.query('y') ?? 'loss',
    maxPoints: body.maxPoints ?? intParam(c, 'maxPoints', 400, 0, 100_000),
  });
  app.get('/api/compare', async (c) => c.json(await compareRuns(store, compareQuery(c), series)));
  app.post('/api/compare', async (c) => {
    const body = ((await c.req.json()) ?? {}) as Partial<CompareQuery>;
    if (!Array.isArray(body.ids) || body.ids.some((v) => typeof v !== 'string')) {
      throw new FlywheelError('bad_input', 'body.ids must be an array of run ids');
    }
    if (body.x !== undefined && !(X_FIELDS as readonly string[]).includes(body.x)) {
      throw new FlywheelError('bad_input', `body.x=${body.x}: expected one of ${X_FIELDS.join(', ')}`);
    }
    if (body.y !== undefined && (typeof body.y !== 'string' || body.y === '')) {
      throw new FlywheelError(
        'bad_input',
        `body.y=${JSON.stringify(body.y)}: expected a metric name such as "loss"`,
      );
    }
    if (body.maxPoints !== undefined && !(Number.isInteger(body.maxPoints) && body.maxPoints >= 0)) {
      throw new FlywheelError('bad_input', `body.maxPoints=${body.maxPoints}: expected an integer >= 0`);
    }
    return c.json(await compareRuns(store, compareQuery(c, body), series));
  });

  // ---- sessions, journal, findings ----
  app.get('/api/sessions', async (c) =>
    c.json(
      await listSessions(store, {
        status: checkAll('status', listParam(c, 'status'), SESSION_STATUSES) as SessionStatus[],
        limit: intParam(c, 'limit', 200, 1, 10_000),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      }),
    ),
  );
  app.get('/api/sessions/:id', async (c) => c.json(await sessionView(store, c.req.param('id'))));
  app.get('/api/sessions/:id/journal', async (c) =>
    c.json(
      await sessionJournal(store, c.req.param('id'), {
        afterSeq: c.req.query('afterSeq')
          ? intParam(c, 'afterSeq', 0, 0, Number.MAX_SAFE_INTEGER)
          : undefined,
        kinds: listParam(c, 'kinds').length
          ? (checkAll('kinds', listParam(c, 'kinds'), JOURNAL_KINDS) as JournalKind[])
          : undefined,
        limit: c.req.query('limit') ? intParam(c, 'limit', 1000, 1, 100_000) : undefined,
      }),
    ),
  );
  app.get('/api/sessions/:id/findings', async (c) => {
    await requireSession(store, c.req.param('id'));
    return c.json({ findings: await store.listFindings({ sessionId: c.req.param('id') }) });
  });
  app.post('/api/sessions/:id/:action{pause|resume|stop}', async (c) =>
    c.json(await controlSession(store, c.req.param('id'), c.req.param('action') as SessionAction), 202),
  );
  app.get('/api/findings', async (c) =>
    c.json({
      findings: await store.listFindings({
        sessionId: c.req.query('session'),
        confirmed: boolParam(c, 'confirmed'),
        limit: intParam(c, 'limit', 500, 1, 100_000),
      }),
    }),
  );

  // ---- live ----
  app.get('/api/events', (c) => feedStream(c, store, opts.feed));

  registerAnalysisRoutes(app, store);
  app.all('/api/*', (c) => {
    throw new FlywheelError('not_found', `no API route ${c.req.method} ${c.req.path}`);
  });
  app.get('*', serveWeb(opts.webDir ?? defaultWebDir));
  return app;
}
