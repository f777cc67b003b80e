import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCurve, synthCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { stallRule } from './rules/stall.ts';

const rule = stallRule();
const plateau = (s: number) => (s < 30 ? 7.6 - (s / 30) * 2.6 : 5.0);

describe('stall rule', () => {
  it('stops the recorded lr=1e-5 run, flat near ln(vocab), after 30 % of its budget', () => {
    const s = firstStop(loadCurve('lr-1e-5'), undefined, [rule]);
    assert.equal(s?.decision.rule, 'stall');
    assert.ok(s!.tokens >= 0.3 * 98304 && s!.tokens < 0.7 * 98304, `stopped at ${s?.tokens}`);
  });

  it('stops a synthetic plateau', () => {
    const s = firstStop(synthCurve({ shape: plateau, noise: 0.02 }), undefined, [rule]);
    assert.equal(s?.decision.rule, 'stall');
    assert.ok(s!.step > 36 && s!.step < 120);
  });

  it('does not stop the recorded baselines, which flatten but keep improving a little', () => {
    for (const name of ['baseline-seed0', 'baseline-seed1', 'baseline-seed2', 'lr-0.03'] as const) {
      assert.equal(firstStop(loadCurve(name), undefined, [rule]), undefined, name);
    }
  });

  it('does not stop noisy healthy or slowly improving runs', () => {
    for (const seed of [1, 2, 3])
      assert.equal(firstStop(synthCurve({ noise: 0.2, seed }), undefined, [rule]), undefined);
    const slow = synthCurve({ steps: 200, shape: (s) => 6 - 0.004 * s, noise: 0.05 });
    assert.equal(firstStop(slow, undefined, [rule]), undefined);
  });

  it('never judges before the minimum budget fraction or inside warmup', () => {
    const flat = synthCurve({ steps: 120, shape: () => 7.6, noise: 0.001 });
    const s = firstStop(flat, undefined, [rule]);
    assert.ok(s && s.tokens >= 0.3 * flat.budgetTokens!);
    const warm = synthCurve({ steps: 120, warmupSteps: 200, shape: () => 7.6, noise: 0.001 });
    assert.equal(firstStop(warm, undefined, [rule]), undefined);
  });

  it('without a token budget waits for a minimum number of points', () => {
    const flat = { ...synthCurve({ steps: 150, shape: () => 7.6, noise: 0.001 }), budgetTokens: undefined };
    assert.equal(rule.check(flat).action, 'continue');
    assert.equal(stallRule({ minPointsIfNoBudget: 100 }).check(flat).action, 'stop');
  });
});
