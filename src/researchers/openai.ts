/**
 * Any OpenAI-compatible chat model through the official `openai` SDK (chat.completions with tools):
 * OpenAI itself, or a local server (vLLM, Ollama, llama.cpp server, LM Studio, ...).
 *
 * Environment: OPENAI_BASE_URL (default https://api.openai.com/v1; e.g. http://127.0.0.1:11434/v1 for
 * Ollama), OPENAI_API_KEY (required for api.openai.com; a local server usually ignores it, so with a
 * non-OpenAI base URL it is optional and "local" is sent), FLYWHEEL_OPENAI_MODEL (default gpt-5.4 on
 * OpenAI; on another server the first model its /models lists, which is what vLLM and llama.cpp serve).
 * OpenAI caches long prompt prefixes automatically; `prompt_tokens_details.cached_tokens` is counted.
 */
import OpenAI from 'openai';
import { FlywheelError } from '../errors.ts';
import { redactingFetch } from '../security/redact.ts';
import type { Block, ChatProvider, ChatRequest, ChatResponse, Message } from './llm-loop.ts';
import { checkPriceEnv } from './pricing.ts';

export const DEFAULT_OPENAI_MODEL = 'gpt-5.4';

const isOfficial = (baseURL: string | undefined) =>
  !baseURL || /(^|\/\/)api\.openai\.com(\/|$)/.test(baseURL);

export function checkOpenAIEnv(env = process.env): void {
  checkPriceEnv(env);
  if (!env.OPENAI_API_KEY && isOfficial(env.OPENAI_BASE_URL)) {
    throw new FlywheelError(
      'missing_dependency',
      '--researcher openai needs OPENAI_API_KEY (for api.openai.com), or OPENAI_BASE_URL pointing at an OpenAI-compatible server such as Ollama or vLLM (e.g. http://127.0.0.1:11434/v1)',
    );
  }
}

type Param = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Neutral transcript -> chat messages: a user turn's tool results become `tool` messages, right after the calls. */
function toParams(system: string, messages: Message[]): Param[] {
  const out: Param[] = [{ role: 'system', content: system }];
  for (const m of messages) {
    if (m.role === 'assistant') {
      const text = m.blocks
        .filter((b) => b.type === 'text')
        .map((b) => (b as { text: string }).text)
        .join('\n');
      const calls = m.blocks.filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use');
      out.push({
        role: 'assistant',
        content: text || null,
        ...(calls.length
          ? {
              tool_calls: calls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: rawArguments(c.input) },
              })),
            }
          : {}),
      });
      continue;
    }
    for (const b of m.blocks)
      if (b.type === 'tool_result')
        out.push({
          role: 'tool',
          tool_call_id: b.toolUseId,
          content: b.isError ? `ERROR: ${b.content}` : b.content,
        });
    const text = m.blocks
      .filter((b) => b.type === 'text')
      .map((b) => (b as { text: string }).text)
      .join('\n\n');
    if (text) out.push({ role: 'user', content: text });
  }
  return out;
}

/** Arguments as the model sent them (kept verbatim when they were not JSON). */
function rawArguments(input: unknown): string {
  const bad = (input as { $invalidJson?: string } | undefined)?.$invalidJson;
  return typeof bad === 'string' ? bad : JSON.stringify(input ?? {});
}

export class OpenAIProvider implements ChatProvider {
  readonly name = 'openai';
  private resolvedModel?: string;
  private readonly client: OpenAI;
  private readonly official: boolean;

  constructor(
    opts: { model?: string; apiKey?: string; baseURL?: string; maxRetries?: number; timeoutMs?: number } = {},
  ) {
    const baseURL = opts.baseURL ?? process.env.OPENAI_BASE_URL;
    this.official = isOfficial(baseURL);
    this.resolvedModel =
      opts.model ?? process.env.FLYWHEEL_OPENAI_MODEL ?? (this.official ? DEFAULT_OPENAI_MODEL : undefined);
    this.client = new OpenAI({
      apiKey: opts.apiKey ?? process.env.OPENAI_API_KEY ?? 'local',
      ...(baseURL ? { baseURL } : {}),
      maxRetries: opts.maxRetries ?? 2,
      timeout: opts.timeoutMs ?? 300_000,
      fetch: redactingFetch, // no secret of ours leaves in a request body (security/redact.ts)
    });
  }

  get model(): string {
    return this.resolvedModel ?? '(server default)';
  }

  private async ensureModel(): Promise<string> {
    if (this.resolvedModel) return this.resolvedModel;
    const page = await this.client.models.list();
    const first = page.data[0]?.id;
    if (!first)
      throw new FlywheelError(
        'llm_error',
        `the server at ${this.client.baseURL} lists no models; set FLYWHEEL_OPENAI_MODEL`,
      );
    return (this.resolvedModel = first);
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const model = await this.ensureModel();
    const res = await this.client.chat.completions.create(
      {
        model,
        messages: toParams(req.system, req.messages),
        tools: req.tools.map((t) => ({
          type: 'function' as const,
          function: { name: t.name, description: t.description, parameters: t.inputSchema },
        })),
        tool_choice: 'auto',
        // OpenAI's reasoning models take max_completion_tokens; local servers know max_tokens
        ...(this.official ? { max_completion_tokens: req.maxTokens } : { max_tokens: req.maxTokens }),
      },
      { signal: req.signal },
    );
    const choice = res?.choices?.[0];
    const msg = choice?.message;
    // a 200 without a message (some proxies and local servers under load): retried as transient
    if (!msg)
      throw new FlywheelError('llm_error', `${model}: the response has no choices`, { transient: true });
    const blocks: Block[] = [];
    if (msg.content) blocks.push({ type: 'text', text: msg.content });
    for (const c of msg.tool_calls ?? []) {
      if (c.type !== 'function') continue;
      let input: unknown;
      try {
        input = c.function.arguments ? JSON.parse(c.function.arguments) : {};
      } catch {
        input = { $invalidJson: c.function.arguments };
      }
      blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input });
    }
    const u = res.usage;
    const cached = u?.prompt_tokens_details?.cached_tokens ?? 0;
    const fr = choice.finish_reason;
    return {
      blocks,
      raw: msg,
      stop:
        fr === 'tool_calls' || blocks.some((b) => b.type === 'tool_use')
          ? 'tool_use'
          : fr === 'length'
            ? 'max_tokens'
            : fr === 'stop'
              ? 'end'
              : 'other',
      usage: {
        inputTokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached),
        outputTokens: u?.completion_tokens ?? 0,
        cacheReadTokens: cached,
        cacheWriteTokens: 0,
      },
    };
  }
}
