/**
 * A local stand-in for the Anthropic and OpenAI HTTP APIs (the only fake the tests use: those services
 * cannot run here). A real HTTP server on 127.0.0.1 speaking the real wire formats:
 *   POST /v1/messages          Anthropic Messages: content blocks, tool_use / tool_result, stop_reason,
 *                              usage with cache fields, error bodies {type:'error', error:{type, message}}
 *   POST /v1/chat/completions  OpenAI chat completions: tool_calls, finish_reason, usage, {error:{...}}
 *   GET  /v1/models            OpenAI model list
 * It checks requests the way the real APIs do (auth header, message order, every tool call answered by a
 * result right after it) and answers 400 otherwise, so transcript bugs fail tests. Replies come from a
 * per-wire queue (`enqueue`), else from `fallback` (a function of the request; default: the autopilot).
 * Every request is recorded (`requests`) for assertions.
 *
 * Base URLs: ANTHROPIC_BASE_URL = `url`; OPENAI_BASE_URL = `${url}/v1`.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { autopilot } from './autopilot.ts';
import { usageFor, type Wire } from './replies.ts';

export interface RecordedRequest {
  wire: Wire;
  path: string;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON as sent by the SDK
  index: number; // among requests of this wire
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** A reply, or a function of the request that makes one (usage is usually computed from the request). */
export type ReplySpec = Reply | ((req: RecordedRequest, double: LlmDouble) => Reply);

export interface LlmDouble {
  url: string;
  requests: RecordedRequest[];
  enqueue(wire: Wire, ...replies: ReplySpec[]): void;
  pending(wire: Wire): number;
  fallback: Record<Wire, ReplySpec>;
  /** Prompt prefixes (system + tools) already seen: later requests with the same prefix read it from the "cache". */
  seenPrefixes: Set<string>;
  close(): Promise<void>;
}

const anthropicError = (status: number, type: string, message: string): Reply => ({
  status,
  body: { type: 'error', error: { type, message } },
});
const openaiError = (status: number, message: string, type = 'invalid_request_error'): Reply => ({
  status,
  body: { error: { message, type, param: null, code: null } },
});

/** The Messages API's own checks on a conversation. */
function checkAnthropic(req: RecordedRequest): Reply | undefined {
  // the SDK sends the key as `Authorization: Bearer` (older ones as x-api-key); the API takes either
  if (!req.headers['x-api-key'] && !/^Bearer \S+/.test(req.headers.authorization ?? ''))
    return anthropicError(401, 'authentication_error', 'x-api-key header is required');
  if (!req.headers['anthropic-version'])
    return anthropicError(400, 'invalid_request_error', 'anthropic-version header is required');
  const b = req.body;
  if (typeof b?.model !== 'string' || typeof b?.max_tokens !== 'number')
    return anthropicError(400, 'invalid_request_error', 'model and max_tokens are required');
  const ms = b.messages as Array<{ role: string; content: unknown }>;
  if (!Array.isArray(ms) || ms.length === 0 || ms[0].role !== 'user')
    return anthropicError(400, 'invalid_request_error', 'messages: first message must use the "user" role');
  for (let i = 0; i < ms.length; i++) {
    if (i > 0 && ms[i].role === ms[i - 1].role)
      return anthropicError(400, 'invalid_request_error', `messages: roles must alternate (messages.${i})`);
    const blocks = Array.isArray(ms[i].content)
      ? (ms[i].content as Array<{ type: string; id?: string; tool_use_id?: string }>)
      : [];
    if (ms[i].role !== 'assistant') continue;
    const ids = blocks.filter((x) => x.type === 'tool_use').map((x) => x.id);
    if (!ids.length) continue;
    const next = ms[i + 1];
    const answered = new Set(
      (Array.isArray(next?.content) ? (next.content as Array<{ type: string; tool_use_id?: string }>) : [])
        .filter((x) => x.type === 'tool_result')
        .map((x) => x.tool_use_id),
    );
    const missing = ids.filter((id) => !answered.has(id));
    if (next && missing.length) {
      return anthropicError(
        400,
        'invalid_request_error',
        `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`,
      );
    }
  }
  if (ms[ms.length - 1].role !== 'user')
    return anthropicError(400, 'invalid_request_error', 'the last message must use the "user" role');
  return undefined;
}

function checkOpenAI(req: RecordedRequest): Reply | undefined {
  if (!/^Bearer \S+/.test(req.headers.authorization ?? ''))
    return openaiError(401, "You didn't provide an API key.");
  const ms = req.body?.messages as Array<{
    role: string;
    tool_calls?: Array<{ id: string }>;
    tool_call_id?: string;
  }>;
  if (typeof req.body?.model !== 'string' || !Array.isArray(ms) || ms.length === 0)
    return openaiError(400, 'model and messages are required');
  for (let i = 0; i < ms.length; i++) {
    const calls = ms[i].tool_calls ?? [];
    if (ms[i].role !== 'assistant' || calls.length === 0) continue;
    const answered = new Set<string>();
    for (let j = i + 1; j < ms.length && ms[j].role === 'tool'; j++) answered.add(ms[j].tool_call_id ?? '');
    const missing = calls.filter((c) => !answered.has(c.id));
    if (missing.length) {
      return openaiError(
        400,
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.map((c) => c.id).join(', ')}`,
      );
    }
  }
  return undefined;
}

export async function startLlmDouble(
  opts: { fallback?: Partial<Record<Wire, ReplySpec>>; port?: number } = {},
): Promise<LlmDouble> {
  const queues: Record<Wire, ReplySpec[]> = { anthropic: [], openai: [] };
  const counts: Record<Wire, number> = { anthropic: 0, openai: 0 };
  const double: LlmDouble = {
    url: '',
    requests: [],
    enqueue: (wire, ...r) => void queues[wire].push(...r),
    pending: (wire) => queues[wire].length,
    fallback: { anthropic: autopilot('anthropic'), openai: autopilot('openai'), ...opts.fallback },
    seenPrefixes: new Set(),
    close: async () => {},
  };
  const app = new Hono();
  const handle =
    (wire: Wire, check: (r: RecordedRequest) => Reply | undefined) => async (c: import('hono').Context) => {
      const headers: Record<string, string> = {};
      c.req.raw.headers.forEach((v, k) => (headers[k] = v));
      const req: RecordedRequest = {
        wire,
        path: c.req.path,
        headers,
        body: await c.req.json().catch(() => undefined),
        index: counts[wire]++,
      };
      double.requests.push(req);
      const bad = check(req);
      const spec = bad ?? queues[wire].shift() ?? double.fallback[wire];
      const reply = typeof spec === 'function' ? spec(req, double) : spec;
      // fill in usage the way the API counts it, unless the script set it
      const body = reply.body as { usage?: unknown; type?: string; object?: string } | undefined;
      if (body && !body.usage && (body.type === 'message' || body.object === 'chat.completion'))
        body.usage = usageFor(wire, req, body, double.seenPrefixes);
      return c.json(body as object, (reply.status ?? 200) as 200, reply.headers);
    };
  app.post('/v1/messages', handle('anthropic', checkAnthropic));
  app.post('/v1/chat/completions', handle('openai', checkOpenAI));
  app.get('/v1/models', (c) =>
    c.json({ object: 'list', data: [{ id: 'double-model', object: 'model', created: 0, owned_by: 'test' }] }),
  );
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: opts.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  double.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.close = () =>
    new Promise<void>((resolve) => {
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      server.close(() => resolve());
    });
  return double;
}
