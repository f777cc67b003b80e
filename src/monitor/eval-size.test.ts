import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstStop } from './replay.ts';
import { evalSizeRule } from './rules/eval-size.ts';
import { corpusBand, healthyRuns, recipeRuns } from './test-corpus.ts';

describe('eval-size rule', () => {
  it('stops a run evaluated on 128 tokens per domain at its first eval', () => {
    for (const { id, curve } of recipeRuns('eval-too-small')) {
      const s = firstStop(curve, corpusBand, [evalSizeRule()]);
      assert.equal(s?.step, curve.eval[0].step, id);
      assert.deepEqual(
        [s!.decision.evidence.evalTokensPerDomain, s!.decision.evidence.minTokensPerDomain],
        [128, 256],
      );
    }
  });

  it('lets healthy runs live, and says continue where the eval size is not reported', () => {
    for (const { id, curve } of healthyRuns())
      assert.equal(firstStop(curve, corpusBand, [evalSizeRule()]), undefined, id);
    const [{ curve }] = recipeRuns('eval-too-small');
    const unreported = { ...curve, eval: curve.eval.map((e) => ({ ...e, evalTokensPerDomain: undefined })) };
    assert.equal(firstStop(unreported, corpusBand, [evalSizeRule()]), undefined);
  });
});
