import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import { designMasks, designRow, fitComplete, fitMainEffects, fitScreen } from './factorial.ts';

const sign = (on: boolean) => (on ? -1 : 1);

describe('screening design', () => {
  it('is balanced, orthogonal and resolution IV (no main effect aliased with a two-factor interaction)', () => {
    for (const [k, rows] of [
      [8, 16],
      [16, 32],
      [12, 64],
    ]) {
      const masks = designMasks(k, rows);
      const X = Array.from({ length: rows }, (_, i) => designRow(i, masks).map(sign));
      for (let a = 0; a < k; a++) {
        assert.equal(
          X.reduce((s, x) => s + x[a], 0),
          0,
          `column ${a} balanced`,
        );
        for (let b = a + 1; b < k; b++) {
          assert.equal(
            X.reduce((s, x) => s + x[a] * x[b], 0),
            0,
            `columns ${a},${b} orthogonal`,
          );
          for (let c = 0; c < k; c++) {
            if (c === a || c === b) continue;
            const alias = X.reduce((s, x) => s + x[a] * x[b] * x[c], 0);
            assert.notEqual(Math.abs(alias), rows, `${c} aliased with ${a}x${b}`);
          }
        }
      }
      const distinct = new Set(X.map((x) => x.join(',')));
      assert.equal(distinct.size, rows, 'rows are distinct configs');
      assert.deepEqual(designRow(0, masks), Array(k).fill(false), 'row 0 is the base');
    }
  });

  it('refuses sizes it cannot hold', () => {
    assert.throws(() => designMasks(9, 16), /1 to 8 factors/);
    assert.throws(() => designMasks(3, 12), /2\^b/);
  });
});

describe('main-effects fit', () => {
  it('recovers planted effects with the standard error the design promises', () => {
    const rng = mulberry32(7);
    const truth = [-0.01, -0.004, 0, 0.003, -0.002, 0, 0, 0.001];
    const masks = designMasks(truth.length, 64);
    const sigma = 0.003;
    const runs = Array.from({ length: 64 }, (_, i) => {
      const on = designRow(i, masks);
      return { on, y: 2.5 + on.reduce((s, v, j) => s + (v ? truth[j] : 0), 0) + sigma * randNormal(rng) };
    });
    const fit = fitMainEffects(runs, truth.length)!;
    assert.equal(fit.df, 64 - truth.length - 1);
    for (const [j, t] of truth.entries()) {
      assert.ok(Math.abs(fit.factors[j].effect - t) < 4 * fit.factors[j].se, `factor ${j}`);
      assert.ok(
        Math.abs(fit.factors[j].se - (2 * sigma) / 8) < 0.4 * ((2 * sigma) / 8),
        'se ~ 2 sigma / sqrt(N)',
      );
    }
    assert.ok(fit.factors[0].selected, 'the 13-se win is selected');
    assert.ok(!fit.factors[3].selected && !fit.factors[7].selected, 'harmful factors are never selected');
  });

  it('selects a null factor in at most alpha of designs (family-wise, Holm)', () => {
    const rng = mulberry32(11);
    const k = 12;
    const masks = designMasks(k, 32);
    let any = 0;
    const trials = 1000;
    for (let r = 0; r < trials; r++) {
      const runs = Array.from({ length: 32 }, (_, i) => ({ on: designRow(i, masks), y: randNormal(rng) }));
      if (fitMainEffects(runs, k)!.factors.some((f) => f.selected)) any++;
    }
    // binomial sd at 5 % over 1000 designs is 0.7 %: 6.5 % is > 2 sd above the level
    assert.ok(any / trials <= 0.065, `null selections in ${any}/${trials} designs`);
  });

  it('with effect heredity, fits the interaction of two active factors and finds what it hid', () => {
    // two large wins that overlap (together worth less than the sum) and a moderate one: regime (a)'s shape
    const rng = mulberry32(5);
    const k = 11;
    const masks = designMasks(k, 32);
    const runs = Array.from({ length: 31 }, (_, i) => {
      const on = designRow(i + 1, masks); // row 0 (the base) is not a study row
      const y =
        3 -
        0.16 * +on[0] -
        0.27 * +on[1] +
        0.12 * +(on[0] && on[1]) -
        0.035 * +on[2] +
        0.008 * randNormal(rng);
      return { on, y };
    });
    const plain = fitMainEffects(runs, k)!;
    const fit = fitScreen(runs, k)!;
    assert.ok(!plain.factors[2].selected, 'the interaction in the residual hides the moderate win');
    assert.deepEqual(
      fit.factors.map((f) => f.selected),
      [true, true, true, ...Array(k - 3).fill(false)],
    );
    assert.deepEqual(
      fit.interactions[0].pair,
      [1, 0],
      'the two strongest first; then pairs with the one it found',
    );
    assert.ok(
      Math.abs(2 * fit.interactions[0].coef - 0.06) < 0.02,
      'half the 0.12 overlap, as a +/-1 contrast',
    );
    for (let j = 0; j < k; j++)
      assert.ok(Math.abs(fit.factors[j].effect - plain.factors[j].effect) < 0.01, 'main effects barely move');
    assert.ok(fit.sigma < plain.sigma / 2);
  });

  it('with effect heredity, still selects a null factor in at most alpha of designs', () => {
    const rng = mulberry32(13);
    const k = 11;
    const masks = designMasks(k, 32);
    let any = 0;
    const trials = 1000;
    for (let r = 0; r < trials; r++) {
      const runs = Array.from({ length: 31 }, (_, i) => {
        const on = designRow(i + 1, masks);
        const y = -0.16 * +on[0] - 0.27 * +on[1] + 0.12 * +(on[0] && on[1]) + 0.01 * randNormal(rng);
        return { on, y };
      });
      if (
        fitScreen(runs, k)!
          .factors.slice(2)
          .some((f) => f.selected)
      )
        any++;
    }
    assert.ok(any / trials <= 0.065, `null selections in ${any}/${trials} designs`);
  });

  it('cannot fit without residual degrees of freedom', () => {
    const masks = designMasks(3, 8);
    const runs = [1, 2, 3, 4].map((i) => ({ on: designRow(i, masks), y: i }));
    assert.equal(fitMainEffects(runs, 3), undefined);
  });
});

