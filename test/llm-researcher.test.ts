/**
 * The LLM researchers beyond the Claude wire (test/llm-researcher-anthropic.test.ts): the
 * OpenAI-compatible path against the HTTP test double, failing fast without credentials, retry-after,
 * and how a long turn is summarised. No training runs here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkResearcherEnv } from '../src/researchers/index.ts';
import { classifyError, compact, type Message } from '../src/researchers/llm-loop.ts';
import { LlmResearcher } from '../src/researchers/llm-researcher.ts';
import { OpenAIProvider } from '../src/researchers/openai.ts';
import type { Store } from '../src/store/base.ts';
import { startLlmDouble, type LlmDouble } from './llm-double/server.ts';
import { openai } from './llm-double/replies.ts';
import { synthConfig, tempHome, tempStore } from './helpers/research-fixtures.ts';
import { suiteDigest } from '../src/researchers/researcher-suite.ts';
import { journalCtx } from './helpers/llm-researcher-kit.ts';

describe('LLM researcher over the OpenAI wire (a local OpenAI-compatible server)', () => {
  let double: LlmDouble;
  let store: Store;
  before(async () => {
    double = await startLlmDouble();
    store = await tempStore(tempHome('fw-llm-oa-'));
  });
  after(async () => {
    await double.close();
    await store.close();
  });

  it("uses the server's model, sends tools as functions, answers broken JSON arguments with an error, and counts cached tokens", async () => {
    double.enqueue(
      'openai',
      openai.toolCalls([{ name: 'propose_config_experiment', rawArguments: '{"title": "lower lr", ' }]),
      openai.toolCalls([
        {
          name: 'propose_config_experiment',
          input: {
            title: 'lower lr',
            hypothesis: 'the tiny model overshoots at 3e-3',
            set: { 'optim.lr': 0.001 },
            expectedEffect: -0.01,
          },
        },
      ]),
      openai.toolCalls([{ name: 'finish_turn', input: { summary: 'done' } }]),
    );
    const r = new LlmResearcher({
      provider: new OpenAIProvider({ baseURL: `${double.url}/v1`, maxRetries: 0 }),
      store,
    });
    const props = await r.propose(suiteDigest(synthConfig()), 1, journalCtx().ctx);
    assert.deepEqual(
      props.map((p) => [p.title, p.source]),
      [['lower lr', 'openai']],
    );
    const reqs = double.requests.filter((q) => q.wire === 'openai');
    assert.equal(reqs[0].body.model, 'double-model');
    assert.equal(reqs[0].body.tools[0].type, 'function');
    assert.equal(reqs[0].body.max_tokens, 8192);
    const tool = reqs[1].body.messages.find((m: { role: string }) => m.role === 'tool');
    assert.match(
      tool.content,
      /^ERROR: the arguments of this propose_config_experiment call are not valid JSON/,
    );
    assert.ok(r.usage().cacheReadTokens > 0);
    assert.equal(r.usage().costUsd, 0, 'a local model has no price');
  });

  it('retries a 200 reply without choices as a transient error', async () => {
    double.enqueue('openai', {
      body: { id: 'chatcmpl-x', object: 'chat.completion', created: 0, model: 'double-model', choices: [] },
    });
    const r = new LlmResearcher({
      provider: new OpenAIProvider({ baseURL: `${double.url}/v1`, maxRetries: 0 }),
      store,
      retry: { attempts: 2, baseMs: 10, maxMs: 50 },
    });
    const { entries, ctx } = journalCtx();
    assert.equal((await r.propose(suiteDigest(synthConfig()), 1, ctx)).length, 1);
    assert.ok(entries.some((e) => /the response has no choices; retrying/.test(e.title)));
  });
});

describe('LLM researcher set-up', () => {
  it('fails fast with one line naming the variable to set', () => {
    assert.throws(
      () => checkResearcherEnv('claude', {}),
      /^FlywheelError: --researcher claude needs ANTHROPIC_API_KEY/,
    );
    assert.throws(() => checkResearcherEnv('openai', {}), /needs OPENAI_API_KEY .* or OPENAI_BASE_URL/);
    assert.doesNotThrow(() => checkResearcherEnv('openai', { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' }));
    assert.doesNotThrow(() => checkResearcherEnv('claude', { ANTHROPIC_API_KEY: 'k' }));
    assert.throws(
      () =>
        checkResearcherEnv('claude', { ANTHROPIC_API_KEY: 'k', FLYWHEEL_LLM_PRICES: '{"m": {"input": 1}}' }),
      /^FlywheelError: FLYWHEEL_LLM_PRICES is not a valid price table: m needs numeric input and output/,
    );
    assert.throws(
      () => checkResearcherEnv('openai', { OPENAI_API_KEY: 'k', FLYWHEEL_LLM_PRICES: '{oops' }),
      /FLYWHEEL_LLM_PRICES is not a valid price table: .*JSON/,
    );
  });

  it('waits as long as retry-after says (seconds or an HTTP date), and backs off normally when it does not parse', () => {
    const after = (v: string) => classifyError({ status: 429, headers: { 'retry-after': v } }).afterMs;
    assert.equal(after('3'), 3000);
    const ms = after(new Date(Date.now() + 5000).toUTCString())!;
    assert.ok(ms > 3000 && ms <= 5000, String(ms));
    assert.equal(after('soon'), undefined);
  });

  it('summarises older exchanges of a long turn and keeps tool calls paired with their results', () => {
    const ms: Message[] = [{ role: 'user', blocks: [{ type: 'text', text: 'task' }] }];
    for (let i = 0; i < 10; i++) {
      ms.push({
        role: 'assistant',
        blocks: [{ type: 'tool_use', id: `t${i}`, name: 'get_curve', input: { runId: `r${i}` } }],
      });
      ms.push({
        role: 'user',
        blocks: [{ type: 'tool_result', toolUseId: `t${i}`, content: 'x'.repeat(1000) }],
      });
    }
    const c = compact(ms, 5000);
    assert.equal(c.length, 5);
    assert.equal(c[1].role, 'assistant');
    assert.match((c[0].blocks[1] as { text: string }).text, /get_curve\(\{"runId":"r0"\}\) -> x+/);
    assert.equal((c[2].blocks[0] as { toolUseId: string }).toolUseId, (c[1].blocks[0] as { id: string }).id);
  });

  it('keeps the earlier summary when a long turn shrinks again, and cuts an oversized result it keeps', () => {
    let ms: Message[] = [{ role: 'user', blocks: [{ type: 'text', text: 'task' }] }];
    const exchange = (i: number, content: string) =>
      ms.push(
        {
          role: 'assistant',
          blocks: [{ type: 'tool_use', id: `t${i}`, name: 'get_curve', input: { runId: `r${i}` } }],
        },
        { role: 'user', blocks: [{ type: 'tool_result', toolUseId: `t${i}`, content }] },
      );
    for (let i = 0; i < 10; i++) exchange(i, 'x'.repeat(3000));
    ms = compact(ms, 20_000);
    for (let i = 10; i < 15; i++) exchange(i, 'x'.repeat(3000));
    exchange(15, 'y'.repeat(50_000));
    const c = compact(ms, 20_000);
    assert.equal(c.length, 5);
    const note = (c[0].blocks.at(-1) as { text: string }).text;
    assert.equal(c[0].blocks.length, 2, 'the task and one summary');
    assert.match(note, /runId":"r0"/, 'lines of the first shrink are kept');
    assert.match(note, /runId":"r13"/);
    const last = (c[4].blocks[0] as { content: string }).content;
    assert.ok(last.length < 5100 && /\[cut to 5000 chars/.test(last), String(last.length));
  });
});
