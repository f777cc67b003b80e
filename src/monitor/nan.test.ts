import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCurve, synthCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { nanRule } from './rules/nan.ts';
import { recipeRuns } from './test-corpus.ts';

describe('nan rule', () => {
  it('stops the recorded absurd-lr run at the step its loss became NaN', () => {
    const s = firstStop(loadCurve('lr-1e4'), undefined, [nanRule()]);
    assert.equal(s?.decision.rule, 'nan');
    assert.equal(s?.step, 4);
    assert.match(s!.decision.message, /loss=NaN at step 4/);
  });

  it('stops on an infinite loss and on a non-finite eval', () => {
    const c = synthCurve({ steps: 30 });
    c.train[20].loss = Infinity;
    assert.equal(nanRule().check(c).action, 'stop');
    const e = synthCurve({ steps: 30 });
    e.eval.push({ step: 10, tokens: 20480, valLoss: NaN, valBpb: NaN });
    const d = nanRule().check(e);
    assert.ok(d.action === 'stop' && /eval/.test(d.message));
    assert.equal(nanRule({ checkEval: false }).check(e).action, 'continue');
  });

  it('stops a bad init whose loss is finite but whose grad norm is NaN, at step 1', () => {
    for (const { id, curve } of recipeRuns('nan-init')) {
      const s = firstStop(curve, undefined, [nanRule()]);
      assert.equal(s?.step, 1, id);
      assert.match(s!.decision.message, /gradNorm=NaN/);
    }
    const c = synthCurve({ steps: 30 });
    c.train[5].gradNorm = Infinity; // a step an fp16 loss scaler skips
    assert.equal(firstStop(c, undefined, [nanRule()]), undefined);
    c.train[6].gradNorm = NaN;
    assert.equal(firstStop(c, undefined, [nanRule({ checkGradNorm: false })]), undefined);
  });

  it('never stops a finite run, even the diverging or stalled ones', () => {
    for (const name of ['baseline-seed0', 'lr-0.03', 'lr-1', 'lr-1e-5'] as const) {
      assert.equal(firstStop(loadCurve(name), undefined, [nanRule()]), undefined, name);
    }
  });
});
