import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { synthCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { lrScheduleRule } from './rules/lr-schedule.ts';
import { corpusBand, healthyRuns, recipeRuns } from './test-corpus.ts';

const rules = [lrScheduleRule()];

describe('lr-schedule rule', () => {
  it('stops a run whose LR reached 0 at 20 % of its budget, right after, with the LR trace as evidence', () => {
    for (const { id, curve } of recipeRuns('decay-to-zero-early')) {
      const s = firstStop(curve, corpusBand, rules);
      assert.equal(s?.decision.rule, 'lr-schedule', id);
      assert.equal(s!.decision.evidence.test, 'dead-lr');
      assert.ok(s!.tokens / curve.budgetTokens! < 0.3, `${id} stopped at ${s!.tokens}`);
      assert.ok((s!.decision.evidence.recentLr as number[]).every((lr) => lr <= 0.01 * 0.02));
    }
  });

  it('stops a warmup that never ends once the run is also clearly behind the band, not before 25 %', () => {
    for (const { id, curve } of recipeRuns('warmup-never-ends')) {
      const s = firstStop(curve, corpusBand, rules);
      assert.equal(s?.decision.evidence.test, 'endless-warmup', id);
      assert.ok(s!.tokens >= 0.25 * curve.budgetTokens! && s!.tokens < 0.3 * curve.budgetTokens!, id);
      // without the band a long warmup alone is a legitimate choice
      assert.equal(firstStop(curve, undefined, rules), undefined, id);
    }
  });

  it('lets every healthy run of the corpus live, the WSD and long-warmup ones included', () => {
    for (const { id, curve } of healthyRuns())
      assert.equal(firstStop(curve, corpusBand, rules), undefined, id);
  });

  it('lets a cosine to exactly 0 finish, and says continue without an lr trace or a token budget', () => {
    const c = synthCurve({ steps: 100 });
    c.train.forEach((t, i) => (t.lr = 0.5 * (1 + Math.cos((Math.PI * (i + 1)) / 100))));
    assert.equal(firstStop(c, undefined, rules), undefined);
    const dead = synthCurve({ steps: 100 });
    dead.train.forEach((t, i) => (t.lr = i < 20 ? 1 : 0));
    assert.equal(firstStop(dead, undefined, rules)?.step, 25);
    assert.equal(firstStop({ ...dead, budgetTokens: undefined }, undefined, rules), undefined);
    assert.equal(
      firstStop({ ...dead, train: dead.train.map((t) => ({ ...t, lr: undefined })) }, undefined, rules),
      undefined,
    );
  });
});
