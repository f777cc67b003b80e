/**
 * Claude through the official SDK (`@anthropic-ai/sdk`, Messages API with tool use).
 *
 * Environment: ANTHROPIC_API_KEY (required), ANTHROPIC_BASE_URL (optional: a proxy, gateway or the test
 * double; the SDK reads it), FLYWHEEL_CLAUDE_MODEL (default below), FLYWHEEL_LLM_MAX_TOKENS.
 * Prompt caching: breakpoints on the tool list and the system prompt (identical on every call of a
 * session, so later calls read them from the cache) and on the newest message (a turn's later calls
 * re-read its growing transcript from the cache).
 */
import Anthropic from '@anthropic-ai/sdk';
import { FlywheelError } from '../errors.ts';
import { redactingFetch } from '../security/redact.ts';
import type { Block, ChatProvider, ChatRequest, ChatResponse, Message } from './llm-loop.ts';
import { checkPriceEnv } from './pricing.ts';

/** A capable model at a moderate price ($2 / $10 per million tokens, see pricing.ts). */
export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-5-5';

export function checkClaudeEnv(env = process.env): void {
  checkPriceEnv(env);
  if (!env.ANTHROPIC_API_KEY) {
    throw new FlywheelError(
      'missing_dependency',
      '--researcher claude needs ANTHROPIC_API_KEY: set it to your Anthropic API key (ANTHROPIC_BASE_URL and FLYWHEEL_CLAUDE_MODEL are optional)',
    );
  }
}

type Param = Anthropic.MessageParam;
const EPHEMERAL = { type: 'ephemeral' as const };

function toParam(m: Message): Param {
  if (m.role === 'assistant' && Array.isArray(m.raw))
    return { role: 'assistant', content: m.raw as Anthropic.ContentBlockParam[] };
  const content = m.blocks.map((b): Anthropic.ContentBlockParam => {
    if (b.type === 'text') return { type: 'text', text: b.text };
    if (b.type === 'tool_use')
      return { type: 'tool_use', id: b.id, name: b.name, input: b.input as Record<string, unknown> };
    return {
      type: 'tool_result',
      tool_use_id: b.toolUseId,
      content: b.content,
      ...(b.isError ? { is_error: true } : {}),
    };
  });
  return { role: m.role, content };
}

export class ClaudeProvider implements ChatProvider {
  readonly name = 'claude';
  readonly model: string;
  private readonly client: Anthropic;

  constructor(
    opts: { model?: string; apiKey?: string; baseURL?: string; maxRetries?: number; timeoutMs?: number } = {},
  ) {
    this.model = opts.model ?? process.env.FLYWHEEL_CLAUDE_MODEL ?? DEFAULT_CLAUDE_MODEL;
    this.client = new Anthropic({
      apiKey: opts.apiKey ?? process.env.ANTHROPIC_API_KEY,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      maxRetries: opts.maxRetries ?? 2,
      timeout: opts.timeoutMs ?? 300_000,
      fetch: redactingFetch, // no secret of ours leaves in a request body (security/redact.ts)
    });
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const messages = req.messages.map(toParam);
    // cache breakpoint on the newest message's last block (copied: the transcript keeps no markers)
    const last = messages[messages.length - 1];
    if (last && Array.isArray(last.content) && last.content.length) {
      const blocks = [...last.content];
      blocks[blocks.length - 1] = {
        ...blocks[blocks.length - 1],
        cache_control: EPHEMERAL,
      } as Anthropic.ContentBlockParam;
      messages[messages.length - 1] = { ...last, content: blocks } as Param;
    }
    const tools: Anthropic.Tool[] = req.tools.map((t, i) => ({
      name: t.name,
      description: t.description,
      input_schema: t.inputSchema as Anthropic.Tool.InputSchema,
      ...(i === req.tools.length - 1 ? { cache_control: EPHEMERAL } : {}),
    }));
    const res = await this.client.messages.create(
      {
        model: this.model,
        max_tokens: req.maxTokens,
        system: [{ type: 'text', text: req.system, cache_control: EPHEMERAL }],
        tools,
        messages,
      },
      { signal: req.signal },
    );
    const blocks: Block[] = [];
    for (const b of res.content) {
      if (b.type === 'text') blocks.push({ type: 'text', text: b.text });
      else if (b.type === 'tool_use')
        blocks.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
    }
    const u = res.usage;
    return {
      blocks,
      raw: res.content,
      stop:
        res.stop_reason === 'tool_use'
          ? 'tool_use'
          : res.stop_reason === 'max_tokens'
            ? 'max_tokens'
            : res.stop_reason === 'end_turn' || res.stop_reason === 'stop_sequence'
              ? 'end'
              : 'other',
      usage: {
        inputTokens: u.input_tokens ?? 0,
        outputTokens: u.output_tokens ?? 0,
        cacheReadTokens: u.cache_read_input_tokens ?? 0,
        cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
      },
    };
  }
}
