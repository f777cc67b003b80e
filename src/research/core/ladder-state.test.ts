import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { vocabOf } from '../../config/train-config.ts';
import { flopsPerToken } from '../../runs/flops.ts';
import {
  affordableSizes,
  ladderDue,
  ladderReserve,
  ladderRunConfig,
  LADDER_SHARE_MAX,
  plannedSizes,
} from './ladder-state.ts';
import { itemFlops, nextWork } from './scheduler.ts';
import { newTrial } from './trial-steps.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { BASELINE, emptyState, type SessionState } from './state.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';

const base = resolveConfig({ preset: 'tiny' });
const fpt = flopsPerToken(base.model, vocabOf(base));
const specWith = (ladder: number, budgetSeconds?: number) =>
  testSpec(base, {
    rungTokens: [1024, 3072, 9216],
    tokPerSec: 1000,
    startupSeconds: 1,
    ladder,
    budgetSeconds,
  });

function withProposals(): SessionState {
  const st = emptyState();
  for (const id of [BASELINE, 'p1']) {
    const lr = id === BASELINE ? {} : { 'optim.lr': 0.01 };
    const config = id === BASELINE ? base : { ...base, optim: { ...base.optim, lr: 0.01 } };
    st.proposals.push(
      proposalState(id, config, {
        change: { kind: 'config', set: lr },
        status: id === BASELINE ? 'active' : 'concluded',
      }),
    );
  }
  return st;
}

describe('size ladder in a session', () => {
  it('keeps its seconds free from the start: no run starts that would eat into them', () => {
    const spec = specWith(2);
    const st = withProposals();
    const r = ladderReserve(st, spec, 2);
    const sizes = plannedSizes(spec, base);
    // 2 sizes, 4 runs each on 2 slots: 2 rounds a size, each run tokens x (FLOPs/token ratio) / tok/s + 1 s
    const expected = sizes.reduce(
      (a, z) => a + 2 * ((z.tokens * (z.flopsPerToken / fpt) ** 1.5) / 1000 + 1),
      0,
    );
    assert.ok(Math.abs(r.seconds - expected) < 1e-6, `${r.seconds} vs ${expected}`);
    assert.equal(ladderReserve(st, specWith(0), 2).seconds, 0, 'no ladder, no reserve');
    newTrial(st, BASELINE, 1000, 'baseline', 2);
    assert.ok(nextWork(st, spec, r.seconds + 20), 'a 9216-token baseline run (~10 s) fits beside it');
    assert.equal(nextWork(st, spec, r.seconds + 5), undefined, 'not if it eats the ladder');
    assert.ok(nextWork(st, specWith(0), r.seconds + 5), 'without a ladder it would');
  });

  it('climbs fewer sizes when the measured throughput cannot pay for all of them in its share of the budget', () => {
    const st = withProposals();
    const one = ladderReserve(st, specWith(1), 2).seconds;
    const two = ladderReserve(st, specWith(2), 2).seconds;
    const between = (one + two) / 2 / LADDER_SHARE_MAX;
    assert.equal(affordableSizes(st, specWith(2, 10 * two), 2).length, 2);
    assert.equal(affordableSizes(st, specWith(2, between), 2).length, 1);
    assert.equal(ladderReserve(st, specWith(2, between), 2).seconds, one, 'it reserves only what it climbs');
    assert.equal(affordableSizes(st, specWith(2, one), 2).length, 0);
    st.calibration.tokPerSec = 100; // a loaded machine: slower runs, fewer sizes fit
    assert.equal(affordableSizes(st, specWith(2, 10 * two), 2).length, 1);
  });

  it('is due when only its reserve and one full run are left, or when nothing else is left to run', () => {
    const spec = specWith(1);
    const st = withProposals();
    const r = ladderReserve(st, spec, 2).seconds;
    assert.equal(ladderDue(st, spec, r + 100, 2, { idle: false }), false);
    assert.equal(ladderDue(st, spec, r + 5, 2, { idle: false }), true);
    assert.equal(ladderDue(st, spec, r + 100, 2, { idle: true }), true);
    assert.equal(ladderDue(st, specWith(0), 0, 2, { idle: true }), false);
    const flops = { left: 1e15, perToken: fpt };
    assert.equal(ladderDue(st, spec, Infinity, 2, { idle: false, flops }), false);
    const tight = { left: ladderReserve(st, spec, 2).flops + 1000 * fpt, perToken: fpt };
    assert.equal(ladderDue(st, spec, Infinity, 2, { idle: false, flops: tight }), true, 'FLOPs run short');
  });

  it('runs a ladder trial at its size: the grown model, its tokens, its FLOPs, first in line', () => {
    const spec = specWith(1);
    const st = withProposals();
    const [size] = plannedSizes(spec, base);
    st.ladder = {
      proposalId: 'p1',
      baseId: BASELINE,
      baseDelta: -0.05,
      confirmed: true,
      baseFlopsPerToken: fpt,
      sizes: [size],
      entries: [],
      status: 'running',
      reason: '',
    };
    newTrial(st, BASELINE, 1000, 'confirm', 2);
    const t = newTrial(st, 'p1', 21_000, 'ladder', 2);
    t.ladder = { step: 1 };
    const item = nextWork(st, spec, Infinity)!;
    assert.equal(item.trial.id, t.id, 'the ladder goes before a confirmation once it is due');
    assert.equal(item.tokens, size.tokens);
    assert.ok(Math.abs(itemFlops(st, item, fpt) - size.tokens * size.flopsPerToken) < 1);
    const c = ladderRunConfig(structuredClone(st.proposals[1].config), st, t);
    assert.deepEqual([c.model.depth, c.model.width, c.optim.lr], [size.model.depth, size.model.width, 0.01]);
    assert.deepEqual(c.budget, { tokens: size.tokens });
    st.proposals[1].cost = 1.3; // FLOP-matched: the base's FLOPs at that size
    assert.deepEqual(ladderRunConfig(structuredClone(base), st, t).budget, {
      flops: size.tokens * size.flopsPerToken,
    });
  });
});
