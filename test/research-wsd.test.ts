/**
 * Successive halving with warmup-stable-decay: a promoted trial resumes from the stable-phase
 * checkpoint of its lower-rung run instead of restarting; and a confirmed finding seeds the next
 * session's starting point. Synthetic trainer (it honours checkpoints and resume like the real one).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rememberedStart } from '../src/research/setup.ts';
import { configFlopsPerToken } from '../src/runs/flops.ts';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  ScriptedResearcher,
  synthConfig,
  synthStore,
} from './helpers/research-fixtures.ts';

describe('research with a WSD schedule', () => {
  let store: Store;
  synthStore('fw-wsd-', { effects: { 'optim.lr<': [0.002, -0.05] } }, (s) => (store = s));

  it('resumes promoted trials from their stable checkpoint and remembers the confirmed config', async () => {
    const base = synthConfig(['schedule.name=wsd', 'schedule.warmdownFrac=0.25']);
    const researcher = new ScriptedResearcher([
      configProposal('lower LR', { 'optim.lr': 0.001 }),
      configProposal('beta2 0.99', { 'optim.beta2': 0.99 }),
      configProposal('beta2 0.98', { 'optim.beta2': 0.98 }),
    ]);
    const { session, executor } = await makeSession({
      store,
      researcher,
      base,
      spec: { rungTokens: [4096, 12288, 36864] },
    });
    const summary = await session.run();
    await executor.close();

    const runs = await store.listRuns({ sessionId: session.id });
    const resumed = runs.filter((r) => r.config.resume);
    assert.ok(resumed.length > 0, 'some promotions resumed');
    for (const r of resumed) {
      assert.ok(r.parentRunId, `${r.id} names the run it continues`);
      const parent = runs.find((p) => p.id === r.parentRunId)!;
      assert.ok(parent.summary.stableCheckpoint, `${parent.id} wrote a stable checkpoint`);
      assert.ok(
        r.config.resume!.checkpoint.startsWith(parent.runDir),
        "resumed from the parent run's checkpoint",
      );
      assert.ok((parent.config.budget.tokens ?? 0) < (r.config.budget.tokens ?? 0), 'a larger budget');
      assert.equal(parent.status, 'stopped', 'a lower-rung run ends stopped');
      assert.equal(parent.summary.trainerStatus, 'completed');
    }
    // compute: a resumed run only counts the tokens after its checkpoint
    const trial = session.state.trials.find((t) => t.proposalId === 'baseline' && t.runIds.length === 3)!;
    const fpt = configFlopsPerToken(base);
    assert.ok(
      trial.flops < fpt * (4096 + 12288 + 36864) * 0.8,
      `${trial.flops} FLOPs < restarting every rung`,
    );

    assert.equal(summary.significant, true, JSON.stringify(summary.best));
    const start = await rememberedStart(store);
    assert.ok(start, 'a confirmed finding with a config');
    assert.equal(start!.config.optim.lr, 0.001);
    // the session re-based onto the win: the next one starts from its last base (README "Research sessions")
    assert.match(start!.source, /^session:s-[\w-]+:p\d+$/);
  });
});
