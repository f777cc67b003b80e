import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Curve } from './base.ts';
import { firstStop } from './replay.ts';
import { trainValGapRule } from './rules/train-val-gap.ts';
import { corpusBand, healthyRuns, recipeRuns } from './test-corpus.ts';

const rules = [trainValGapRule()];

/** Train losses falling to `trainEnd`, evals every 10 steps whose val loss follows `val(step)`. */
function gapCurve(trainEnd: number, val: (step: number) => number): Curve {
  const train = Array.from({ length: 100 }, (_, i) => ({
    step: i + 1,
    tokens: (i + 1) * 1000,
    loss: 7 - ((7 - trainEnd) * (i + 1)) / 100,
  }));
  const evals = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((s) => ({
    step: s,
    tokens: s * 1000,
    valLoss: val(s),
    valBpb: val(s) / 2,
  }));
  return { train, eval: evals, budgetTokens: 100_000 };
}

describe('train-val-gap rule', () => {
  it('stops a loader repeating 4 batches and a target shifted onto the input, at their second eval (10 % of the budget)', () => {
    for (const recipe of ['repeat-slice', 'target-shift']) {
      for (const { id, curve } of recipeRuns(recipe)) {
        const s = firstStop(curve, corpusBand, rules);
        assert.equal(s?.decision.rule, 'train-val-gap', id);
        assert.equal(s!.tokens, curve.eval[1].tokens, id);
        const rows = s!.decision.evidence.evals as { excess: number; threshold: number }[];
        assert.ok(rows.every((r) => r.excess > r.threshold));
      }
    }
  });

  it('lets every healthy run of the corpus live, the loss spike included', () => {
    for (const { id, curve } of healthyRuns())
      assert.equal(firstStop(curve, corpusBand, rules), undefined, id);
  });

  it('spares a wide but steady gap while val still falls (another data mixture), stops once val turns up', () => {
    assert.equal(
      firstStop(
        gapCurve(3, (s) => 7 - s / 30),
        undefined,
        rules,
      ),
      undefined,
    );
    const turning = gapCurve(3, (s) => (s <= 40 ? 7 - s / 30 : 5.67 + (s - 40) / 20));
    const s = firstStop(turning, undefined, rules);
    assert.equal(s?.decision.rule, 'train-val-gap');
    assert.equal(s?.step, 60); // 50 is up 0.5 from 40's low (gap widening), 60 makes two evals
  });
});
