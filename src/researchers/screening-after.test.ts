import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32, randNormal } from '../stats/rng.ts';
import type { Proposal } from './base.ts';
import { OfflineResearcher } from './offline.ts';
import { suiteDigest } from './researcher-suite.ts';
import { effectiveValue, tryApply } from './config-diff.ts';
import {
  factorsOn,
  isPaceKey,
  isPaceSet,
  SCREEN_PACE_CHECK_SOURCE,
  SCREEN_STACK_SOURCE,
} from './screening-design.ts';
import { screenedExpectation } from './screening-fit.ts';
import { allRows, base, result, set } from './screening-test-kit.ts';

describe('screening study: what follows the fit (screening-after.ts)', () => {
  it('orders the changes it screened by what it measured once the base has moved', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, exploreEvery: 0 });
    const { rows, digest } = await allRows(r, []);
    const d = r.screeningDesign!;
    // factor 0 a clear win (the stack), the last factor clearly worse, the rest nulls
    const k = d.factors.length - 1;
    const rng = mulberry32(7);
    rows.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      r.observe(result(p, i, 3 - 0.03 * +on[0] + 0.02 * +on[k] + 0.001 * randNormal(rng)));
    });
    const stack = (await r.propose(digest, 4)).find((p) => p.source === SCREEN_STACK_SOURCE)!;
    assert.deepEqual(
      factorsOn(d, set(stack)),
      d.factors.map((_, j) => j === 0),
    );
    const before = (await r.propose(digest, 40)).filter((p) => p.source === 'library');
    assert.ok(
      !before.some((p) => d.factors.some((f) => f.title === p.title)),
      'on the screened base its factors are not proposed one by one',
    );
    r.observe({ ...result(stack, 99, 2.97), rung: 2, verdict: 'win' });
    const moved = tryApply(base, set(stack))!;
    const lib = (await r.propose(suiteDigest(moved), 40)).filter((p) => p.source === 'library');
    const worse = lib.findIndex((p) => p.title === d.factors[k].title);
    assert.ok(worse >= 0, 'the worse factor is still a library idea on the new base');
    assert.ok(lib[worse].expectedEffect > 0.01, `expected ${lib[worse].expectedEffect}`);
    assert.match(lib[worse].hypothesis, /screening study measured \+0\.0[12]\d+ ± 0\.0\d+ at the study rung/);
    assert.ok(lib[worse].tags?.includes('screened'));
    const gains = lib.map((p, i) => ({ p, i })).filter((x) => x.p.expectedEffect < 0);
    assert.ok(gains.length > 0);
    assert.ok(
      gains.every((x) => x.i < worse),
      'every expected gain goes before what the screen measured as worse',
    );
  });

  it('puts the pace changes expected to gain after the other gains once the base has moved', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, exploreEvery: 0 });
    const { rows, digest } = await allRows(r, []);
    const d = r.screeningDesign!;
    const paceAt = d.factors.findIndex((f) => isPaceSet(f.set));
    assert.ok(paceAt > 0, 'the design screens a pace change');
    // factor 0 a clear win (the stack), the pace change a gain short of selection, the rest nulls
    const rng = mulberry32(7);
    rows.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      r.observe(result(p, i, 3 - 0.03 * +on[0] - 0.004 * +on[paceAt] + 0.006 * randNormal(rng)));
    });
    const stack = (await r.propose(digest, 4)).find((p) => p.source === SCREEN_STACK_SOURCE)!;
    r.observe({ ...result(stack, 99, 2.97), rung: 2, verdict: 'win' });
    const moved = tryApply(base, set(stack))!;
    const lib = (await r.propose(suiteDigest(moved), 40)).filter((p) => p.source === 'library');
    const isPace = (p: Proposal) => isPaceSet(set(p));
    const gains = lib.filter((p) => p.expectedEffect < 0);
    assert.deepEqual(lib.slice(0, gains.length), gains, 'the expected gains first');
    const firstPace = gains.findIndex(isPace);
    assert.ok(firstPace > 0, 'other gains before the first pace change');
    assert.ok(gains.slice(firstPace).every(isPace), 'then only pace changes');
    const screened = lib.find((p) => p.title === d.factors[paceAt].title)!;
    assert.ok(
      screened.expectedEffect < 0 && screened.tags?.includes('screened'),
      'the screened pace change is among the gains',
    );
    assert.ok(
      gains
        .slice(firstPace)
        .some((p) => gains.slice(0, firstPace).some((q) => p.expectedEffect < q.expectedEffect)),
      'though a pace change expects more than a change before it',
    );
    const perFlop = (p: Proposal) => p.expectedEffect / (p.cost ?? 1);
    const ranked = (xs: Proposal[]) => xs.every((p, i) => i === 0 || perFlop(xs[i - 1]) <= perFlop(p));
    assert.ok(
      ranked(gains.slice(0, firstPace)) && ranked(gains.slice(firstPace)),
      'each by expected gain per FLOP',
    );
  });

  it('judges a winning stack without its pace changes at the full budget, and drops them if that wins', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, exploreEvery: 0 });
    const { rows, digest } = await allRows(r, []);
    const d = r.screeningDesign!;
    const pace = d.factors.findIndex((f) => isPaceSet(f.set));
    const other = d.factors.findIndex((f) => !isPaceSet(f.set));
    assert.ok(pace >= 0 && other >= 0, d.factors.map((f) => f.title).join(', '));
    // both look like clear wins at the study rung
    const rng = mulberry32(11);
    rows.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      r.observe(result(p, i, 3 - 0.03 * +on[other] - 0.02 * +on[pace] + 0.001 * randNormal(rng)));
    });
    const stack = (await r.propose(digest, 4)).find((p) => p.source === SCREEN_STACK_SOURCE)!;
    const inStack = factorsOn(d, set(stack));
    assert.ok(inStack[other] && inStack[pace], JSON.stringify(inStack));
    r.observe({ ...result(stack, 99, 2.95), rung: 2, verdict: 'win' });
    const moved = tryApply(base, set(stack))!;
    const waits: string[] = [];
    const first = await r.propose(suiteDigest(moved), 4, { wait: (w) => void waits.push(w) });
    const check = first[0];
    assert.equal(check.source, SCREEN_PACE_CHECK_SOURCE);
    assert.equal(check.runAs, 'top');
    assert.ok(
      check.title.startsWith('Screened stack without its pace changes (') &&
        check.title.includes(d.factors[pace].title),
      check.title,
    );
    // the pace knobs go back to the screened base's values; nothing else moves
    for (const [k, v] of Object.entries(set(check))) {
      assert.ok(isPaceKey(k), k);
      assert.deepEqual(v, effectiveValue(base, k));
    }
    // the check alone: ideas (the screen's near misses too) wait for the base it may set
    assert.ok(first.length === 1, first.map((p) => `${p.source}: ${p.title}`).join('\n'));
    assert.deepEqual(await r.propose(suiteDigest(moved), 4, { wait: (w) => void waits.push(w) }), []);
    assert.match(waits.at(-1)!, /without its pace changes/);
    // a check the engine refused is never judged: nothing to wait for
    const refused = { ...suiteDigest(moved), rejected: [{ title: check.title, reason: 'refused' }] };
    assert.ok(
      (await r.propose(refused, 4)).some((p) => p.source === 'library'),
      'the library goes on',
    );
    // the full budget confirms the stack is better without them: they are not proposed one by one again
    r.observe({ ...result(check, 100, 2.94), rung: 2, verdict: 'win' });
    const without = tryApply(moved, set(check))!;
    const lib = await r.propose(suiteDigest(without), 40);
    assert.ok(!lib.some((p) => p.title === d.factors[pace].title), lib.map((p) => p.title).join('\n'));
    assert.ok(!lib.some((p) => p.source === SCREEN_PACE_CHECK_SOURCE), 'once');
  });

  it('checks no pace change when the stack has none, or is nothing but pace changes', async () => {
    for (const onlyPace of [false, true]) {
      const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, exploreEvery: 0 });
      const { rows, digest } = await allRows(r, []);
      const d = r.screeningDesign!;
      const j = d.factors.findIndex((f) => isPaceSet(f.set) === onlyPace);
      rows.forEach((p, i) => r.observe(result(p, i, 3 - 0.03 * +factorsOn(d, set(p))[j])));
      const stack = (await r.propose(digest, 4)).find((p) => p.source === SCREEN_STACK_SOURCE)!;
      r.observe({ ...result(stack, 99, 2.95), rung: 2, verdict: 'win' });
      const next = await r.propose(suiteDigest(tryApply(base, set(stack))!), 8);
      assert.ok(!next.some((p) => p.source === SCREEN_PACE_CHECK_SOURCE), `only pace: ${onlyPace}`);
    }
  });

  it('moves a screened effect by its fitted interaction with what the base has taken (heredity)', () => {
    const d = {
      baseHash: 'h',
      rows: 16,
      masks: [],
      factors: [
        { title: 'A', set: { 'model.qkNorm': true } },
        { title: 'B', set: { 'model.position': 'rope' } },
      ],
    };
    const effect = (e: number) => ({ effect: e, se: 0.004, t: 0, p: 0.5, adjustedP: 1, selected: false });
    const fit = {
      method: 'contrasts' as const,
      runs: 16,
      df: 7,
      sigma: 0.008,
      intercept: 3,
      factors: [effect(-0.01), effect(-0.05)],
      interactions: [{ pair: [1, 0] as [number, number], coef: 0.004, se: 0.002 }],
    };
    const plain = screenedExpectation(d, fit, 0, base, 0);
    assert.equal(plain.effect, -0.01);
    assert.equal(plain.heredity, false);
    const onB = screenedExpectation(d, fit, 0, tryApply(base, { 'model.position': 'rope' })!, 0);
    assert.ok(Math.abs(onB.effect - -0.002) < 1e-12, 'effect + 2 coef once B is in the base');
    assert.ok(Math.abs(onB.se - Math.sqrt(0.004 ** 2 + 4 * 0.002 ** 2)) < 1e-12);
    assert.equal(onB.heredity, true);
    // a stated guess is weighed against the measurement by precision
    const withPrior = screenedExpectation(d, fit, 0, base, -0.004);
    assert.ok(withPrior.expected < -0.004 && withPrior.expected > -0.01, `${withPrior.expected}`);
  });
});
