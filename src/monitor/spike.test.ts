import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCurve, synthCurve } from '../../test/fixtures/curves/load.ts';
import { firstStop } from './replay.ts';
import { spikeRule } from './rules/spike.ts';

const rule = spikeRule();

describe('spike rule', () => {
  it('does not stop on a single huge spike that recovers at the next step', () => {
    assert.equal(firstStop(synthCurve({ bump: (s) => (s === 60 ? 3 : 0) }), undefined, [rule]), undefined);
  });

  it('does not stop on a three-step spike that recovers', () => {
    assert.equal(
      firstStop(synthCurve({ bump: (s) => (s >= 60 && s < 63 ? 1.5 : 0) }), undefined, [rule]),
      undefined,
    );
  });

  it('does not stop noisy but healthy runs, recorded or synthetic', () => {
    for (const name of [
      'baseline-seed0',
      'baseline-seed1',
      'baseline-seed2',
      'lr-0.03',
      'lr-1e-5',
    ] as const) {
      assert.equal(firstStop(loadCurve(name), undefined, [rule]), undefined, name);
    }
    for (const seed of [1, 2, 3, 4, 5]) {
      assert.equal(firstStop(synthCurve({ noise: 0.2, seed }), undefined, [rule]), undefined, `seed ${seed}`);
    }
  });

  it('does not stop a run with rare single-batch outliers of 6-8 sigma', () => {
    const c = synthCurve({ noise: 0.05, bump: (s) => (s % 17 === 0 ? 0.3 + (s % 3) * 0.05 : 0) });
    assert.equal(firstStop(c, undefined, [rule]), undefined);
  });

  it('stops a sustained jump after the sustain window', () => {
    const s = firstStop(synthCurve({ bump: (s) => (s >= 60 ? 1.0 : 0) }), undefined, [rule]);
    assert.equal(s?.decision.rule, 'spike');
    assert.equal(s?.decision.evidence.test, 'sustained');
    assert.equal(s?.step, 67); // 8 points: 60..67
  });

  it('stops a huge spike that has not recovered after k points, before the sustained test would', () => {
    const s = firstStop(synthCurve({ bump: (s) => (s >= 60 ? 4 * Math.exp(-(s - 60) / 8) : 0) }), undefined, [
      rule,
    ]);
    assert.equal(s?.decision.evidence.test, 'unrecovered');
    assert.equal(s?.step, 66); // spike at 60 + 6 points
  });

  it('keeps quiet until the reference window is full', () => {
    const c = synthCurve({ steps: 25, bump: (s) => (s >= 10 ? 2 : 0) });
    assert.equal(rule.check(c).action, 'continue');
  });
});
