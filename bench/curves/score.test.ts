/**
 * The bench's scoring on a handcrafted mini-corpus whose right answers are worked out by hand: three
 * failing runs and three healthy ones (one scary), a rule that stops at a known token count, and the
 * anchors' rules on curves made to trip them exactly where their definitions say.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTINUE, type Curve, type MonitorRule } from '../../src/monitor/base.ts';
import { buildReference } from '../../src/monitor/reference.ts';
import { firstStop } from '../../src/monitor/replay.ts';
import { killLossSpikeRule, medianPrunerRule } from './anchors.ts';
import { dominates, scorePolicy, summarize, type Entry } from './score.ts';

const BUDGET = 1000;

/** 10 train points of 100 tokens (losses given), one eval per point at the same tokens. */
function curve(losses: number[], evals: number[] = losses): Curve {
  return {
    train: losses.map((loss, i) => ({ step: i + 1, tokens: (i + 1) * 100, loss, lr: 1 })),
    eval: evals.map((v, i) => ({ step: i + 1, tokens: (i + 1) * 100, valLoss: v, valBpb: v })),
    budgetTokens: BUDGET,
  };
}

const flat = (v: number, n = 10) => Array.from({ length: n }, () => v);
const reference = buildReference({ eval: [curve(flat(1)).eval, curve(flat(1)).eval] });

function entry(id: string, label: Entry['label'], kind: string, losses: number[], human?: number): Entry {
  return {
    id,
    label,
    kind,
    curve: curve(losses),
    budgetTokens: BUDGET,
    reference,
    baselines: [],
    humanKillTokens: human,
  };
}

/** Stops once a train loss reaches 5 (so at the first point >= 5). */
const atFive: MonitorRule = {
  name: 'at-five',
  check: (c) =>
    c.train.at(-1)!.loss >= 5
      ? { action: 'stop', rule: 'at-five', message: 'loss >= 5', evidence: {} }
      : CONTINUE,
};

const corpus: Entry[] = [
  entry('f1', 'failing', 'loud', [1, 5, 9, 9, 9, 9, 9, 9, 9, 9], 200), // killed at 200 tokens (20 %)
  entry('f2', 'failing', 'quiet', [1, 1, 1, 5, 5, 5, 5, 5, 5, 5], 300), // killed at 400 (40 %), after the human point
  entry('f3', 'failing', 'quiet', [1, 1, 1, 1, 1], 300), // ends at 500 on its own (trainer abort), never killed
  entry('h1', 'healthy', 'baseline', flat(1)),
  entry('h2', 'healthy', 'scary', [1, 1, 1, 1, 1, 1, 5, 1, 1, 1]), // false kill at 700
  entry('h3', 'healthy', 'scary', flat(1)),
];

describe('curve bench scoring', () => {
  it('counts recall, kill times, false kills and compute as worked out by hand', () => {
    const { outcomes, summary: s } = scorePolicy(corpus, () => [atFive]);
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.killed, o.spentTokens]),
      [
        ['f1', true, 200],
        ['f2', true, 400],
        ['f3', false, 500],
        ['h1', false, 1000],
        ['h2', true, 700],
        ['h3', false, 1000],
      ],
    );
    assert.equal(s.failing, 3);
    assert.equal(s.killed, 2);
    assert.equal(s.recall, 2 / 3);
    assert.ok(Math.abs(s.medianKillFrac - 0.3) < 1e-12); // median of 0.2 and 0.4
    assert.equal(s.medianSpentFrac, 0.4); // median of 0.2, 0.4, 0.5
    assert.equal(s.beforeHuman, 1); // f1 only
    assert.equal(s.healthy, 3);
    assert.equal(s.falseKills, 1);
    assert.equal(s.scary, 2);
    assert.equal(s.scaryFalseKills, 1);
    // failing runs would spend 1000 + 1000 + 500 unmonitored; kills save 800 + 600
    assert.equal(s.savedFrac, 1400 / 2500);
    // healthy: 3000 tokens, 300 lost to the false kill
    assert.equal(s.lostFrac, 300 / 3000);
  });

  it('scores never-kill as zero recall, no false kills, nothing saved', () => {
    const s = scorePolicy(corpus, () => []).summary;
    assert.deepEqual([s.killed, s.falseKills, s.savedFrac, s.lostFrac, s.medianSpentFrac], [0, 0, 0, 0, 1]);
    assert.ok(Number.isNaN(s.medianKillFrac));
  });

  it('calls a policy better only when it is no worse on recall, time and false kills and better on one', () => {
    const a = summarize(scorePolicy(corpus, () => [atFive]).outcomes);
    const never = summarize(scorePolicy(corpus, () => []).outcomes);
    assert.equal(dominates(a, never), false); // more recall, but a false kill
    const healthyOnly = corpus.filter((e) => e.id !== 'h2');
    assert.equal(
      dominates(scorePolicy(healthyOnly, () => [atFive]).summary, scorePolicy(healthyOnly, () => []).summary),
      true,
    );
  });
});

describe('anchor rules', () => {
  it('median pruner: prunes when the best value so far is worse than the median of the trials at that step', () => {
    const trials = [1, 2, 3, 4, 5].map((v) => curve(flat(v)).eval); // median 3 at every step
    const rule = medianPrunerRule(trials);
    assert.equal(firstStop(curve(flat(2.9)), undefined, [rule]), undefined);
    const s = firstStop(curve([2, 3.5, 3.5, 3.5, 3.5, 3.5]), undefined, [rule]);
    assert.equal(s, undefined, 'its best (2) stays below the median');
    assert.equal(firstStop(curve(flat(3.1)), undefined, [rule])?.step, 1);
    assert.equal(
      firstStop(curve(flat(3.1)), undefined, [medianPrunerRule(trials.slice(0, 4))]),
      undefined,
      'startup trials',
    );
    assert.equal(
      firstStop(curve(flat(3.1)), undefined, [medianPrunerRule(trials, { nWarmupSteps: 3 })])?.step,
      4,
    );
  });

  it('KillLossSpike: more than `patience` consecutive outliers over a full window, or half the window above the cap', () => {
    const rule = killLossSpikeRule({ windowSize: 4, patience: 2, outlierMultiplier: 2, lossCap: 10 });
    // outliers at points 5, 6, 7 (4 >= 2 x 1, 6 >= 2 x 1.75, 9 >= 2 x 3); the third exceeds patience 2
    const spiky = [1, 1, 1, 1, 4, 6, 9, 1, 1, 1];
    assert.equal(firstStop(curve(spiky), undefined, [rule])?.step, 7);
    assert.equal(
      firstStop(curve([1, 1, 1, 1, 4, 6, 1, 1, 1, 1]), undefined, [rule]),
      undefined,
      'a reset in between',
    );
    // high loss: from batch 2 x window on, >= window/2 of the window above the cap
    const high = [11, 11, 11, 11, 11, 11, 11, 11, 11, 11];
    assert.equal(firstStop(curve(high), undefined, [rule])?.step, 9);
  });
});
