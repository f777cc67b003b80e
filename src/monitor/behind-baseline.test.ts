import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineReference, loadCurve } from '../../test/fixtures/curves/load.ts';
import type { Curve } from './base.ts';
import { buildReference } from './reference.ts';
import { firstStop } from './replay.ts';
import { behindBaselineRule } from './rules/behind-baseline.ts';
import { corpusBand, healthyRuns, recipeRuns } from './test-corpus.ts';

const rule = behindBaselineRule();
const reference = baselineReference();

/** The baseline seed-0 curve with its evals moved by gap(tokens): same train points, different evals. */
function shifted(gap: (tokens: number) => number): Curve {
  const c = loadCurve('baseline-seed0');
  return {
    ...c,
    eval: c.eval.map((e) => ({ ...e, valBpb: reference.evalBand(e.tokens)!.mean + gap(e.tokens) })),
  };
}

describe('behind-baseline rule', () => {
  it('stops the recorded lr=1e-5 run once three evals past 20 % of budget are far behind', () => {
    const s = firstStop(loadCurve('lr-1e-5'), reference, [rule]);
    assert.equal(s?.decision.rule, 'behind-baseline');
    assert.equal(s?.tokens, 40960); // evals at 24576, 32768, 40960
    assert.equal((s!.decision.evidence.evals as unknown[]).length, 3);
  });

  it('stops a run that stays a constant 5 % behind', () => {
    const s = firstStop(
      shifted(() => 0.16),
      reference,
      [rule],
    );
    assert.equal(s?.tokens, 40960);
  });

  it('does not stop the recorded lr=0.03 run, 1.5-1.8 % behind mid-run, which finishes ahead', () => {
    assert.equal(firstStop(loadCurve('lr-0.03'), reference, [rule]), undefined);
  });

  it('does not stop a slow starter far behind early that is closing the gap', () => {
    const slow = shifted((t) => 0.6 * Math.exp(-t / 30000)); // 0.26 bpb behind at 1/4 of budget, 0.03 at the end
    assert.equal(firstStop(slow, reference, [rule]), undefined);
  });

  it('does not stop any baseline seed against the band of the other two', () => {
    for (const s of [0, 1, 2]) {
      const ref = baselineReference([0, 1, 2].filter((x) => x !== s));
      assert.equal(firstStop(loadCurve(`baseline-seed${s}` as 'baseline-seed0'), ref, [rule]), undefined);
    }
  });

  it('floors sigma so a zero-variance baseline does not kill a run a hair behind', () => {
    const c = loadCurve('baseline-seed0');
    const same = buildReference({ eval: [c.eval, c.eval, c.eval] }); // std 0 everywhere
    const behindBy = (gap: number) => ({ ...c, eval: c.eval.map((e) => ({ ...e, valBpb: e.valBpb + gap })) });
    const sigmaOnly = behindBaselineRule({ minGapRel: 0 }); // threshold = mean + 3 x max(std, 0.002)
    assert.equal(firstStop(behindBy(0.004), same, [sigmaOnly]), undefined);
    assert.ok(firstStop(behindBy(0.01), same, [sigmaOnly]));
    assert.equal(firstStop(behindBy(0.05), same, [rule]), undefined); // default: 2 % minimum gap
    assert.ok(firstStop(behindBy(0.2), same, [rule]));
  });

  it('continues without a reference or where the band does not cover the tokens', () => {
    const far = shifted(() => 0.5);
    assert.equal(rule.check(far, undefined).action, 'continue');
    const late = { ...far, eval: far.eval.map((e) => ({ ...e, tokens: e.tokens + 1e6 })), budgetTokens: 2e6 };
    assert.equal(rule.check(late, reference).action, 'continue');
  });

  it('gives a run whose LR is above the baseline LR (a WSD stable phase) room to win its gap back in the decay', () => {
    const wsd = recipeRuns('wsd-cliff');
    for (const { id, curve } of wsd)
      assert.equal(firstStop(curve, corpusBand, [behindBaselineRule()]), undefined, id);
    // with the old 2 % margin at least one WSD run is killed in its stable phase, then finishes level
    const old = wsd.map(({ curve }) =>
      firstStop(curve, corpusBand, [behindBaselineRule({ lrAheadGapRel: 0.02 })]),
    );
    const killed = old.filter((s) => s !== undefined);
    assert.ok(killed.length > 0);
    assert.ok(killed.every((s) => (s!.decision.evidence.lrVsBaseline as number) > 1.25));
  });

  it('lets every healthy run of the corpus live', () => {
    for (const { id, curve } of healthyRuns())
      assert.equal(firstStop(curve, corpusBand, [behindBaselineRule()]), undefined, id);
  });
});
