import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ashaPromotable, computeAccount, computeSaved, makeRungs, promote } from './asha.ts';

describe('successive halving rungs', () => {
  it('makes 1/9, 1/3 and the full budget for eta 3 and three rungs', () => {
    assert.deepEqual(makeRungs(900_000), [100_000, 300_000, 900_000]);
    assert.deepEqual(makeRungs(1000, 2, 4), [125, 250, 500, 1000]);
    assert.deepEqual(makeRungs(5e6, 3, 1), [5e6]);
  });

  it('rejects a budget, eta or rung count that makes no sense', () => {
    assert.throws(() => makeRungs(0), /bad rungs/);
    assert.throws(() => makeRungs(100, 1), /bad rungs/);
    assert.throws(() => makeRungs(100, 3, 0), /bad rungs/);
  });
});

describe('synchronous promotion', () => {
  const results = [
    { id: 'a', value: 3.3, rung: 0 },
    { id: 'b', value: 3.1, rung: 0 },
    { id: 'c', value: 3.2, rung: 0 },
    { id: 'd', value: 3.5, rung: 0 },
    { id: 'e', value: NaN, rung: 0 },
    { id: 'f', value: 3.0, rung: 0 },
    { id: 'x', value: 2.0, rung: 1 },
  ];

  it('promotes the best floor(n / eta) of the rung, lower being better', () => {
    assert.deepEqual(promote(results, 0, 3), ['f', 'b']);
    assert.deepEqual(promote(results, 0, 2), ['f', 'b', 'c']);
  });

  it('promotes at least one, never a failed run, and nothing from an empty rung', () => {
    assert.deepEqual(promote(results, 1, 3), ['x']);
    assert.deepEqual(promote([{ id: 'e', value: NaN, rung: 0 }], 0, 3), []);
    assert.deepEqual(promote(results, 2, 3), []);
  });

  it('does not depend on input order when values tie', () => {
    const tie = [
      { id: 'q', value: 3, rung: 0 },
      { id: 'p', value: 3, rung: 0 },
      { id: 'r', value: 4, rung: 0 },
    ];
    assert.deepEqual(promote(tie, 0), ['p']);
    assert.deepEqual(promote([...tie].reverse(), 0), ['p']);
  });
});

describe('asynchronous (ASHA) promotion', () => {
  it('promotes nothing until eta runs have completed the rung', () => {
    assert.deepEqual(
      ashaPromotable(
        [
          { id: 'a', value: 3 },
          { id: 'b', value: 2 },
        ],
        [],
        3,
      ),
      [],
    );
  });

  it('promotes the top 1/eta of what has completed so far, skipping those already promoted', () => {
    const done = [
      { id: 'a', value: 3.3 },
      { id: 'b', value: 3.1 },
      { id: 'c', value: 3.2 },
    ];
    assert.deepEqual(ashaPromotable(done, [], 3), ['b']);
    assert.deepEqual(ashaPromotable(done, ['b'], 3), []);
    const more = [...done, { id: 'd', value: 3.0 }, { id: 'e', value: 3.4 }, { id: 'f', value: 3.15 }];
    assert.deepEqual(ashaPromotable(more, new Set(['b']), 3), ['d']);
  });

  it('never promotes a failed run even if it is in the top slots', () => {
    const done = [
      { id: 'a', value: NaN },
      { id: 'b', value: NaN },
      { id: 'c', value: NaN },
    ];
    assert.deepEqual(ashaPromotable(done, [], 3), []);
  });
});

describe('compute saved', () => {
  it('counts what stopped runs would still have used, as a share of used plus saved', () => {
    // 9 runs at rung 1/9 of F; 3 promoted to 1/3 (restarted); 1 of those to full. Monitor killed one at 1/18.
    const F = 9;
    const runs = [
      ...Array.from({ length: 5 }, () => ({ flopsUsed: 1, flopsFullBudget: F, stopped: true })), // left behind
      { flopsUsed: 0.5, flopsFullBudget: F, stopped: true }, // monitor stop
      ...Array.from({ length: 3 }, () => ({ flopsUsed: 1, flopsFullBudget: F, stopped: false })), // promoted
      ...Array.from({ length: 2 }, () => ({ flopsUsed: 3, flopsFullBudget: F, stopped: true })), // left at 1/3
      { flopsUsed: 3, flopsFullBudget: F, stopped: false }, // promoted
      { flopsUsed: 9, flopsFullBudget: F, stopped: false }, // completed
    ];
    const a = computeAccount(runs);
    assert.equal(a.usedFlops, 5 + 0.5 + 3 + 6 + 3 + 9);
    assert.equal(a.savedFlops, 5 * 8 + 8.5 + 2 * 6);
    assert.equal(a.savedShare, a.savedFlops / (a.usedFlops + a.savedFlops));
    assert.equal(computeSaved(runs), a.savedShare);
  });

  it('is zero when nothing was stopped or nothing ran, and never negative', () => {
    assert.equal(computeSaved([{ flopsUsed: 5, flopsFullBudget: 5, stopped: false }]), 0);
    assert.equal(computeSaved([]), 0);
    assert.equal(computeSaved([{ flopsUsed: 7, flopsFullBudget: 5, stopped: true }]), 0);
  });

  it('rejects negative or non-finite FLOP counts', () => {
    assert.throws(() => computeSaved([{ flopsUsed: NaN, flopsFullBudget: 5, stopped: true }]), /bad compute/);
  });
});
