import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { studyRung } from '../research/core/spec.ts';
import { screenSize } from '../research/setup-plan.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import { affordableRows, chooseFactors } from './screening-design.ts';

describe('screening design: its factors, its rung and its size', () => {
  it("takes the mixture's weights as one knob and never the optimizer's identity", () => {
    const cand = (title: string, set: Record<string, unknown>): LibraryCandidate => ({
      idea: IDEA_LIBRARY[0],
      key: title,
      proposal: {
        title,
        hypothesis: 'h',
        change: { kind: 'config', set },
        expectedEffect: -0.01,
        source: 'library',
      },
    });
    const factors = chooseFactors(
      [
        cand('Equal weights', { 'data.mixture.a': 0.5, 'data.mixture.b': 0.5 }),
        cand('Only b up', { 'data.mixture.b': 0.9 }), // another mixture: the weights are normalised together
        cand('AdamW', { 'optim.name': 'adamw' }),
        cand('QK-norm', { 'model.qkNorm': true }),
      ],
      8,
    );
    assert.deepEqual(
      factors.map((f) => f.title),
      ['Equal weights', 'QK-norm'],
    );
  });

  it('measures its rows at the lowest rung at least twice the warmup (the top when none is)', () => {
    assert.equal(studyRung([12_288, 36_864, 110_592], 16_384), 1); // rung 0 ends inside warmup
    assert.equal(studyRung([36_864, 110_592, 331_776], 16_384), 0);
    assert.equal(studyRung([1000, 3000], 16_384), 1);
    assert.equal(studyRung([1000, 3000], 0), 0);
  });

  it('is sized to the budget: the largest design whose rows fit in SCREEN_SHARE (45 %) of it', () => {
    assert.equal(affordableRows(24, 1 / 9), 64); // 63 rows = 7 full runs of 24
    assert.equal(affordableRows(24, 1 / 3), 32); // 31 rows at rung 1 of 3 = 10.3 full runs
    assert.equal(affordableRows(8, 1 / 9), 32);
    assert.equal(affordableRows(4, 1 / 9), 16);
    assert.equal(affordableRows(2, 1 / 9), 0);
    assert.equal(affordableRows(24, 1 / 3, 0.3), 16);
    // at the study rung, and by seconds when the budget is wall time (start-up makes short runs dearer)
    const rungs = [12_288, 36_864, 110_592];
    assert.deepEqual(screenSize(24, rungs, 16_384), { rows: 32, rung: 1 });
    assert.deepEqual(screenSize(24, rungs, 16_384, { tokPerSec: 8000, startupSeconds: 5 }), {
      rows: 16,
      rung: 1,
    });
  });
});
