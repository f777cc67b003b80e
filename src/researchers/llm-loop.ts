/**
 * The tool-use loop shared by the Claude and OpenAI-compatible researchers: call the model, run the
 * tool calls it made, send the results back, until it calls finish_turn, runs out of calls, or the
 * session's LLM cost cap is reached. A reply without a tool call (text only, cut off at max_tokens,
 * paused, refused) gets a short nudge; after MAX_NUDGES of them the turn ends as 'no_tool_calls'.
 *
 * Provider-neutral transcript: messages of text / tool_use / tool_result blocks; an assistant message
 * also keeps the provider's own form (`raw`, e.g. Claude's thinking blocks) and is replayed verbatim.
 *
 * Retries: each SDK retries 429/5xx itself (maxRetries); on top, this loop retries what is still
 * retryable (429, 408/409, 5xx, 529 overloaded, connection errors) with exponential backoff, honouring
 * retry-after, so a long provider hiccup costs time, not the session. When that too is exhausted the
 * call throws FlywheelError('llm_error', ..., { transient: true }): the engine skips that ask.
 *
 * Context: the transcript of one turn is bounded; past `contextChars` the older exchanges are replaced
 * by a short summary of what was called and what came back, and oversized tool results that are kept
 * are cut.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FlywheelError, isFlywheelError } from '../errors.ts';
import type { ProposeContext } from './base.ts';
import { fmtUsd, type CostMeter, type Usage } from './pricing.ts';
import { runTool, toolSpecs, type ToolContext, type ToolDef, type ToolSpec } from './tools.ts';

export type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; toolUseId: string; content: string; isError?: boolean };

export interface Message {
  role: 'user' | 'assistant';
  blocks: Block[];
  raw?: unknown; // the provider's own assistant message, replayed as is
}

export interface ChatRequest {
  system: string;
  messages: Message[];
  tools: ToolSpec[];
  maxTokens: number;
  signal?: AbortSignal;
}

export interface ChatResponse {
  blocks: Block[];
  raw: unknown;
  stop: 'tool_use' | 'end' | 'max_tokens' | 'other';
  usage: Usage;
}

export interface ChatProvider {
  readonly name: string; // 'claude' | 'openai'
  readonly model: string;
  chat(req: ChatRequest): Promise<ChatResponse>;
}

export interface RetryPolicy {
  attempts: number; // calls in all, first included
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 2000, maxMs: 60_000 };

/** Whether an SDK error is worth retrying, and how long the server asked us to wait. */
export function classifyError(e: unknown): { retryable: boolean; afterMs?: number; line: string } {
  const err = e as {
    status?: number;
    name?: string;
    message?: string;
    headers?: unknown;
    error?: { error?: { type?: string; message?: string }; type?: string; message?: string };
  };
  const status = typeof err?.status === 'number' ? err.status : undefined;
  const body = err?.error?.error ?? err?.error;
  const type = body?.type;
  const connection = /Connection|Timeout/i.test(err?.name ?? '') && status === undefined;
  const retryable =
    connection ||
    (isFlywheelError(e) && (e.details as { transient?: boolean } | undefined)?.transient === true) ||
    (status !== undefined && (status === 408 || status === 409 || status === 429 || status >= 500)) ||
    type === 'overloaded_error';
  const header = (k: string): string | undefined => {
    const h = err?.headers as { get?: (k: string) => string | null } | Record<string, string> | undefined;
    if (!h) return undefined;
    if (typeof (h as { get?: unknown }).get === 'function')
      return (h as { get: (k: string) => string | null }).get(k) ?? undefined;
    return (h as Record<string, string>)[k];
  };
  let afterMs: number | undefined;
  const ms = Number(header('retry-after-ms'));
  const s = header('retry-after');
  if (Number.isFinite(ms) && ms >= 0 && header('retry-after-ms') !== undefined) afterMs = ms;
  else if (s !== undefined) {
    const secs = Number(s);
    const at = Date.parse(s); // an HTTP date; one that does not parse leaves the normal backoff
    if (Number.isFinite(secs)) afterMs = secs * 1000;
    else if (Number.isFinite(at)) afterMs = Math.max(0, at - Date.now());
  }
  const what = [status, type].filter((x) => x !== undefined).join(' ');
  const msg = (body?.message ?? err?.message ?? String(e)).split('\n')[0];
  return { retryable, afterMs, line: `${what ? `${what}: ` : ''}${msg}` };
}

