/**
 * Replies of the LLM test double in the real wire formats, and token usage computed from the request
 * (~4 characters per token), with prompt caching simulated: the first request with a given system +
 * tools prefix writes it to the "cache", later ones read it.
 */
import { createHash } from 'node:crypto';
import type { RecordedRequest, Reply, ReplySpec } from './server.ts';

export type Wire = 'anthropic' | 'openai';

export interface Call {
  name: string;
  input?: unknown;
  rawArguments?: string; // OpenAI only: send these exact argument characters (e.g. broken JSON)
}

let seq = 0;
const newId = (prefix: string) => `${prefix}_${(++seq).toString(36).padStart(8, '0')}`;
const tokens = (v: unknown) => Math.ceil(JSON.stringify(v ?? '').length / 4);

export function usageFor(
  wire: Wire,
  req: RecordedRequest,
  body: unknown,
  seen: Set<string>,
): Record<string, unknown> {
  const b = req.body ?? {};
  if (wire === 'anthropic') {
    const prefix = JSON.stringify([b.tools, b.system]);
    const key = createHash('sha256').update(prefix).digest('hex');
    const cacheable =
      JSON.stringify(b.system ?? '').includes('cache_control') ||
      JSON.stringify(b.tools ?? '').includes('cache_control');
    const hit = cacheable && seen.has(key);
    if (cacheable) seen.add(key);
    const prefixTokens = Math.ceil(prefix.length / 4);
    return {
      input_tokens: tokens(b.messages),
      output_tokens: tokens((body as { content?: unknown }).content) + 5,
      cache_creation_input_tokens: cacheable && !hit ? prefixTokens : 0,
      cache_read_input_tokens: hit ? prefixTokens : 0,
      service_tier: 'standard',
    };
  }
  const prefix = JSON.stringify([b.tools, b.messages?.[0]]);
  const key = createHash('sha256').update(prefix).digest('hex');
  const hit = seen.has(key);
  seen.add(key);
  const prompt = tokens(b.messages) + tokens(b.tools);
  const completion = tokens((body as { choices?: Array<{ message: unknown }> }).choices?.[0]?.message) + 3;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: hit ? Math.floor(Math.ceil(prefix.length / 4) / 128) * 128 : 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/** Anthropic Messages API replies. */
export const claude = {
  message(content: unknown[], stop: string): ReplySpec {
    return (req) => ({
      body: {
        id: newId('msg'),
        type: 'message',
        role: 'assistant',
        model: req.body?.model,
        content,
        stop_reason: stop,
        stop_sequence: null,
      },
    });
  },
  toolUse(calls: Call[], text?: string): ReplySpec {
    const content = [
      ...(text ? [{ type: 'text', text, citations: null }] : []),
      ...calls.map((c) => ({ type: 'tool_use', id: newId('toolu'), name: c.name, input: c.input ?? {} })),
    ];
    return claude.message(content, 'tool_use');
  },
  text(text: string): ReplySpec {
    return claude.message([{ type: 'text', text, citations: null }], 'end_turn');
  },
  error(status: number, type: string, message: string, headers?: Record<string, string>): Reply {
    return {
      status,
      headers: { 'request-id': newId('req'), ...headers },
      body: { type: 'error', error: { type, message } },
    };
  },
  rateLimited(retryAfterSeconds = 0): Reply {
    return claude.error(
      429,
      'rate_limit_error',
      'Number of request tokens has exceeded your per-minute rate limit',
      { 'retry-after': String(retryAfterSeconds) },
    );
  },
  overloaded(): Reply {
    return claude.error(529, 'overloaded_error', 'Overloaded');
  },
  serverError(): Reply {
    return claude.error(500, 'api_error', 'Internal server error');
  },
};

/** OpenAI chat completions replies. */
export const openai = {
  completion(message: Record<string, unknown>, finish: string): ReplySpec {
    return (req) => ({
      body: {
        id: newId('chatcmpl'),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: req.body?.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', refusal: null, ...message },
            finish_reason: finish,
            logprobs: null,
          },
        ],
      },
    });
  },
  toolCalls(calls: Call[], text?: string): ReplySpec {
    const tool_calls = calls.map((c) => ({
      id: newId('call'),
      type: 'function',
      function: { name: c.name, arguments: c.rawArguments ?? JSON.stringify(c.input ?? {}) },
    }));
    return openai.completion({ content: text ?? null, tool_calls }, 'tool_calls');
  },
  text(text: string): ReplySpec {
    return openai.completion({ content: text }, 'stop');
  },
  error(status: number, message: string, type: string, headers?: Record<string, string>): Reply {
    return {
      status,
      headers: { 'x-request-id': newId('req'), ...headers },
      body: { error: { message, type, param: null, code: null } },
    };
  },
  rateLimited(retryAfterSeconds = 0): Reply {
    return openai.error(429, 'Rate limit reached for requests', 'requests', {
      'retry-after': String(retryAfterSeconds),
    });
  },
};

/** The same scripted step for either wire. */
export function toolUse(wire: Wire, calls: Call[], text?: string): ReplySpec {
  return wire === 'anthropic' ? claude.toolUse(calls, text) : openai.toolCalls(calls, text);
}
