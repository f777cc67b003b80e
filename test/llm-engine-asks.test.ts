/**
 * The researcher's asks to the engine through the tools (src/researchers/tools-engine.ts): the Claude
 * researcher behind the Messages-API double calls request_ablation and stop_run in a propose turn; the
 * asks reach the engine's transitions through io/requests.ts (the same path a session gives it) and the
 * engine's answer goes back to the model as the tool result. No training runs here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineRequests } from '../src/research/io/requests.ts';
import { BASELINE } from '../src/research/core/state.ts';
import { ClaudeProvider } from '../src/researchers/claude.ts';
import { LlmResearcher } from '../src/researchers/llm-researcher.ts';
import { suiteDigest } from '../src/researchers/researcher-suite.ts';
import type { Store } from '../src/store/base.ts';
import { admit, base, enginePort, launch, twoWins, withBaseline } from './helpers/engine-port.ts';
import { tempHome, tempStore } from './helpers/research-fixtures.ts';
import { claude } from './llm-double/replies.ts';
import { startLlmDouble, type LlmDouble, type RecordedRequest } from './llm-double/server.ts';

/** A session with an ablated best, a second multi-knob win nobody ablated, and one candidate run in flight. */
function session() {
  let st = withBaseline();
  const wins = twoWins(
    st,
    { title: 'bundle', set: { 'optim.lr': 0.004, 'optim.beta2': 0.99 }, value: 1.6 },
    { title: 'second bundle', set: { 'optim.weightDecay': 0.2, 'optim.adamLr': 0.02 }, value: 1.75 },
  );
  const best = { id: wins.first };
  const second = { id: wins.second, state: wins.state };
  const cand = admit(second.state, 'in flight', { 'optim.lr': 0.01 });
  const trial = cand.state.trials.find((t) => t.proposalId === cand.id)!;
  const run = launch(cand.state, trial.id);
  st = run.state;
  return { st, best: best.id, second: second.id, trialId: trial.id, runId: run.runId };
}

const results = (r: RecordedRequest) =>
  (r.body.messages.at(-1).content as Array<{ type: string; content: string; is_error?: boolean }>).filter(
    (b) => b.type === 'tool_result',
  );

describe("the researcher's asks to the engine (request_ablation, stop_run)", () => {
  let double: LlmDouble;
  let store: Store;
  before(async () => {
    double = await startLlmDouble();
    store = await tempStore(tempHome('fw-asks-'));
  });
  after(async () => {
    await double.close();
    await store.close();
  });

  const researcher = () =>
    new LlmResearcher({
      provider: new ClaudeProvider({
        baseURL: double.url,
        apiKey: 'test-key',
        maxRetries: 0,
        model: 'claude-sonnet-5-5',
      }),
      store,
      retry: { attempts: 1, baseMs: 1, maxMs: 1 },
    });

  it('an ablation of a win of this session is scheduled by the engine and a running candidate run is stopped', async () => {
    const s = session();
    const { port, held } = enginePort(s.st, [s.trialId]);
    double.enqueue(
      'anthropic',
      claude.toolUse([
        {
          name: 'request_ablation',
          input: { proposal: s.second, reason: 'which of the two knobs carries it' },
        },
        { name: 'stop_run', input: { runId: s.runId, reason: 'flat since its second eval' } },
      ]),
      claude.toolUse([{ name: 'finish_turn', input: { summary: 'asked' } }]),
    );
    const from = double.requests.length;
    await researcher().propose(suiteDigest(base), 1, {
      engine: engineRequests(port),
      journal: () => undefined,
    });
    const sent = results(double.requests[from + 1]);
    assert.equal(sent.length, 2);
    assert.ok(!sent[0].is_error, sent[0].content);
    assert.match(sent[0].content, /^scheduled: \d arm\(s\) on seeds/);
    assert.ok(!sent[1].is_error, sent[1].content);
    assert.match(sent[1].content, /is concluded a loss/);
    assert.deepEqual(held.stopped, [{ trialId: s.trialId, why: 'flat since its second eval' }]);
    assert.deepEqual(
      held.state.ablations?.map((a) => [a.winId, a.by]),
      [
        [s.best, 'engine'],
        [s.second, 'claude'],
      ],
    );
    assert.equal(held.state.trials.find((t) => t.id === s.trialId)!.stopRule, 'researcher');
    const titles = held.effects.flatMap((e) => (e.kind === 'journal' ? [`${e.entry}: ${e.title}`] : []));
    assert.ok(titles.some((t) => /^note: claude asked to ablate/.test(t)));
    assert.ok(titles.some((t) => /^kill: .* stopped by claude: flat since its second eval/.test(t)));
  });

  it('a refused ask comes back to the model as a tool error naming why, and changes nothing it asked for', async () => {
    const s = session();
    const { port, held } = enginePort(s.st, [s.trialId]);
    const baselineRun = s.st.trials.find((t) => t.proposalId === BASELINE)!.runIds[0];
    double.enqueue(
      'anthropic',
      claude.toolUse([
        { name: 'request_ablation', input: { proposal: s.best, reason: 'again please' } },
        { name: 'stop_run', input: { runId: baselineRun, reason: 'the baseline looks high' } },
        { name: 'stop_run', input: { runId: 'r; rm -rf /', reason: 'forged' } },
      ]),
      claude.toolUse([{ name: 'finish_turn', input: {} }]),
    );
    const from = double.requests.length;
    await researcher().propose(suiteDigest(base), 1, {
      engine: engineRequests(port),
      journal: () => undefined,
    });
    const sent = results(double.requests[from + 1]);
    assert.deepEqual(
      sent.map((r) => r.is_error),
      [true, true, true],
    );
    assert.match(sent[0].content, /already ablated/);
    assert.match(sent[1].content, /baseline run: only the engine stops it/);
    assert.match(sent[2].content, /invalid input for stop_run/);
    assert.deepEqual(held.stopped, []);
    assert.equal(held.state.ablations?.length, 1);
  });
});
