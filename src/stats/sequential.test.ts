import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeChange } from './judge.ts';
import { mulberry32, randNormal } from './rng.ts';
import { lookShare, sequentialP, spentBy, unionBoundP, type Look } from './sequential.ts';

/**
 * One candidate run the way conclude.ts runs it: a base of `nb` seeds, a noise floor pooled from the
 * base, the candidate and `historyDf` degrees of freedom of earlier sessions; a look after each
 * candidate seed, a stop when it is not ahead (futility) or passes, at most `maxLooks` looks.
 */
function simulate(opts: {
  effect: number;
  nb: number;
  maxLooks: number;
  historyDf: number;
  seed: number;
  unionBound?: boolean;
}) {
  const rng = mulberry32(opts.seed);
  const draw = (m: number) => m + randNormal(rng);
  const base = Array.from({ length: opts.nb }, () => draw(0));
  let hist = 0;
  for (let i = 0; i < opts.historyDf; i++) hist += randNormal(rng) ** 2;
  const cand: number[] = [];
  const looks: Look[] = [];
  for (let k = 1; k <= opts.maxLooks; k++) {
    cand.push(draw(opts.effect));
    const ss = [base, cand].filter((v) => v.length > 1).reduce((a, v) => a + spread(v), hist);
    const df = opts.historyDf + (base.length - 1) + (cand.length > 1 ? cand.length - 1 : 0);
    const noise = { sd: Math.sqrt(ss / df), df };
    const j = judgeChange({ baseline: base, candidate: cand, noise, resamples: 50 }); // p only: no CI needed
    looks.push(opts.unionBound ? { n: k, p: j.pValue } : { n: k, p: j.pValue, nBase: base.length });
    const p = sequentialP(looks, opts.maxLooks);
    if (p < 0.05 && j.delta < 0) return { win: true, looks: k };
    if (!(j.delta < 0)) return { win: false, looks: k };
  }
  return { win: false, looks: opts.maxLooks };
}

function spread(v: number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, x) => a + (x - m) ** 2, 0);
}

