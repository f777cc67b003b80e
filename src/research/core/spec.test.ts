import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lookShare } from '../../stats/sequential.ts';
import { resolveConfig } from '../../config/resolve.ts';
import { decisionLooks, exploreRung, MAX_LOOKS, MIN_LOOKS } from './spec.ts';

describe('decision looks sized to the session', () => {
  it('gives a candidate’s seeds and confirmation at most a fifth of the session, 3 to 5 looks', () => {
    assert.equal(decisionLooks(24), 3, '24 full runs: 4 for one candidate, 2 of them its confirmation');
    assert.equal(decisionLooks(30), 4);
    assert.equal(decisionLooks(35), 5);
    assert.equal(decisionLooks(200), MAX_LOOKS);
    assert.equal(decisionLooks(8), MIN_LOOKS, 'never fewer than 3 looks');
    assert.equal(decisionLooks(Infinity), MAX_LOOKS, 'no budget to size by: the default');
    assert.equal(decisionLooks(40, 2), 4, 'two confirmation seeds cost two runs more');
  });

  it('spends more of the level at the first look that may pass when the session affords fewer looks', () => {
    assert.ok(lookShare(2, 3) > 2 * lookShare(2, 5));
    const total = (k: number) =>
      Array.from({ length: k }, (_, i) => lookShare(i + 1, k)).reduce((a, b) => a + b);
    assert.ok(Math.abs(total(3) - 1) < 1e-12 && Math.abs(total(5) - 1) < 1e-12, 'all of alpha, never more');
  });
});

describe('the rung a new idea starts at', () => {
  const spec = (rungTokens: number[], warmupTokens: number) => ({
    rungTokens,
    baseConfig: resolveConfig({ preset: 'small', sets: [`schedule.warmupTokens=${warmupTokens}`] }),
  });
  it('is the lowest rung at least twice the warmup, never the top while there are two', () => {
    assert.equal(exploreRung(spec([12_288, 36_864, 110_592], 16_384)), 1); // rung 0 ends inside warmup
    assert.equal(exploreRung(spec([36_864, 110_592, 331_776], 16_384)), 0);
    assert.equal(exploreRung(spec([4096, 12_288], 16_384)), 0); // none qualifies: halving keeps its rung
    assert.equal(exploreRung(spec([1000, 3000, 9000], 16_384)), 1);
    assert.equal(exploreRung(spec([9000], 16_384)), 0);
  });
});
