import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineReference, loadCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { cannotCatchUpRule, olsSlope } from './rules/cannot-catch-up.ts';
import { corpusBand, healthyRuns, recipeRuns } from './test-corpus.ts';

const rules = [cannotCatchUpRule()];

describe('cannot-catch-up rule', () => {
  it('stops runs that stay behind by a constant or growing margin, by 30 % of their budget', () => {
    for (const recipe of ['frozen-mlp', 'exploding-grads', 'warmup-never-ends']) {
      for (const { id, curve } of recipeRuns(recipe)) {
        const s = firstStop(curve, corpusBand, rules);
        assert.equal(s?.decision.rule, 'cannot-catch-up', id);
        assert.ok(s!.tokens <= 0.3 * curve.budgetTokens!, `${id} at ${s!.tokens}`);
        const ev = s!.decision.evidence;
        assert.ok((ev.projectedFinalGapRel as number) > (ev.marginRel as number));
      }
    }
  });

  it('lets every healthy run of the corpus live: slow starters, loss spikes, WSD, high LR', () => {
    for (const { id, curve } of healthyRuns())
      assert.equal(firstStop(curve, corpusBand, rules), undefined, id);
  });

  it('lets the recorded lr=0.03 run live (behind mid-run, ahead at the end) and says continue without a band', () => {
    assert.equal(firstStop(loadCurve('lr-0.03'), baselineReference(), rules), undefined);
    assert.equal(firstStop(loadCurve('lr-1e-5'), undefined, rules), undefined);
  });

  it('fits the slope and its standard error by least squares', () => {
    const { slope, se } = olsSlope([0, 1, 2, 3], [1, 3, 5, 7]);
    assert.equal(slope, 2);
    assert.equal(se, 0);
    assert.equal(olsSlope([0, 1], [0, 1]).se, Infinity);
    const noisy = olsSlope([0, 1, 2, 3], [0, 2, 1, 3]);
    assert.ok(Math.abs(noisy.slope - 0.8) < 1e-12 && noisy.se > 0);
  });
});
