import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundaries, exactSequentialP, twoSidedZ } from './group-sequential.ts';
import { mulberry32, randNormal } from './rng.ts';
import { normalCdf } from './student-t.ts';

const K = 3;
const spent = [1, 2, 3].map((k) => (k / K) ** 1.5);
const info = [1, 2, 3].map((n) => 1 / (1 / n + 1 / 2)); // a candidate's 1-3 seeds against 2 base seeds

describe('exact group-sequential boundaries', () => {
  it('spend each look its share of the level under no effect (checked by simulation, fixed seed)', () => {
    const gamma = 0.05;
    const c = boundaries(info, spent, gamma);
    assert.ok(Math.abs(2 * normalCdf(-c[0]) - gamma * spent[0]) < 1e-9, 'the first look is a plain test');
    // Brownian paths observed at the three information levels
    const rng = mulberry32(7);
    const paths = 200_000;
    const crossedAt = [0, 0, 0];
    for (let i = 0; i < paths; i++) {
      let s = 0;
      for (let k = 0; k < K; k++) {
        s += randNormal(rng) * Math.sqrt(info[k] - (k ? info[k - 1] : 0));
        if (Math.abs(s / Math.sqrt(info[k])) >= c[k]) {
          crossedAt[k]++;
          break;
        }
      }
    }
    for (let k = 0; k < K; k++) {
      const want = gamma * (spent[k] - (k ? spent[k - 1] : 0));
      const got = crossedAt[k] / paths;
      assert.ok(Math.abs(got - want) < 4 * Math.sqrt(want / paths), `look ${k + 1}: ${got} vs ${want}`);
    }
  });

  it('lets the last look reject at a larger nominal level than the union bound, and no look at a smaller one', () => {
    const nominal = boundaries(info, spent, 0.05).map((z) => (2 * normalCdf(-z)) / 0.05);
    const union = spent.map((g, k) => g - (k ? spent[k - 1] : 0));
    nominal.forEach((x, k) => assert.ok(x >= union[k] - 1e-9, `look ${k + 1}`));
    assert.ok(nominal[2] > 0.75 && union[2] < 0.5, `${nominal[2]} vs ${union[2]}`);
  });

  it('gives the smallest level at which a look crossed, and 1 when none would', () => {
    const p = exactSequentialP([0.2, 0.08, 0.028], info, spent);
    const c = boundaries(info, spent, p);
    assert.ok(Math.abs(twoSidedZ(0.028) - c[2]) < 1e-2, 'the third look sits on its boundary');
    assert.equal(exactSequentialP([0.5], info.slice(0, 1), spent.slice(0, 1)), 1);
    assert.ok(
      exactSequentialP([0.9, 0.9, 0.9], info, spent) > 0.8,
      'the last look may spend all that is left',
    );
    assert.ok(Math.abs(twoSidedZ(0.05) - 1.959964) < 1e-5);
    assert.equal(exactSequentialP([0.1, 0], info.slice(0, 2), spent.slice(0, 2)), 0, 'a look with p = 0');
  });
});
