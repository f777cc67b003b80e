/** /api/sessions and /api/findings: thin routes over sessions-service.ts. */
import { Hono } from 'hono';
import {
  JOURNAL_KINDS,
  SESSION_STATUSES,
  type JournalKind,
  type SessionStatus,
  type Store,
} from '../../store/base.ts';
import { boolParam, intParam, listParam } from '../query.ts';
import {
  controlSession,
  listSessions,
  requireSession,
  sessionJournal,
  sessionView,
  type SessionAction,
} from '../sessions-service.ts';
import { checkAll } from './runs.ts';

export function sessionRoutes(store: Store): Hono {
  const r = new Hono();
  r.get('/sessions', async (c) =>
    c.json(
      await listSessions(store, {
        status: checkAll('status', listParam(c, 'status'), SESSION_STATUSES) as SessionStatus[],
        limit: intParam(c, 'limit', 200, 1, 10_000),
        offset: intParam(c, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      }),
    ),
  );
  r.get('/sessions/:id', async (c) => c.json(await sessionView(store, c.req.param('id'))));
  r.get('/sessions/:id/journal', async (c) =>
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
  r.get('/sessions/:id/findings', async (c) => {
    await requireSession(store, c.req.param('id'));
    return c.json({ findings: await store.listFindings({ sessionId: c.req.param('id') }) });
  });
  r.post('/sessions/:id/:action{pause|resume|stop}', async (c) =>
    c.json(await controlSession(store, c.req.param('id'), c.req.param('action') as SessionAction), 202),
  );
  r.get('/findings', async (c) =>
    c.json({
      findings: await store.listFindings({
        sessionId: c.req.query('session'),
        confirmed: boolParam(c, 'confirmed'),
        limit: intParam(c, 'limit', 500, 1, 100_000),
      }),
    }),
  );
  return r;
}