export interface LoopOptions {
  provider: ChatProvider;
  system: string;
  prompt: string;
  ctx: ToolContext;
  meter: CostMeter;
  purpose: string;
  maxCalls: number;
  maxTokens: number;
  contextChars: number;
  retry: RetryPolicy;
  signal?: AbortSignal;
  journal?: ProposeContext['journal'];
  tools?: ToolDef[];
}

export interface LoopResult {
  end: 'finish_turn' | 'no_tool_calls' | 'max_calls' | 'cost_cap';
  calls: number;
  text: string; // the model's last text, if any
}

const transcriptChars = (ms: Message[]) =>
  ms.reduce((n, m) => n + JSON.stringify(m.raw ?? m.blocks).length, 0);

const NOTE_HEAD = 'Earlier in this turn (summarised to keep the context small):';

/** A tool result longer than `cap` chars, cut to it (idempotent: a cut result is cut the same again). */
function clipResults(m: Message, cap: number): Message {
  if (!m.blocks.some((b) => b.type === 'tool_result' && b.content.length > cap)) return m;
  const blocks = m.blocks.map((b) =>
    b.type === 'tool_result' && b.content.length > cap
      ? {
          ...b,
          content: `${b.content.slice(0, cap)}\n[cut to ${cap} chars to keep the context small: ask for less]`,
        }
      : b,
  );
  return { ...m, blocks };
}

/**
 * Past `budgetChars`: replace everything but the first message and the last two exchanges by a summary
 * of the tool calls (merged with the summary of an earlier shrink, newest lines kept), and cut oversized
 * tool results in what is kept.
 */
export function compact(messages: Message[], budgetChars: number): Message[] {
  if (transcriptChars(messages) <= budgetChars) return messages;
  const cap = Math.max(1000, Math.floor(budgetChars / 4)); // chars of one kept tool result
  let keepFrom = messages.length - 4;
  while (keepFrom > 1 && messages[keepFrom].role !== 'assistant') keepFrom--;
  if (messages.length <= 5 || keepFrom <= 1) return messages.map((m) => clipResults(m, cap));
  const results = new Map<string, Extract<Block, { type: 'tool_result' }>>();
  for (const m of messages)
    for (const b of m.blocks) if (b.type === 'tool_result') results.set(b.toolUseId, b);
  const first = messages[0];
  const isNote = (b: Block) => b.type === 'text' && b.text.startsWith(NOTE_HEAD);
  const lines: string[] = [];
  let dropped = 0;
  for (const b of first.blocks) {
    if (b.type !== 'text' || !isNote(b)) continue;
    for (const l of b.text.split('\n- ').slice(1)) {
      const d = /^\((\d+) older line\(s\) dropped\)$/.exec(l); // an earlier shrink's note, merged
      if (d) dropped += Number(d[1]);
      else lines.push(l);
    }
  }
  for (const m of messages.slice(1, keepFrom)) {
    for (const b of m.blocks) {
      if (b.type === 'text' && m.role === 'assistant' && b.text.trim())
        lines.push(`you said: ${b.text.trim().replace(/\s+/g, ' ').slice(0, 200)}`);
      if (b.type !== 'tool_use') continue;
      const r = results.get(b.id);
      const input = JSON.stringify(b.input).slice(0, 160);
      lines.push(
        `${b.name}(${input}) -> ${r?.isError ? 'ERROR ' : ''}${(r?.content ?? '').replace(/\s+/g, ' ').slice(0, 200)}`,
      );
    }
  }
  // the newest lines, up to half the budget
  let size = 0;
  let from = lines.length;
  while (from > 0 && size + lines[from - 1].length + 3 <= 2 * cap) size += lines[--from].length + 3;
  dropped += from;
  const kept = dropped > 0 ? [`(${dropped} older line(s) dropped)`, ...lines.slice(from)] : lines;
  const note: Block = { type: 'text', text: `${NOTE_HEAD}\n${kept.map((l) => `- ${l}`).join('\n')}` };
  return [
    { role: 'user', blocks: [...first.blocks.filter((b) => !isNote(b)), note] },
    ...messages.slice(keepFrom).map((m) => clipResults(m, cap)),
  ];
}

