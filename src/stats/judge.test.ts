import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBand, formatEffect, formatJudgement, formatSigned } from './describe.ts';
import { judgeChange } from './judge.ts';
import { mulberry32, randInt, randNormal } from './rng.ts';
import { isSeedOnlyChange } from './seed-only.ts';
import { pairedContrast } from './paired-seeds.ts';

const baseline = [3.2, 3.21, 3.19, 3.205];
const better = [3.15, 3.16, 3.155];

describe('judgeChange', () => {
  it('is pending with fewer than three candidate seeds', () => {
    const j = judgeChange({ baseline, candidate: [3.1, 3.11] });
    assert.equal(j.verdict, 'pending');
    assert.match(j.reasons.join(' '), />= 3 seeds/);
  });

  it('is pending when a clear improvement still lacks its held-out confirmation', () => {
    const j = judgeChange({ baseline, candidate: better });
    assert.equal(j.verdict, 'pending');
    assert.ok(j.ci95[1] < 0 && j.pValue < 0.05 && j.delta < 0);
    assert.match(j.reasons.join(' '), /confirmation/);
  });

  it('declares a win when the confirmation reproduces the improvement', () => {
    const j = judgeChange({ baseline, candidate: better, confirm: [3.158] });
    assert.equal(j.verdict, 'win');
    assert.ok(j.confirmDelta! < j.ci95[1]);
  });

  it('refuses the win when the confirmation lands back at the baseline', () => {
    const j = judgeChange({ baseline, candidate: better, confirm: [3.2] });
    assert.equal(j.verdict, 'inconclusive');
    assert.match(j.reasons.join(' '), /not reproduced/);
  });

  it('uses the adjusted p-value when the session supplies one', () => {
    const j = judgeChange({ baseline, candidate: better, confirm: [3.155], adjustedP: 0.2 });
    assert.equal(j.verdict, 'inconclusive');
    assert.equal(j.adjustedP, 0.2);
    assert.match(j.reasons.join(' '), /adjusted p/);
  });

  it("scales the all-seeds test by the decision look's adjustment, not by this call's own raw p", () => {
    // a seed-blocked decision re-fitted after its confirmation: more runs on its seeds, a far smaller
    // raw p (t = 12.6 on 6 df) than the look's 0.003 that the adjusted 0.0198 was computed from
    // (bench/research-efficiency regime (a) with the screen off: Equal domain weights, −0.02 on
    // three seeds, was left inconclusive at "all seeds p=1.00")
    const input = {
      baseline: [2.525, 2.5202],
      candidate: [2.502, 2.4992],
      confirm: [2.5056],
      confirmBaseline: [2.5188],
      confirmBaselineInBaseline: true,
      adjustedP: 0.0198,
      minSeeds: 1,
      blocked: { delta: -0.0226, se: 0.0018, df: 6 },
      blockedAll: { delta: -0.019, se: 0.003, df: 8 },
    };
    const before = judgeChange(input);
    assert.equal(before.verdict, 'inconclusive', 'scaled by 0.0198 / 1.6e-5');
    assert.match(before.reasons.join(' '), /all seeds p=0\.285: not reproduced/);
    const j = judgeChange({ ...input, lookP: 0.003 });
    assert.equal(j.verdict, 'win', j.reasons.join('; '));
    // the look's raw p still scales it: a weak all-seeds contrast does not pass
    const weak = judgeChange({ ...input, lookP: 0.003, blockedAll: { delta: -0.006, se: 0.003, df: 8 } });
    assert.equal(weak.verdict, 'inconclusive');
  });

  it('calls a clearly worse change a loss without confirmation', () => {
    assert.equal(judgeChange({ baseline, candidate: [3.3, 3.31, 3.29] }).verdict, 'loss');
  });

  it('calls overlapping results inconclusive', () => {
    const j = judgeChange({ baseline, candidate: [3.19, 3.215, 3.2], confirm: [3.1] });
    assert.equal(j.verdict, 'inconclusive');
  });

  it('never calls a seed-only change a win, however good it looks', () => {
    const j = judgeChange({ baseline, candidate: better, confirm: [3.15], noiseOnly: true });
    assert.equal(j.verdict, 'inconclusive');
    assert.match(j.reasons.join(' '), /seed/);
  });

  it('drops non-finite seeds and says so', () => {
    const j = judgeChange({ baseline, candidate: [3.15, NaN, 3.16] });
    assert.equal(j.verdict, 'pending');
    assert.match(j.reasons.join(' '), /non-finite/);
  });

  it('keeps the false-win rate at or below alpha when candidate and baseline are the same distribution', () => {
    // 2000 simulated comparisons, 3-5 seeds a side, one held-out confirmation seed, bpb-like noise.
    // 2000 bootstrap resamples keep this fast; the default 10k gives the same rate (0.0105) here.
    const rng = mulberry32(2024);
    const draw = (n: number) => Array.from({ length: n }, () => 3.2 + 0.01 * randNormal(rng));
    const sims = 2000;
    let wins = 0;
    let passedDecision = 0;
    for (let s = 0; s < sims; s++) {
      const j = judgeChange({
        baseline: draw(3 + randInt(rng, 3)),
        candidate: draw(3 + randInt(rng, 3)),
        confirm: draw(1),
        resamples: 2000,
        seed: s,
      });
      if (j.verdict === 'win') wins++;
      if (j.verdict === 'win' || j.reasons.some((r) => r.includes('not reproduced'))) passedDecision++;
    }
    const rate = wins / sims;
    console.log(
      `false-win rate ${rate} (decision stage alone ${passedDecision / sims}) over ${sims} null comparisons`,
    );
    assert.ok(rate <= 0.05, `false-win rate ${rate}`);
  });

  it('keeps the false-win rate at or below alpha when the held-out pair reuses a base decision seed', () => {
    // The session's confirmation of a candidate that passed on two paired seeds of a base of three
    // (research/core/trial-steps.ts scheduleConfirmation): the candidate's run on the base's third seed,
    // paired with the base's run there, against a fresh seed re-run for both. A run = the seed's shared
    // draw + its own: the planted-null tests' sizes (0.02 shared, 0.01 own) and, as the worst case of a
    // trainer that does not pair, none shared. The all-seeds test is the paired one over three pairs.
    const sims = 4000;
    const rates = (shared: number) => {
      const rng = mulberry32(shared > 0 ? 11 : 12);
      const out = { reused: 0, fresh: 0 };
      for (let s = 0; s < sims; s++) {
        const seedDraw = Array.from({ length: 4 }, () => shared * randNormal(rng));
        const run = (seed: number) => 3.2 + seedDraw[seed] + 0.01 * randNormal(rng);
        const base = [0, 1, 2].map(run);
        const cand = [0, 1].map(run);
        const pool = Math.sqrt(shared ** 2 + 0.01 ** 2); // the session's pooled floor, as if well measured
        const judge = (confirm: number, confirmBase: number, reused: boolean) => {
          const pairs = [
            { seed: 0, c: cand[0], b: base[0] },
            { seed: 1, c: cand[1], b: base[1] },
            { seed: reused ? 2 : 3, c: confirm, b: confirmBase },
          ];
          const c = pairedContrast(
            pairs.map((x) => ({ seed: x.seed, value: x.c })),
            pairs.map((x) => ({ seed: x.seed, value: x.b })),
          );
          return (
            judgeChange({
              baseline: base,
              candidate: cand,
              confirm: [confirm],
              confirmBaseline: [confirmBase],
              confirmBaselineInBaseline: reused,
              noise: { sd: pool, df: 20 },
              minSeeds: 2,
              blockedAll: c,
              resamples: 500,
              seed: s,
            }).verdict === 'win'
          );
        };
        if (judge(run(2), base[2], true)) out.reused++;
        if (judge(run(3), run(3), false)) out.fresh++;
      }
      return { reused: out.reused / sims, fresh: out.fresh / sims };
    };
    const pairing = rates(0.02);
    const none = rates(0);
    console.log(
      `false-win rate, held-out pair on a base decision seed vs fresh: ${pairing.reused} vs ${pairing.fresh} (seeds pair), ` +
        `${none.reused} vs ${none.fresh} (no shared draw) over ${sims} null comparisons each`,
    );
    assert.ok(pairing.reused <= 0.05, `false-win rate ${pairing.reused}`);
    assert.ok(none.reused <= 0.05, `false-win rate without pairing ${none.reused}`);
  });

  it('still finds a real improvement of three noise sigmas most of the time', () => {
    const rng = mulberry32(7);
    const draw = (n: number, mu: number) => Array.from({ length: n }, () => mu + 0.01 * randNormal(rng));
    let wins = 0;
    for (let s = 0; s < 300; s++) {
      const j = judgeChange({
        baseline: draw(4, 3.2),
        candidate: draw(4, 3.17),
        confirm: draw(1, 3.17),
        resamples: 2000,
        seed: s,
      });
      if (j.verdict === 'win') wins++;
    }
    assert.ok(wins / 300 > 0.5, `power ${wins / 300}`);
  });
});

