/**
 * The monitor inside a session, end to end on the synthetic trainer: a change planted to be far worse
 * is stopped mid-run by a band rule (behind-baseline or cannot-catch-up), the kill is journaled with its evidence, and the idea
 * is stored as stopped (core/transitions.ts `monitorStopped` and `runEnded`, through real processes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';

describe('the monitor in a research session', () => {
  let store: Store;
  // steps slow enough for the stop to land before the run's end
  synthStore('fw-research-monitor-', { stepSeconds: 0.2 }, (s) => (store = s));

  it('stops a run that falls behind the baseline band, journals the kill and records the idea as stopped', async () => {
    process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify({ 'optim.beta2=': [0.97, 0.5] });
    const researcher = new ScriptedResearcher([configProposal('beta2 0.97', { 'optim.beta2': 0.97 })]);
    const { session, executor } = await makeSession({
      store,
      researcher,
      base: synthConfig(),
      spec: { rungTokens: [16384, 49152] },
    });
    const summary = await session.run();
    await executor.close();
    const p = session.state.proposals.find((x) => x.title === 'beta2 0.97')!;
    const trial = session.state.trials.find((t) => t.proposalId === p.id)!;
    // either band rule may catch it first: behind-baseline (observed gap) or cannot-catch-up (extrapolated)
    assert.equal(trial.status, 'killed');
    assert.ok(['behind-baseline', 'cannot-catch-up'].includes(trial.stopRule ?? ''), String(trial.stopRule));
    assert.deepEqual([p.status, p.verdict], ['concluded', 'loss']);
    const kills = (await store.listJournal(session.id)).filter((e) => e.kind === 'kill');
    assert.equal(kills.length, 1);
    assert.equal(kills[0].proposalId, p.id);
    assert.deepEqual(kills[0].runIds, trial.runIds);
    const ideas = await store.listIdeas({ keys: [p.key] });
    assert.equal(ideas[0]?.outcome, 'stopped');
    assert.equal(summary.monitorStops, 1);
    assert.equal(researcher.observed.find((r) => r.proposalId === p.id)?.status, 'stopped');
  });
});
