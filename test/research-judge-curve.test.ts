/**
 * Ambiguous curves put to the researcher inside a real session (src/research/io/judge-curve.ts): the
 * synthetic trainer plants a change a little worse than the baseline, so cannot-catch-up stops it while
 * behind-baseline still says continue (src/monitor/assess.ts). The Claude researcher behind the HTTP
 * double answers judge_curve: its kill is carried out with its reason in the kill's evidence; its keep
 * mutes that rule for that run. Both calls are journaled next to the rules' verdicts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../src/store/base.ts';
import { makeSession, synthConfig, tempHome, tempStore } from './helpers/research-fixtures.ts';
import { autopilot, viewOf } from './llm-double/autopilot.ts';
import { toolUse } from './llm-double/replies.ts';
import { startLlmDouble, type LlmDouble } from './llm-double/server.ts';
import { doubleResearcher } from './helpers/claude-double.ts';

describe('ambiguous curves go to the researcher', () => {
  const stores: Store[] = [];
  let double: LlmDouble;
  before(async () => {
    double = await startLlmDouble();
    process.env.FLYWHEEL_SYNTH_SIGMA = '0.01';
    process.env.FLYWHEEL_SYNTH_STEP_SECONDS = '0.1'; // slow enough for the answer to land before the run's end
  });
  after(async () => {
    delete process.env.FLYWHEEL_SYNTH_EFFECTS;
    delete process.env.FLYWHEEL_SYNTH_STEP_SECONDS;
    double.fallback.anthropic = autopilot('anthropic');
    await double.close();
    for (const s of stores) await s.close();
  });

  /** A session (its own store: ideas are shared across sessions) whose first idea, "Halve the learning rate" from the double's autopilot, is 0.1 bpb worse. */
  async function session() {
    const store = await tempStore(tempHome('fw-judge-curve-'));
    stores.push(store);
    const base = synthConfig();
    process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.lr<': [base.optim.lr * 0.75, 0.1] });
    const researcher = doubleResearcher(double.url, store);
    const { session, executor } = await makeSession({
      store,
      researcher,
      base,
      spec: { rungTokens: [16384, 49152], budgetSeconds: 30 },
    });
    await session.run();
    await executor.close();
    const p = session.state.proposals.find((x) => x.title === 'Halve the learning rate')!;
    const trial = session.state.trials.find((t) => t.proposalId === p.id && t.purpose === 'explore')!;
    const journal = (await store.listJournal(session.id)).filter((e) => e.proposalId === p.id);
    return { session, trial, journal };
  }

  it("the researcher's kill stops the run, with its reason in the kill's evidence", async () => {
    double.fallback.anthropic = autopilot('anthropic'); // kills a run > 3 band std behind on val and train
    const { trial, journal } = await session();
    const asked = journal.find((e) => /asking claude/.test(e.title));
    assert.ok(asked, 'the ask is journaled');
    assert.ok(Array.isArray(asked.data?.verdicts), "with every rule's verdict");
    assert.ok(journal.some((e) => e.kind === 'note' && /judged .* kill: /.test(e.title)));
    const kill = journal.find((e) => e.kind === 'kill');
    assert.ok(kill, 'the kill is journaled');
    const evidence = kill.data?.evidence as { researcher?: { call: string } } | undefined;
    assert.equal(evidence?.researcher?.call, 'kill');
    assert.deepEqual([trial.status, trial.stopRule], ['killed', 'cannot-catch-up']);
  });

  it("the researcher's keep mutes that rule for that run only, and is journaled", async () => {
    const pilot = autopilot('anthropic');
    double.fallback.anthropic = (req, d) => {
      const v = viewOf('anthropic', req.body ?? {});
      if (!v.task.startsWith('Judge the curve') || v.lastCalls.includes('judge_curve'))
        return typeof pilot === 'function' ? pilot(req, d) : pilot;
      const c = JSON.parse(
        v.task
          .split('\n')
          .find((l) => l.startsWith('CASE '))!
          .slice(5),
      );
      const spec = toolUse('anthropic', [
        { name: 'judge_curve', input: { runId: c.runId, call: 'keep', reason: 'keep it: a slow starter' } },
      ]);
      return typeof spec === 'function' ? spec(req, d) : spec;
    };
    const { trial, journal } = await session();
    assert.ok(journal.some((e) => e.kind === 'note' && /judged .* keep: keep it/.test(e.title)));
    assert.notEqual(trial.stopRule, 'cannot-catch-up', 'the kept rule no longer stops that run');
  });
});
