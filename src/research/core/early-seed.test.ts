import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig, setPath } from '../../config/resolve.ts';
import { earlySeedCandidate } from './early-seed.ts';
import { newTrial } from './trial-steps.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { BASELINE, emptyState, type SessionState } from './state.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { earlySeeded } from './transitions.ts';

const base = resolveConfig({ preset: 'tiny' });
const rungs = { rungTokens: [1000, 3000, 9000], tokPerSec: 1000, startupSeconds: 1 };
const spec = testSpec(base, { ...rungs, budgetSeconds: 600 });
const ctx = { sessionId: 's', spec, baseConfig: base, baseFlopsPerToken: 10 };

/** The baseline and `p1` (RoPE), whose first decision seed runs at the top rung. */
function running(): SessionState {
  const st = emptyState();
  st.proposals.push(proposalState(BASELINE, base));
  const rope = structuredClone(base);
  setPath(rope as unknown as Record<string, unknown>, 'model.position', 'rope');
  st.proposals.push(
    proposalState('p1', rope, { change: { kind: 'config', set: { 'model.position': 'rope' } } }),
  );
  newTrial(st, 'p1', 1000, 'seeds', 2).status = 'running';
  return st;
}

describe('early decision seed', () => {
  it("queues a running candidate's second seed, the one the sequential path would run next", () => {
    const st = running();
    assert.equal(earlySeedCandidate(st, spec), 'p1');
    const step = earlySeeded(ctx, st, { secondsLeft: 300 });
    const t = step.trial!;
    assert.deepEqual(
      [t.proposalId, t.seed, t.purpose, t.rung, t.status],
      ['p1', 1001, 'seeds', 2, 'pending'],
    );
    const fx = step.effects[0];
    assert.match(fx?.kind === 'journal' ? fx.title : '', /second decision seed \(1001\)/);
    assert.equal(earlySeedCandidate(step.state, spec), undefined, 'one early seed, not a third');
    assert.equal(st.trials.length, 1, 'the state the caller holds is unchanged');
  });

  it('queues nothing that could not start before the deadline', () => {
    const step = earlySeeded(ctx, running(), { secondsLeft: 9 }); // a full run takes 10 s
    assert.equal(step.trial, undefined);
    assert.equal(step.effects.length, 0);
  });

  it('waits for the look once the first seed finished, and never under a FLOPs budget', () => {
    const st = running();
    st.trials[0].status = 'done';
    st.trials[0].results['2'] = 2.5;
    assert.equal(earlySeedCandidate(st, spec), undefined);
    const flops = testSpec(base, { ...rungs, budgetSeconds: 600, budgetFlops: 1e12 });
    assert.equal(earlySeedCandidate(running(), flops), undefined);
  });

  it('leaves study points, the base, confirming candidates and lower rungs alone', () => {
    const st = running();
    st.trials[0].rung = 1;
    assert.equal(earlySeedCandidate(st, spec), undefined, 'below the top rung: successive halving decides');
    const c = running();
    newTrial(c, 'p1', 11000, 'confirm', 2);
    assert.equal(earlySeedCandidate(c, spec), undefined);
    const s = running();
    s.proposals[1].study = true;
    assert.equal(earlySeedCandidate(s, spec), undefined);
  });
});
