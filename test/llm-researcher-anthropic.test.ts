/**
 * The Claude researcher against the HTTP test double (the real SDK, real HTTP, the Messages wire
 * format): the tool loop, validation errors sent back to the model, code edits, retries on 429 / 529,
 * nudges, waiting for a run, and the cost cap. No training runs here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlywheelError } from '../src/errors.ts';
import { sandboxStatus } from '../src/sandbox/bwrap.ts';
import type { ProposeContext } from '../src/researchers/base.ts';
import type { Store } from '../src/store/base.ts';
import { startLlmDouble, type LlmDouble, type RecordedRequest } from './llm-double/server.ts';
import { claude } from './llm-double/replies.ts';
import { synthConfig, tempHome, tempStore } from './helpers/research-fixtures.ts';
import { doubleResearcher } from './helpers/claude-double.ts';
import { suiteDigest } from '../src/researchers/researcher-suite.ts';
import { journalCtx } from './helpers/llm-researcher-kit.ts';

/** Tool results the model was sent in a request (Anthropic wire). */
const toolResults = (r: RecordedRequest) =>
  (r.body.messages.at(-1).content as Array<{ type: string; content: string; is_error?: boolean }>).filter(
    (b) => b.type === 'tool_result',
  );

describe('LLM researcher over the Anthropic wire', () => {
  let double: LlmDouble;
  let store: Store;
  const base = synthConfig();
  const fast = { attempts: 3, baseMs: 10, maxMs: 50 };
  const researcher = (o: { maxRetries?: number; maxCostUsd?: number; attempts?: number } = {}) =>
    doubleResearcher(double.url, store, {
      maxRetries: o.maxRetries ?? 0,
      maxCostUsd: o.maxCostUsd,
      retry: { ...fast, attempts: o.attempts ?? fast.attempts },
    });
  before(async () => {
    double = await startLlmDouble();
    store = await tempStore(tempHome('fw-llm-'));
  });
  after(async () => {
    await double.close();
    await store.close();
  });

  it('runs a tool-use turn: digest, tools and cache breakpoints sent, tool calls answered, proposals and per-call cost returned', async () => {
    const n0 = double.requests.length;
    const r = researcher();
    const { entries, ctx } = journalCtx();
    const props = await r.propose(suiteDigest(base), 2, ctx);
    assert.deepEqual(
      props.map((p) => p.title),
      ['Halve the learning rate', 'Double the learning rate'],
    );
    assert.ok(props.every((p) => p.source === 'claude' && p.change.kind === 'config'));
    const reqs = double.requests.slice(n0);
    assert.equal(reqs.length, 2, 'get_digest, then the proposals and finish_turn');
    const first = reqs[0].body;
    assert.equal(first.model, 'claude-sonnet-5-5');
    assert.equal(first.system[0].cache_control.type, 'ephemeral');
    assert.equal(first.tools.at(-1).cache_control.type, 'ephemeral');
    assert.deepEqual(
      first.tools.map((t: { name: string }) => t.name),
      [
        'get_digest',
        'query_runs',
        'get_curve',
        'read_trainer_file',
        'fit_scaling',
        'compute_multiplier',
        'analyze_importance',
        'compare_runs',
        'propose_config_experiment',
        'propose_code_experiment',
        'record_finding',
        'request_ablation',
        'stop_run',
        'judge_curve',
        'finish_turn',
      ],
    );
    assert.match(first.messages[0].content[0].text, /^Propose up to 2 experiment/);
    assert.match(toolResults(reqs[1])[0].content, /"baselineConfig"/);
    const llm = entries.filter((e) => e.kind === 'llm');
    assert.equal(llm.length, 2);
    const u = r.usage();
    assert.equal(u.calls, 2);
    assert.ok(u.cacheWriteTokens > 0 && u.cacheReadTokens > 0, 'the second call read the cached prefix');
    const sum = llm.reduce((s, e) => s + (e.data!.costUsd as number), 0);
    assert.ok(Math.abs(sum - u.costUsd) < 1e-12 && u.costUsd > 0);
    assert.equal(u.perCall.length, 2);
  });

  it('answers invalid calls with the validation error (schema, hallucinated key, harness.py edit) so the model can correct itself', async () => {
    const n0 = double.requests.length;
    double.enqueue(
      'anthropic',
      claude.toolUse([
        {
          name: 'propose_config_experiment',
          input: { title: 'lower lr', set: { 'optim.lr': 0.001 }, expectedEffect: 'big' },
        },
        {
          name: 'propose_config_experiment',
          input: {
            title: 'bigger model',
            hypothesis: 'more layers learn more',
            set: { 'model.layers': 4 },
            expectedEffect: -0.02,
          },
        },
        {
          name: 'propose_code_experiment',
          input: {
            title: 'easier eval',
            hypothesis: 'change the metric to look better',
            edits: [{ file: 'harness.py', search: 'def evaluate', replace: 'def evaluate_' }],
            expectedEffect: -0.5,
          },
        },
        { name: 'no_such_tool', input: {} },
      ]),
      claude.toolUse([
        {
          name: 'propose_config_experiment',
          input: {
            title: 'lower lr',
            hypothesis: 'the tiny model overshoots at 3e-3',
            set: { 'optim.lr': 0.001 },
            expectedEffect: -0.01,
          },
        },
        { name: 'finish_turn', input: { summary: 'fixed my calls' } },
      ]),
    );
    const props = await researcher().propose(suiteDigest(base), 3, journalCtx().ctx);
    assert.deepEqual(
      props.map((p) => p.title),
      ['lower lr'],
    );
    const results = toolResults(double.requests[n0 + 1]);
    assert.ok(results.slice(0, 4).every((x) => x.is_error === true));
    assert.match(
      results[0].content,
      /invalid input for propose_config_experiment: hypothesis: .*expectedEffect: .*expected number/,
    );
    assert.match(
      results[1].content,
      /not accepted: unknown config key model\.layers.*Valid keys are the dotted paths/,
    );
    assert.match(
      results[2].content,
      /harness\.py is fixed .* cannot be edited; change train\.py or model\.py/,
    );
    assert.match(results[3].content, /unknown tool "no_such_tool"/);
  });

  it('rejects a code edit whose search text is not unique, and refuses code when no sandbox is available', async (t) => {
    // the same code proposal (an edit whose search text occurs many times), then finish_turn
    const enqueueTweak = () =>
      double.enqueue(
        'anthropic',
        claude.toolUse([
          {
            name: 'propose_code_experiment',
            input: {
              title: 'tweak',
              hypothesis: 'a harmless change to train.py',
              edits: [{ file: 'train.py', search: 'import', replace: 'import' }],
              expectedEffect: -0.01,
            },
          },
        ]),
        claude.toolUse([{ name: 'finish_turn', input: {} }]),
      );
    const prev = process.env.FLYWHEEL_BWRAP;
    process.env.FLYWHEEL_BWRAP = '/nonexistent/bwrap';
    sandboxStatus(true);
    try {
      const n0 = double.requests.length;
      enqueueTweak();
      await researcher().propose(suiteDigest(base), 1, journalCtx().ctx);
      assert.match(
        toolResults(double.requests[n0 + 1])[0].content,
        /code experiments are refused: .*not found.*--unsafe-no-sandbox/,
      );
    } finally {
      if (prev === undefined) delete process.env.FLYWHEEL_BWRAP;
      else process.env.FLYWHEEL_BWRAP = prev;
      sandboxStatus(true);
    }
    if (!sandboxStatus().ok) {
      t.skip(`the non-unique edit check needs code experiments, refused here: ${sandboxStatus().reason}`);
      return;
    }
    const n1 = double.requests.length;
    enqueueTweak();
    await researcher().propose(suiteDigest(base), 1, journalCtx().ctx);
    assert.match(
      toolResults(double.requests[n1 + 1])[0].content,
      /the search text "import" occurs \d+ times in train\.py; make it longer/,
    );
  });

  it('retries 429s (the SDK honouring retry-after, then the tool loop) and the turn succeeds', async () => {
    const n0 = double.requests.length;
    double.enqueue('anthropic', claude.rateLimited(0), claude.rateLimited(0), claude.rateLimited(0));
    const { entries, ctx } = journalCtx();
    const props = await researcher({ maxRetries: 1 }).propose(suiteDigest(base), 1, ctx);
    assert.equal(props.length, 1);
    const statuses = double.requests.slice(n0, n0 + 4).map((r) => r.index);
    assert.equal(statuses.length, 4, 'three 429s, then the answer');
    assert.ok(
      entries.some((e) => e.kind === 'note' && /429 rate_limit_error: .*retrying in/.test(e.title)),
      JSON.stringify(entries.map((e) => e.title)),
    );
  });

  it('does not lose the session when 529 overloaded outlasts every retry: the ask fails as transient, the next one works', async () => {
    double.enqueue('anthropic', claude.overloaded(), claude.overloaded());
    const r = researcher({ attempts: 2 });
    await assert.rejects(r.propose(suiteDigest(base), 1, journalCtx().ctx), (e: unknown) => {
      assert.ok(e instanceof FlywheelError && e.code === 'llm_error');
      assert.match(e.message, /529 overloaded_error: Overloaded \(gave up after 2 attempts\)/);
      assert.deepEqual(e.details, { transient: true });
      return true;
    });
    assert.equal(r.usage().failedCalls, 1);
    assert.equal((await r.propose(suiteDigest(base), 1, journalCtx().ctx)).length, 1);
  });

  it('nudges a reply without a tool call (text only, cut off at max_tokens) and the turn goes on', async () => {
    const n0 = double.requests.length;
    double.enqueue(
      'anthropic',
      claude.text('Let me think about the learning rate first.'),
      claude.message([{ type: 'text', text: 'The schedule could', citations: null }], 'max_tokens'),
    );
    const { entries, ctx } = journalCtx();
    const props = await researcher().propose(suiteDigest(base), 1, ctx);
    assert.equal(props.length, 1);
    const reqs = double.requests.slice(n0);
    const nudge = (r: RecordedRequest) => r.body.messages.at(-1).content.at(-1).text as string;
    assert.match(nudge(reqs[1]), /call a tool .*or finish_turn/);
    assert.match(nudge(reqs[2]), /cut off/);
    assert.equal(entries.filter((e) => /answered without a tool call/.test(e.title)).length, 2);
  });

  it('fails a turn that never calls a tool as transient; finish_turn with nothing means nothing left', async () => {
    double.enqueue('anthropic', claude.text('a'), claude.text('b'), claude.text('c'));
    const r = researcher();
    await assert.rejects(r.propose(suiteDigest(base), 1, journalCtx().ctx), (e: unknown) => {
      assert.ok(e instanceof FlywheelError && e.code === 'llm_error');
      assert.match(e.message, /ended without finish_turn \(no_tool_calls\) after 3 call/);
      assert.deepEqual(e.details, { transient: true });
      return true;
    });
    double.enqueue('anthropic', claude.toolUse([{ name: 'finish_turn', input: { summary: 'done' } }]));
    assert.deepEqual(await r.propose(suiteDigest(base), 1, journalCtx().ctx), []);
  });

  it('waits for a run in flight through finish_turn wait: offered only while one is, and only with nothing proposed', async () => {
    const r = researcher();
    const waits: string[] = [];
    const ctx: ProposeContext = { ...journalCtx().ctx, wait: (why) => void waits.push(why) };
    double.enqueue(
      'anthropic',
      claude.toolUse([{ name: 'finish_turn', input: { summary: 'the stack is judged', wait: true } }]),
    );
    assert.deepEqual(await r.propose(suiteDigest(base), 2, ctx), []);
    assert.deepEqual(waits, ['the stack is judged']);
    assert.match(JSON.stringify(double.requests.at(-1)!.body.messages[0]), /finish_turn with wait: true/);
    // nothing in flight (no ctx.wait): refused, and the prompt does not offer it
    double.enqueue(
      'anthropic',
      claude.toolUse([{ name: 'finish_turn', input: { wait: true } }]),
      claude.toolUse([{ name: 'finish_turn', input: { summary: 'done' } }]),
    );
    assert.deepEqual(await r.propose(suiteDigest(base), 2, journalCtx().ctx), []);
    const reqs = double.requests.slice(-2);
    assert.doesNotMatch(JSON.stringify(reqs[0].body.messages[0]), /wait: true/);
    assert.match(toolResults(reqs[1])[0].content, /nothing is running to wait for/);
    assert.equal(waits.length, 1);
  });

  it('stops calling the model once the cost cap is reached, and says so', async () => {
    const r = researcher({ maxCostUsd: 0.0001 });
    const { entries, ctx } = journalCtx();
    const n0 = double.requests.length;
    assert.deepEqual(await r.propose(suiteDigest(base), 1, ctx), []);
    assert.equal(double.requests.length - n0, 1, 'one call took the session over the cap; no second call');
    assert.ok(r.usage().costUsd >= 0.0001);
    assert.deepEqual(await r.propose(suiteDigest(base), 1, ctx), []);
    assert.equal(double.requests.length - n0, 1);
    assert.equal(
      entries.filter((e) => e.kind === 'note' && /cost cap \$0\.0001 reached/.test(e.title)).length,
      1,
    );
  });
});
