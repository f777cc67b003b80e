import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCurve, synthCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { divergenceRule } from './rules/divergence.ts';
import { recipeRuns } from './test-corpus.ts';

const rule = divergenceRule();

describe('divergence rule', () => {
  it('stops the recorded lr=1 run once the median loss is 1.5x its start', () => {
    const s = firstStop(loadCurve('lr-1'), undefined, [rule]);
    assert.equal(s?.decision.rule, 'divergence');
    assert.equal(s?.step, 6); // 1/4 of its budget (2 of 3 points above 1.5x start); the loss later partly comes back but never below start
    assert.equal(s?.decision.evidence.test, 'hard');
  });

  it('stops a run whose loss climbs back above its start after warmup', () => {
    const c = synthCurve({ steps: 80, noise: 0.02, bump: (s) => (s > 40 ? (s - 40) * 0.15 : 0) });
    const s = firstStop(c, undefined, [rule]);
    assert.equal(s?.decision.evidence.test, 'soft');
    assert.ok(s!.step > 40 && s!.step < 80);
  });

  it('does not stop healthy, noisy or merely slow runs', () => {
    for (const name of [
      'baseline-seed0',
      'baseline-seed1',
      'baseline-seed2',
      'lr-0.03',
      'lr-1e-5',
    ] as const) {
      assert.equal(firstStop(loadCurve(name), undefined, [rule]), undefined, name);
    }
    assert.equal(firstStop(synthCurve({ noise: 0.2, seed: 5 }), undefined, [rule]), undefined);
  });

  it('does not apply the soft test during warmup, when a rising first step is normal', () => {
    // lr still rising over all 12 points and the loss wobbling up 5 %: not diverged.
    const shape = (s: number) => 7.6 + (s > 3 ? 0.4 : 0);
    assert.equal(rule.check(synthCurve({ steps: 12, warmupSteps: 20, noise: 0, shape })).action, 'continue');
    assert.equal(rule.check(synthCurve({ steps: 12, warmupSteps: 2, noise: 0, shape })).action, 'stop'); // same, after warmup
  });

  it('needs head and tail points before judging', () => {
    assert.equal(rule.check(loadCurve('lr-1e4')).action, 'continue');
  });

  it('stops an LR 50x too high no later than the trainer (its own abort is 3x on one point) (2 of 3 points above 1.5x start)', () => {
    for (const { id, curve } of recipeRuns('lr-far-too-high')) {
      const s = firstStop(curve, undefined, [divergenceRule()]);
      assert.equal(s?.decision.evidence.test, 'hard', id);
      assert.ok(s!.index <= curve.train.length - 1, id);
    }
  });
});