describe('sequential decisions (alpha spending over looks)', () => {
  it('spends the whole level over the looks and nothing past the last', () => {
    const shares = [1, 2, 3, 4, 5].map((k) => lookShare(k, 5));
    assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(
      shares.every((w, i) => i === 0 || w > shares[i - 1]),
      'later looks spend more',
    );
    assert.equal(lookShare(6, 5), 0);
    assert.equal(spentBy(0, 5), 0);
    assert.equal(sequentialP([{ n: 6, p: 1e-9 }], 5), 1, 'a look past the last buys nothing');
    assert.equal(sequentialP([{ n: 5, p: 0.01 }], 5), 0.01 / lookShare(5, 5));
  });

  for (const unionBound of [false, true])
    it(`keeps the false-win rate at or below alpha under no effect (simulated, fixed seed; ${unionBound ? 'union bound' : 'exact boundaries'})`, (t) => {
      const sims = 2000;
      let wins = 0;
      let seeds = 0;
      for (let s = 0; s < sims; s++) {
        const r = simulate({ effect: 0, nb: 3, maxLooks: 5, historyDf: 4, seed: 1 + s, unionBound });
        wins += Number(r.win);
        seeds += r.looks;
      }
      const rate = wins / sims;
      t.diagnostic(
        `sequential null (${unionBound ? 'union bound' : 'exact'}): ${wins}/${sims} false wins (${(100 * rate).toFixed(2)} %), ${(seeds / sims).toFixed(2)} seeds per candidate`,
      );
      assert.ok(rate <= 0.05 + 0.01, `false-win rate ${rate}`);
    });

  it('uses exact boundaries only for one cumulative comparison, the union bound otherwise', () => {
    const looks = [
      { n: 1, p: 0.2, nBase: 2 },
      { n: 2, p: 0.1, nBase: 2 },
      { n: 3, p: 0.04, nBase: 2 },
    ];
    const exact = sequentialP(looks, 3);
    const union = unionBoundP(looks, 3);
    assert.ok(Math.abs(union - 0.04 / lookShare(3, 3)) < 1e-12);
    assert.ok(exact < 0.05 && union > 0.05, `exact ${exact}, union ${union}`);
    const one = sequentialP([{ ...looks[1], p: 0.01 }], 3);
    assert.ok(Math.abs(one - 0.01 / lookShare(2, 3)) < 1e-4, `one look that may pass: the same (${one})`);
    const blocked = looks.map((l, i) => (i === 2 ? { ...l, blocked: true } : l));
    assert.equal(sequentialP(blocked, 3), union, 'a look on seed blocks');
    assert.equal(
      sequentialP(
        looks.map(({ n, p }) => ({ n, p })),
        3,
      ),
      union,
      'no base seed count',
    );
  });

  it("continues an earlier session's test: its looks there are not read, its looks here take the union bound", () => {
    const there: Look[] = [
      { n: 1, p: 0.3, carried: true },
      { n: 2, p: 1e-9, nBase: 3, carried: true }, // a p-value the earlier session recorded buys nothing
    ];
    assert.equal(sequentialP(there, 3), 1, 'before its first look here');
    const here = { n: 3, p: 0.02, nBase: 3 };
    assert.ok(Math.abs(sequentialP([...there, here], 3) - 0.02 / lookShare(3, 3)) < 1e-12);
    // over both sessions a change with no effect passes at most at the level: the first session
    // stops at 2 of 4 looks whatever it saw; the test goes on in the second only while ahead
    let wins = 0;
    const sims = 4000;
    for (let s = 0; s < sims; s++) {
      const rng = mulberry32(50_000 + s);
      const base = Array.from({ length: 3 }, () => randNormal(rng));
      const cand: number[] = [];
      const looks: Look[] = [];
      for (let k = 1; k <= 4; k++) {
        cand.push(randNormal(rng));
        const j = judgeChange({ baseline: base, candidate: cand, noise: { sd: 1, df: 1e6 }, resamples: 50 });
        looks.push({ n: k, p: j.pValue, nBase: 3 });
        if (sequentialP(looks, 4) < 0.05 && j.delta < 0) {
          wins++;
          break;
        }
        if (!(j.delta < 0)) break;
        if (k === 2) for (const l of looks) l.carried = true; // the first session ends here
      }
    }
    assert.ok(wins / sims <= 0.05, `false wins over two sessions ${wins}/${sims}`);
  });

  it('never passes on one seed: the first look spends nothing', () => {
    assert.equal(lookShare(1, 3), 0);
    assert.equal(sequentialP([{ n: 1, p: 1e-12, nBase: 3 }], 3), 1);
    assert.equal(sequentialP([{ n: 1, p: 1e-12 }], 3), 1);
    assert.ok(Number.isNaN(sequentialP([{ n: 2, p: NaN }], 3)), 'nothing could be tested');
  });

  it('passes a change many noise floors large after one or two seeds and stops a clear loser after one', (t) => {
    const sims = 500;
    let fast = 0;
    let lossAtOne = 0;
    for (let s = 0; s < sims; s++) {
      const big = simulate({ effect: -6, nb: 3, maxLooks: 5, historyDf: 12, seed: 10_000 + s });
      if (big.win && big.looks <= 2) fast++;
      const bad = simulate({ effect: 3, nb: 3, maxLooks: 5, historyDf: 12, seed: 20_000 + s });
      if (!bad.win && bad.looks === 1) lossAtOne++;
    }
    t.diagnostic(
      `6-sigma win decided within 2 seeds: ${fast}/${sims}; 3-sigma loser stopped at 1 seed: ${lossAtOne}/${sims}`,
    );
    assert.ok(fast / sims > 0.8, `fast ${fast}`);
    assert.ok(lossAtOne / sims > 0.9, `stopped ${lossAtOne}`);
  });
});
