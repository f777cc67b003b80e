import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { concludeReady } from './conclude.ts';
import { historySeedRuns, type PastSession } from './noise-history.ts';
import { newTrial } from './trial-steps.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import type { SessionSpecInput } from './spec.ts';
import { BASELINE, emptyState, type SessionState } from './state.ts';

const base = resolveConfig({ preset: 'tiny' });
const withLr = (lr: number): TrainConfig => ({ ...base, optim: { ...base.optim, lr } });
const RUNGS = [3000, 9000];
const spec = (extra: Partial<SessionSpecInput> = {}) =>
  testSpec(base, { rungTokens: RUNGS, maxSeeds: 3, ...extra });

// each seed's shared draw (its data order): large against each run's own noise (~0.001)
const SEED = { 1000: 0.012, 1001: -0.009, 1002: 0.004, 1003: -0.006 } as Record<number, number>;
const own = [0.0008, -0.0011, 0.0004, -0.0006, 0.001, -0.0003, 0.0007, -0.0009];

/** The state: the baseline on seeds 1000-1002, a candidate 0.004 better on 1000-1001, all at the top. */
function session(): SessionState {
  const st = emptyState();
  st.proposals.push(proposalState(BASELINE, base), proposalState('p1', withLr(0.0123)));
  let k = 0;
  const run = (id: string, seed: number, mean: number) => {
    const t = newTrial(st, id, seed, id === BASELINE ? 'baseline' : 'explore', 1);
    t.results['1'] = mean + SEED[seed] + own[k++ % own.length];
    t.status = 'done';
  };
  for (const s of [1000, 1001, 1002]) run(BASELINE, s, 2.5);
  for (const s of [1000, 1001]) run('p1', s, 2.496);
  st.proposals[1].looks = [];
  return st;
}

/** An earlier session of the same family: three configs on seeds 1000-1003 (all but the baseline `shift`ed), plus what must stay out. */
function past(id: string, shift: number): PastSession {
  const trials: unknown[] = [];
  const proposals = [
    { id: BASELINE, config: base },
    { id: 'p1', change: { kind: 'config' }, config: withLr(0.001) },
    { id: 'p2', change: { kind: 'config' }, config: withLr(0.002) },
    { id: 'p3', change: { kind: 'code' }, config: withLr(0.003) },
    { id: 'p4', change: { kind: 'config' }, ablationOf: 'p1', config: withLr(0.004) },
  ];
  let k = 3;
  for (const p of proposals)
    for (const seed of [1000, 1001, 1002, 1003])
      trials.push({
        proposalId: p.id,
        seed,
        purpose: p.id === BASELINE ? 'baseline' : 'explore',
        results: { '1': 2.5 + (p.id === BASELINE ? 0 : shift) + SEED[seed] + own[k++ % own.length] },
      });
  return { id, spec: { baseConfig: base, rungTokens: RUNGS }, state: { proposals, trials } };
}

describe('seed blocks in a session', () => {
  it("borrows earlier sessions' config runs of the family with their seeds (no code, no ablation arms)", () => {
    const runs = historySeedRuns([past('s-a', 0), past('s-b', 0.01)], base, RUNGS[1]);
    assert.equal(runs.length, 2 * 3 * 4);
    // one group per config, by its hash: the same config in two sessions is one group
    assert.deepEqual(
      [...new Set(runs.map((r) => r.group))].sort(),
      [base, withLr(0.001), withLr(0.002)].map((c) => configHash(c)).sort(),
    );
    assert.deepEqual(historySeedRuns([past('s-a', 0)], base, 4000), [], 'another budget is another family');
  });

  it('judges a two-seed candidate on seed blocks once history shows the seed effect, far more surely', () => {
    const alone = concludeReady(session(), spec());
    const history = historySeedRuns([past('s-a', 0), past('s-b', 0.01)], base, RUNGS[1]);
    const blocked = concludeReady(session(), spec({ historySeedRuns: history }));
    const [a] = alone.filter((c) => c.proposal.id === 'p1');
    const [b] = blocked.filter((c) => c.proposal.id === 'p1');
    assert.ok(a && b);
    assert.doesNotMatch(a.judgement.reasons.join(' '), /seed blocks/);
    assert.match(b.judgement.reasons.join(' '), /seed blocks/);
    assert.ok(Math.abs(b.judgement.delta + 0.004) < 0.0015, `blocked delta ${b.judgement.delta}`);
    assert.ok(b.judgement.pValue < a.judgement.pValue / 10, `${b.judgement.pValue} vs ${a.judgement.pValue}`);
  });
});