async function callWithRetry(o: LoopOptions, req: ChatRequest): Promise<ChatResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await o.provider.chat(req);
    } catch (e) {
      if (o.signal?.aborted) throw e;
      const c = classifyError(e);
      if (!c.retryable || attempt >= o.retry.attempts) {
        o.meter.totals.failedCalls++;
        const msg = `${o.provider.name} ${o.provider.model}: ${c.line}${c.retryable ? ` (gave up after ${attempt} attempts)` : ''}`;
        throw new FlywheelError('llm_error', msg, { transient: c.retryable });
      }
      const backoff =
        Math.min(o.retry.maxMs, o.retry.baseMs * 2 ** (attempt - 1)) * (0.75 + 0.5 * Math.random());
      const waitMs = Math.min(o.retry.maxMs, c.afterMs ?? backoff);
      await o.journal?.(
        'note',
        `${o.provider.name}: ${c.line}; retrying in ${(waitMs / 1000).toFixed(1)} s (attempt ${attempt + 1}/${o.retry.attempts})`,
      );
      await sleep(waitMs, undefined, { signal: o.signal });
    }
  }
}

/** Replies without a tool call answered with a nudge before the turn gives up. */
const MAX_NUDGES = 2;

const nudgeText = (stop: ChatResponse['stop']) =>
  stop === 'max_tokens'
    ? 'You were cut off at the output limit. Be brief: call one tool now, or finish_turn.'
    : 'Reply with tool calls only: call a tool (propose_* to propose), or finish_turn to end this turn.';

/** Run one turn. Tool effects (proposals, finish) land in `o.ctx`. */
export async function runToolLoop(o: LoopOptions): Promise<LoopResult> {
  const specs = toolSpecs(o.tools);
  let messages: Message[] = [{ role: 'user', blocks: [{ type: 'text', text: o.prompt }] }];
  let text = '';
  let nudges = 0;
  for (let call = 0; call < o.maxCalls; call++) {
    if (o.meter.capReached()) return { end: 'cost_cap', calls: call, text };
    messages = compact(messages, o.contextChars);
    const t0 = Date.now();
    const res = await callWithRetry(o, {
      system: o.system,
      messages,
      tools: specs,
      maxTokens: o.maxTokens,
      signal: o.signal,
    });
    const rec = o.meter.record(res.usage, o.purpose, Date.now() - t0, o.provider.model);
    const t = o.meter.totals;
    await o.journal?.(
      'llm',
      `${o.provider.name} ${o.purpose}: ${rec.inputTokens + rec.cacheReadTokens + rec.cacheWriteTokens} in (${rec.cacheReadTokens} cached) / ${rec.outputTokens} out tokens, ${fmtUsd(rec.costUsd)} (session ${fmtUsd(t.costUsd)}${o.meter.capUsd !== undefined ? ` of ${fmtUsd(o.meter.capUsd)}` : ''})`,
      {
        data: {
          ...rec,
          callIndex: t.calls,
          totalCostUsd: t.costUsd,
          totalInputTokens: t.inputTokens,
          totalOutputTokens: t.outputTokens,
          stop: res.stop,
          priced: o.meter.priced(o.provider.model),
        },
      },
    );
    const said = res.blocks
      .filter((b): b is Extract<Block, { type: 'text' }> => b.type === 'text')
      .map((b) => b.text)
      .join('\n')
      .trim();
    if (said) text = said;
    const uses = res.blocks.filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use');
    if (uses.length === 0) {
      // Text only, cut off (max_tokens), paused or refused: one such answer must not end the turn.
      if (nudges >= MAX_NUDGES) return { end: 'no_tool_calls', calls: call + 1, text };
      nudges++;
      // replayed as plain text: an empty or whitespace-only assistant message is refused by the APIs
      messages.push({ role: 'assistant', blocks: [{ type: 'text', text: said || '(no reply)' }] });
      messages.push({ role: 'user', blocks: [{ type: 'text', text: nudgeText(res.stop) }] });
      await o.journal?.('note', `${o.provider.name} answered without a tool call (${res.stop}); nudged`);
      continue;
    }
    messages.push({ role: 'assistant', blocks: res.blocks, raw: res.raw });
    const results: Block[] = [];
    for (const u of uses) {
      const r = await runTool(u.name, u.input, o.ctx, o.tools);
      results.push({ type: 'tool_result', toolUseId: u.id, content: r.content, isError: r.isError });
    }
    messages.push({ role: 'user', blocks: results });
    if (o.ctx.finished) return { end: 'finish_turn', calls: call + 1, text };
  }
  return { end: 'max_calls', calls: o.maxCalls, text };
}
