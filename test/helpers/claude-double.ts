/**
 * The Claude researcher pointed at the Messages-API test double (test/llm-double): the one place tests
 * and attacks build it, so every test talks to the double the same way.
 */
import { ClaudeProvider } from '../../src/researchers/claude.ts';
import { LlmResearcher, type LlmResearcherOptions } from '../../src/researchers/llm-researcher.ts';
import type { Store } from '../../src/store/base.ts';
import type { LlmDouble } from '../llm-double/server.ts';

export const DOUBLE_MODEL = 'claude-sonnet-5-5';

/** `extra` overrides the options (retries, cost cap, sandbox); `maxRetries` is the SDK's own retry count. */
export function doubleResearcher(
  url: string,
  store: Store,
  extra: Partial<LlmResearcherOptions> & { maxRetries?: number } = {},
): LlmResearcher {
  const { maxRetries = 0, ...rest } = extra;
  return new LlmResearcher({
    provider: new ClaudeProvider({ baseURL: url, apiKey: 'test-key', maxRetries, model: DOUBLE_MODEL }),
    store,
    retry: { attempts: 2, baseMs: 10, maxMs: 50 },
    ...rest,
  });
}

/**
 * Every tool answer the researcher sent the double over the Anthropic wire, as JSON text, in order. Each
 * request carries the whole conversation so far, so an answer appears once per later request too.
 */
export function toolAnswers(double: LlmDouble): string[] {
  return double.requests
    .filter((r) => r.wire === 'anthropic')
    .flatMap((r) => r.body.messages as Array<{ content: unknown }>)
    .flatMap((m) => (Array.isArray(m.content) ? m.content : []))
    .filter((b: { type?: string }) => b.type === 'tool_result')
    .map((b: { content: unknown }) => JSON.stringify(b.content));
}