describe('complete design, noise from the residual contrasts', () => {
  const k = 11;
  const masks = designMasks(k, 32);
  // regime (a)'s shape: two large overlapping wins, a moderate one, and an interaction of a win with a
  // change that is null on its own (no heredity pair names it: it sits in an alias chain)
  const world = (on: boolean[], noise: number) =>
    3 -
    0.16 * +on[0] -
    0.27 * +on[1] +
    0.12 * +(on[0] && on[1]) -
    0.03 * +on[2] +
    0.03 * (on[1] === on[5] ? 1 : -1) +
    noise;

  it('tests every main effect against the contrasts, and finds the win the residual hid', () => {
    const rng = mulberry32(21);
    const runs = Array.from({ length: 32 }, (_, i) => {
      const on = designRow(i, masks);
      return { on, y: world(on, 0.006 * randNormal(rng)) };
    });
    const reg = fitScreen(runs.slice(1), k)!; // row 0 missing: the regression with heredity
    const fit = fitScreen(runs, k, 0.05, 32)!;
    assert.equal(reg.method, 'regression');
    assert.equal(fit.method, 'contrasts');
    assert.ok(!reg.factors[2].selected, 'the unnamed interaction inflates the residual');
    assert.deepEqual(
      fit.factors.map((f) => f.selected),
      [true, true, true, ...Array(k - 3).fill(false)],
    );
    assert.ok(fit.factors[2].se < reg.factors[2].se / 2, 'a smaller standard error');
    const pair = fit.interactions.find((x) => x.pair.includes(0) && x.pair.includes(1))!;
    assert.ok(Math.abs(2 * pair.coef - 0.06) < 0.02, 'half the 0.12 overlap, as a +/-1 contrast');
  });

  it('needs every row once', () => {
    const rng = mulberry32(3);
    const runs = Array.from({ length: 32 }, (_, i) => ({ on: designRow(i, masks), y: randNormal(rng) }));
    assert.equal(fitComplete(runs.slice(1), k, 32), undefined);
    assert.equal(fitComplete([...runs, runs[3]], k, 32), undefined);
    assert.equal(fitComplete(runs, k, 32)?.method, 'contrasts');
  });

  it('selects a null factor in at most alpha of designs, alone or beside large effects', () => {
    const rng = mulberry32(23);
    let pure = 0;
    let beside = 0;
    const trials = 1000;
    for (let r = 0; r < trials; r++) {
      const a = Array.from({ length: 32 }, (_, i) => ({ on: designRow(i, masks), y: randNormal(rng) }));
      if (fitComplete(a, k, 32)!.factors.some((f) => f.selected)) pure++;
      const b = Array.from({ length: 32 }, (_, i) => {
        const on = designRow(i, masks);
        return { on, y: world(on, 0.01 * randNormal(rng)) };
      });
      if (
        fitComplete(b, k, 32)!
          .factors.slice(3)
          .some((f) => f.selected)
      )
        beside++;
    }
    // binomial sd at 5 % over 1000 designs is 0.7 %: 6.5 % is > 2 sd above the level
    assert.ok(pure / trials <= 0.065, `pure null: selections in ${pure}/${trials} designs`);
    assert.ok(
      beside / trials <= 0.065,
      `beside large effects: null selections in ${beside}/${trials} designs`,
    );
  });
});
