import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { planWithLadder } from './ladder-plan.ts';

const small = resolveConfig({ preset: 'small' });
const plan = (budgetSeconds: number, requested?: number, tokPerSec = 8000) =>
  planWithLadder({
    requested,
    config: small,
    seeds: 2,
    budgetSeconds,
    parallel: 2,
    tokPerSec,
    startupSeconds: 4,
    eta: 3,
    nRungs: 3,
  });

describe('rungs planned with the size ladder', () => {
  it('turns the ladder on by default as far as the budget allows', () => {
    assert.equal(plan(30 * 60).n, 2);
    assert.equal(plan(12 * 60).n, 1);
    const none = plan(8 * 60);
    assert.equal(none.n, 0);
    assert.match(none.reason, /no ladder \(default\)/);
  });

  it('makes full runs shorter to pay for the ladder inside the same budget', () => {
    const without = plan(20 * 60, 0).rungTokens.at(-1)!;
    const withTwo = plan(20 * 60, 2).rungTokens.at(-1)!;
    // 24 full runs alone, or 24 full runs plus ~46 full runs' worth of ladder, at the session's
    // slower throughput (0.7x the calibration's)
    assert.ok(withTwo < without / 4 && withTwo > without / 8, `${withTwo} vs ${without}`);
  });

  it('an asked-for ladder takes full runs from the search before runs go below the minimum, and says so', () => {
    const p = plan(15 * 60, 2, 6000);
    assert.equal(p.n, 2);
    assert.match(p.reason, /the search keeps \d+ full runs/);
    assert.ok(p.rungTokens[0] >= 4 * 2048);
    const slow = plan(15 * 60, 2, 500);
    assert.ok(slow.n < 2);
    assert.match(slow.reason, /2 asked for, but at 500 tok\/s and 4\.0 s start-up the budget affords [01]/);
  });

  it('never climbs a trainer spec (no width and depth to grow)', () => {
    const spec = { ...small, trainer: { ...small.trainer, spec: { name: 'x' } } } as typeof small;
    const p = planWithLadder({
      config: spec,
      seeds: 2,
      budgetSeconds: 3600,
      parallel: 2,
      tokPerSec: 8000,
      startupSeconds: 4,
      eta: 3,
      nRungs: 3,
    });
    assert.equal(p.n, 0);
  });
});
