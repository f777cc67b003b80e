/**
 * The Claude researcher pointed at the Messages-API test double (test/llm-double): the one place tests
 * and attacks build it, so every test talks to the double the same way.
 */
import { ClaudeProvider } from '../../src/researchers/claude.ts';
import { LlmResearcher, type LlmResearcherOptions } from '../../src/researchers/llm-researcher.ts';
import type { Store } from '../../src/store/base.ts';

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
