/**
 * The Claude researcher pointed at the Messages-API test double (test/llm-double): the one place tests
 * and attacks build it, so every test talks to the double the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainConfig } from '../../src/config/train-config.ts';
import type { Proposal } from '../../src/researchers/base.ts';
import { ClaudeProvider } from '../../src/researchers/claude.ts';
import { LlmResearcher, type LlmResearcherOptions } from '../../src/researchers/llm-researcher.ts';
import { suiteDigest } from '../../src/researchers/researcher-suite.ts';
import type { Store } from '../../src/store/base.ts';
import { openStore } from '../../src/store/open.ts';
import { claude, type Call } from '../llm-double/replies.ts';
import { startLlmDouble, type LlmDouble } from '../llm-double/server.ts';

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

/**
 * One propose turn of a Claude researcher on a scratch store (its session `s-suite`, the suite digest's):
 * the model makes `calls`, then finishes its turn. What the researcher returned and what its tools
 * answered (toolAnswers); the store, the double and the home are gone afterwards.
 */
export async function claudeTurn(
  calls: Call[],
  n: number,
  base: TrainConfig,
): Promise<{ proposals: Proposal[]; answers: string[] }> {
  const home = mkdtempSync(join(tmpdir(), 'fw-claude-turn-'));
  const double = await startLlmDouble();
  const store = await openStore({ home });
  try {
    await store.createSession({
      id: 's-suite',
      researcher: 'claude',
      executor: 'local',
      parallel: 1,
      spec: {},
    });
    double.enqueue(
      'anthropic',
      claude.toolUse(calls),
      claude.toolUse([{ name: 'finish_turn', input: { summary: 'tried' } }]),
    );
    const researcher = doubleResearcher(double.url, store, { retry: { attempts: 1, baseMs: 10, maxMs: 50 } });
    const proposals = await researcher.propose(suiteDigest(base), n, {});
    return { proposals, answers: toolAnswers(double) };
  } finally {
    await store.close();
    await double.close();
    rmSync(home, { recursive: true, force: true });
  }
}
