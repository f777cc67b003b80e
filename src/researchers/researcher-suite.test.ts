/**
 * Every researcher against the shared suite: offline as it is, Claude and the OpenAI-compatible one
 * through the Messages / Chat Completions test double (real SDKs, real HTTP, the real wire formats).
 */
import { after, before } from 'node:test';
import type { Store } from '../store/base.ts';
import { openStore } from '../store/open.ts';
import { ClaudeProvider } from './claude.ts';
import { LlmResearcher } from './llm-researcher.ts';
import { OfflineResearcher } from './offline.ts';
import { OpenAIProvider } from './openai.ts';
import { runResearcherSuite } from './researcher-suite.ts';
import { startLlmDouble, type LlmDouble } from '../../test/llm-double/server.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

let double: LlmDouble;
let store: Store;
before(async () => {
  double = await startLlmDouble();
  store = await openStore({ home: tempDir('fw-researcher-suite-') });
});
after(async () => {
  await double.close();
  await store.close();
});
const retry = { attempts: 2, baseMs: 10, maxMs: 50 };

runResearcherSuite('offline', () => new OfflineResearcher({ seed: 1 }));
runResearcherSuite(
  'claude',
  () =>
    new LlmResearcher({
      provider: new ClaudeProvider({
        baseURL: double.url,
        apiKey: 'test-key',
        maxRetries: 0,
        model: 'claude-sonnet-5-5',
      }),
      store,
      retry,
    }),
);
runResearcherSuite(
  'openai-compatible',
  () =>
    new LlmResearcher({
      provider: new OpenAIProvider({
        baseURL: `${double.url}/v1`,
        apiKey: 'test-key',
        maxRetries: 0,
        model: 'local-model',
      }),
      store,
      retry,
    }),
);
