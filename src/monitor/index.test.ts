import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  baselineReference,
  loadCurve,
  synthCurve,
  type RecordedName,
} from '../../test/fixtures/curves/load.ts';
import { CONTINUE, type MonitorRule } from './base.ts';
import { defaultRules, evaluate } from './index.ts';
import { firstStop } from './replay.ts';

const reference = baselineReference();

describe('monitor evaluate', () => {
  it('orders the default rules from certain to statistical', () => {
    assert.deepEqual(
      defaultRules().map((r) => r.name),
      [
        'nan',
        'divergence',
        'spike',
        'stall',
        'eval-size',
        'lr-schedule',
        'train-val-gap',
        'cannot-catch-up',
        'behind-baseline',
      ],
    );
    assert.deepEqual(
      defaultRules({ stall: false, spike: { zHuge: 30 } }).map((r) => r.name),
      [
        'nan',
        'divergence',
        'spike',
        'eval-size',
        'lr-schedule',
        'train-val-gap',
        'cannot-catch-up',
        'behind-baseline',
      ],
    );
  });

  it('returns the first stop in rule order and continue when no rule objects', () => {
    const say = (name: string, stop: boolean): MonitorRule => ({
      name,
      check: () => (stop ? { action: 'stop', rule: name, message: name, evidence: {} } : CONTINUE),
    });
    const c = synthCurve({ steps: 5 });
    assert.equal(evaluate(c, undefined, [say('a', false), say('b', true), say('c', true)]).action, 'stop');
    const d = evaluate(c, undefined, [say('a', false), say('b', true), say('c', true)]);
    assert.ok(d.action === 'stop' && d.rule === 'b');
    assert.deepEqual(evaluate(c, undefined, []), CONTINUE);
  });

  it('names NaN as the cause when a NaN run also trips other rules', () => {
    const c = loadCurve('lr-1');
    c.train.at(-1)!.loss = NaN;
    const d = evaluate(c, reference);
    assert.ok(d.action === 'stop' && d.rule === 'nan');
  });

  it('lets every recorded healthy run live through every prefix with all default rules', () => {
    for (const s of [0, 1, 2]) {
      const ref = baselineReference([0, 1, 2].filter((x) => x !== s)); // leave the seed out of its own band
      assert.equal(
        firstStop(loadCurve(`baseline-seed${s}` as 'baseline-seed0'), ref, defaultRules()),
        undefined,
      );
    }
    assert.equal(firstStop(loadCurve('lr-0.03'), reference, defaultRules()), undefined);
    assert.equal(firstStop(synthCurve({ noise: 0.2, seed: 9 }), reference, defaultRules()), undefined);
  });

  it('stops every recorded failure with the rule that fits, early in its budget', () => {
    const expected: Record<string, [string, number]> = {
      'lr-1e4': ['nan', 4],
      'lr-1': ['divergence', 6],
      // 3 evals far behind and not closing: out of the race 4 steps before behind-baseline's 3rd eval
      'lr-1e-5': ['cannot-catch-up', 16],
    };
    for (const [name, want] of Object.entries(expected)) {
      const s = firstStop(loadCurve(name as RecordedName), reference, defaultRules());
      assert.deepEqual([s?.decision.rule, s?.step], want, name);
    }
  });

  it('without a reference still stops the flat lr=1e-5 run, by stall', () => {
    const s = firstStop(loadCurve('lr-1e-5'), undefined, defaultRules());
    assert.equal(s?.decision.rule, 'stall');
  });
});
