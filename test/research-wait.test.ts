/**
 * A researcher may wait for a run in flight to end (ProposeContext.wait, README "Research sessions:
 * the screening study"): the session leaves its free slots idle, does not count the ask as empty, and
 * asks again once a run has ended. Real sessions on the synthetic trainer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Digest, Proposal, ProposeContext, Researcher } from '../src/researchers/base.ts';
import type { Store } from '../src/store/base.ts';
import {
  configProposal,
  makeSession,
  synthConfig,
  tempHome,
  tempStore,
} from './helpers/research-fixtures.ts';

/** Waits on its first `waits` asks where it may, then proposes its list once. */
class PatientResearcher implements Researcher {
  readonly name = 'patient';
  /** Each ask: whether a wait was offered, whether it waited, and the FLOPs of the runs ended by then. */
  readonly asks: Array<{ offered: boolean; waited: boolean; flops: number }> = [];
  private sent = false;
  constructor(
    private readonly waits: number,
    private readonly proposals: Proposal[],
  ) {}
  async propose(d: Digest, _n: number, ctx?: ProposeContext): Promise<Proposal[]> {
    const waited = Boolean(ctx?.wait) && this.asks.filter((a) => a.waited).length < this.waits;
    this.asks.push({ offered: Boolean(ctx?.wait), waited, flops: d.budget.usedFlops });
    if (waited) {
      ctx!.wait!('waiting for the baseline');
      return [];
    }
    if (this.sent) return [];
    this.sent = true;
    return this.proposals;
  }
}

describe('a researcher that waits', () => {
  let store: Store;
  before(async () => {
    store = await tempStore(tempHome('fw-wait-'));
    process.env.FLYWHEEL_SYNTH_SIGMA = '0.01';
  });
  after(async () => {
    await store.close();
  });

  it('is asked again after a run ends, not marked exhausted, and its later proposal runs', async () => {
    const researcher = new PatientResearcher(2, [configProposal('beta2 0.99', { 'optim.beta2': 0.99 })]);
    const { session, executor } = await makeSession({ store, researcher, base: synthConfig(), parallel: 2 });
    await session.run();
    await executor.close();
    const { asks } = researcher;
    assert.equal(asks.filter((a) => a.waited).length, 2, JSON.stringify(asks));
    // no ask while it waits: the next ask comes after a run has ended
    for (let i = 1; i < asks.length; i++)
      if (asks[i - 1].waited) assert.ok(asks[i].flops > asks[i - 1].flops, JSON.stringify(asks));
    const p = session.state.proposals.find((x) => x.title === 'beta2 0.99');
    assert.ok(p, 'the proposal made after the wait was admitted');
    assert.ok(session.state.trials.some((t) => t.proposalId === p.id && t.runIds.length > 0));
    const notes = await store.listJournal(session.id, { kinds: ['note'] });
    assert.ok(notes.some((e) => e.title.startsWith('researcher patient waits for a run to end')));
    assert.ok(!notes.some((e) => e.title.includes('five rounds')), 'a wait is not an empty ask');
  });
});