describe('isSeedOnlyChange', () => {
  it('recognises seed-only diffs in every shape a researcher may send', () => {
    assert.ok(isSeedOnlyChange({ seed: 3 }));
    assert.ok(isSeedOnlyChange({ kind: 'config', set: { seed: 3 } }));
    assert.ok(isSeedOnlyChange({}));
    assert.ok(isSeedOnlyChange({ kind: 'code', edits: [], set: { seed: 1 } }));
  });

  it('rejects any diff that touches a real knob or the code', () => {
    assert.ok(!isSeedOnlyChange({ seed: 3, 'optim.lr': 0.01 }));
    assert.ok(!isSeedOnlyChange({ optim: { lr: 0.01 } }));
    assert.ok(!isSeedOnlyChange({ kind: 'code', edits: [{ file: 'train.py', search: 'a', replace: 'b' }] }));
  });

  it('accepts extra keys declared as noise', () => {
    assert.ok(isSeedOnlyChange({ seed: 1, 'data.shuffleSeed': 2 }, ['seed', 'data.shuffleSeed']));
    assert.ok(isSeedOnlyChange({ data: { shuffleSeed: 2 } }, ['seed', 'data.shuffleSeed']));
  });
});

describe('describe', () => {
  it('formats effects with a real minus sign and always a sign', () => {
    assert.equal(formatSigned(-0.01234), '\u22120.0123');
    assert.equal(formatSigned(0.5), '+0.5000');
    assert.equal(formatEffect(-0.0123, [-0.0201, -0.0046]), '\u22120.0123 [\u22120.0201, \u22120.0046]');
  });

  it('formats a band and a judgement on one line', () => {
    assert.equal(formatBand({ mean: 3.22006, std: 0.004, n: 3 }), '3.2201 \u00b1 0.0040 (n=3)');
    assert.equal(
      formatJudgement({ verdict: 'win', delta: -0.0123, ci95: [-0.0201, -0.0046], pValue: 0.0042 }),
      'win: \u22120.0123 [\u22120.0201, \u22120.0046], p=0.004',
    );
  });
});
