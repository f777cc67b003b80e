/**
 * The HTTP app: thin routes over the services in this folder, grouped in routes/ and mounted with
 * `app.route()`; JSON bodies are validated with zod (body.ts). Every error is thrown (FlywheelError
 * with a code) and turned into `{error: {code, message}}` with its HTTP status in one `onError`.
 * Tests call `createApp(...).request('/api/runs')` in-process; `listen.ts` puts it on a socket.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FlywheelError, type ErrorCode } from '../errors.ts';
import { redact, secretValues } from '../security/redact.ts';
import type { Store } from '../store/base.ts';
import { registerAnalysisRoutes } from './analysis-routes.ts';
import { guard, requireToken } from './auth.ts';
import { registerReportRoutes } from './report-routes.ts';
import { RunIndex } from './run-index.ts';
import { SeriesCache } from './series-cache.ts';
import { runRoutes } from './routes/runs.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { feedStream, type FeedOptions } from './sse.ts';
import { defaultWebDir, serveWeb } from './static.ts';

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

/**
 * Largest request body read (1 MiB: a compare of 20,000 run ids fits). Checked from Content-Length and
 * while streaming, before any parsing (SECURITY.md, "Smaller guarantees").
 */
export const MAX_BODY_BYTES = 1 << 20;

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

  app.route('/api', runRoutes(store, index, series));
  app.route('/api', sessionRoutes(store));

  // ---- live ----
  app.get('/api/events', (c) => feedStream(c, store, opts.feed));

  registerAnalysisRoutes(app, store);
  registerReportRoutes(app, store);
  app.all('/api/*', (c) => {
    throw new FlywheelError('not_found', `no API route ${c.req.method} ${c.req.path}`);
  });
  app.get('*', serveWeb(opts.webDir ?? defaultWebDir));
  return app;
}
