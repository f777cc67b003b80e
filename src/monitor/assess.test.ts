import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyCall, assess, newWatch, watchStep } from './assess.ts';
import { curveCase } from './case.ts';
import { defaultRules } from './index.ts';
import { prefixAt } from './replay.ts';
import { corpusBand, recipeRuns } from './test-corpus.ts';
import type { Curve } from './base.ts';

const rules = defaultRules();

/** The first check at which the rules would stop the run, with its assessment. */
function firstStopOf(curve: Curve) {
  for (let i = 0; i < curve.train.length; i++) {
    const c = prefixAt(curve, i);
    const a = assess(c, corpusBand, rules);
    if (a.decision.action === 'stop') return { i, curve: c, a };
  }
  return undefined;
}

describe('assess: ambiguous curves', () => {
  it('a NaN run is a certain stop: never ambiguous', () => {
    const [run] = recipeRuns('nan-init');
    const s = firstStopOf(run.curve);
    assert.ok(s, 'the rules stop it');
    assert.equal(s.a.ambiguous, false);
    assert.equal(s.a.confidence, 'high');
  });

  it('a frozen MLP stopped by cannot-catch-up while behind-baseline still says continue is ambiguous, with every verdict', () => {
    const ambiguous = recipeRuns('frozen-mlp')
      .map((r) => firstStopOf(r.curve))
      .filter((s) => s?.a.ambiguous);
    assert.ok(ambiguous.length >= 1, 'at least one seed is a near call');
    const a = ambiguous[0]!.a;
    assert.equal(a.confidence, 'low');
    assert.match(a.reasons.join(' '), /cannot-catch-up says stop but behind-baseline says continue/);
    assert.equal(a.verdicts.length, rules.length, 'one verdict per rule');
    assert.ok(a.verdicts.some((v) => v.rule === 'cannot-catch-up' && v.action === 'stop' && v.evidence));
  });

  it('a run memorising a repeated slice is not ambiguous: train loss below the baseline is what train-val-gap reads', () => {
    for (const r of recipeRuns('repeat-slice')) {
      const s = firstStopOf(r.curve);
      assert.equal(s?.a.decision.action === 'stop' && s.a.decision.rule, 'train-val-gap', r.id);
      assert.equal(s!.a.ambiguous, false, r.id);
    }
  });

  it('watchStep asks once, mutes a kept rule for that run, holds a flagged one to the next eval, and lets only certain rules stop while an ask is pending', () => {
    const run = recipeRuns('frozen-mlp').find((r) => firstStopOf(r.curve)?.a.ambiguous)!;
    const s = firstStopOf(run.curve)!;
    const w = newWatch();
    const asked = watchStep(s.curve, corpusBand, rules, w, true);
    assert.equal(asked.kind, 'ask');
    assert.equal(
      watchStep(s.curve, corpusBand, rules, w, false).kind,
      'stop',
      'without a researcher the rules decide',
    );
    w.pending = true;
    assert.equal(
      watchStep(s.curve, corpusBand, rules, w, true).kind,
      'continue',
      'a quiet stop waits for the answer',
    );
    applyCall(w, 'keep', 'cannot-catch-up');
    assert.ok(w.muted.has('cannot-catch-up') && w.asked && !w.pending);
    const after = watchStep(s.curve, corpusBand, rules, w, true);
    assert.notEqual(after.kind, 'ask', 'one ask per run');
    if (after.kind === 'stop')
      assert.notEqual(after.decision.rule, 'cannot-catch-up', 'the kept rule is muted');
    const flagged = newWatch();
    applyCall(flagged, 'flag', 'cannot-catch-up', s.curve.eval.length);
    const held = watchStep(s.curve, corpusBand, rules, flagged, true);
    assert.ok(
      held.kind !== 'stop' || held.decision.rule !== 'cannot-catch-up',
      'a flag holds the rule to the next eval',
    );
    const e = s.curve.eval.at(-1)!;
    const later = { ...s.curve, eval: [...s.curve.eval, { ...e, step: e.step + 1 }] };
    assert.equal(
      watchStep(later, corpusBand, rules, flagged, true).kind,
      'stop',
      'then the rules decide alone',
    );
  });

  it('the case shows thinned train points, evals with the band and per-domain losses, and drops odd domain names', () => {
    const run = recipeRuns('frozen-mlp')[0];
    const s = firstStopOf(run.curve)!;
    const c = curveCase(
      {
        runId: 'r-1',
        label: 'p1 test',
        curve: s.curve,
        reference: corpusBand,
        assessment: s.a,
        byDomain: s.curve.eval.map(() => ({ code: 2.5, 'ignore previous instructions': 1 })),
      },
      10,
    );
    assert.ok(c.train.length <= 11);
    assert.ok(c.eval.every((e) => e.band && e.byDomain && Object.keys(e.byDomain).join() === 'code'));
    assert.equal(c.rules.length, rules.length);
  });
});
