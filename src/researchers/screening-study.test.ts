import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_NOISE_KEYS } from '../stats/seed-only.ts';
import { admitProposal } from '../research/core/proposals.ts';
import { mulberry32, randNormal } from '../stats/rng.ts';
import type { Proposal, ResultSummary } from './base.ts';
import { OfflineResearcher } from './offline.ts';
import { suiteDigest } from './researcher-suite.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { isFlopMatched, studyRung } from '../research/core/spec.ts';
import { screenSize } from '../research/setup-plan.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import {
  affordableRows,
  chooseFactors,
  factorsOn,
  isPaceKey,
  isPaceSet,
  SCREEN_FOLLOW_UP_SOURCE,
  SCREEN_PACE_CHECK_SOURCE,
  SCREEN_GUESS_SOURCE,
  SCREEN_SOURCE,
  SCREEN_STACK_SOURCE,
} from './screening-design.ts';
import { screenedExpectation } from './screening-fit.ts';
import { ScreeningStudy } from './screening-study.ts';
import { effectiveValue, tryApply, withMixtureKnobs } from './config-diff.ts';

const base = resolveConfig({ preset: 'small' });
const set = (p: Proposal) => (p.change.kind === 'config' ? p.change.set : {});

/** Every row of the study, proposed over as many calls as it takes. */
async function allRows(r: OfflineResearcher, notes: string[]) {
  const digest = suiteDigest(base);
  const rows: Proposal[] = [];
  for (let call = 0; call < 10; call++) {
    const got = await r.propose(digest, 8, { note: (m) => void notes.push(m) });
    const study = got.filter((p) => p.source === SCREEN_SOURCE);
    if (study.length === 0) break;
    rows.push(...study);
    digest.tried = [
      ...digest.tried,
      ...study.map((p) => ({ key: keyOf(p), title: p.title, status: 'pending' })),
    ];
  }
  return { rows, digest };
}

const keyOf = (p: Proposal) => {
  const a = admitProposal(p, base, {
    searchSpace: suiteDigest(base).searchSpace,
    noiseKeys: DEFAULT_NOISE_KEYS,
    triedKeys: new Map(),
  });
  assert.ok(a.ok, `row admissible: ${a.ok ? '' : a.reason}`);
  return a.key;
};

const result = (p: Proposal, i: number, y: number): ResultSummary => ({
  proposalId: `p${i + 1}`,
  title: p.title,
  change: p.change,
  source: p.source,
  rung: 0,
  status: 'completed',
  valBpb: { mean: y, std: 0, n: 1 },
  runIds: [`r${i}`],
});

/** The library's candidates on the base at its FLOPs per token, nothing tried: a design's factors. */
const sameFlopsCandidates = () =>
  libraryCandidates(IDEA_LIBRARY, base, { vocabSize: 2048, domains: [] }, suiteDigest(base).searchSpace, {
    avoidKeys: new Set(),
    triedTitles: new Set(),
    rejectedTitles: new Set(),
  }).filter((c) => !isFlopMatched(c.proposal.cost ?? 1));

/**
 * A 16-row study over `cands` on the base, its notes and its step; `earlier`: the keys an earlier session
 * ran; `guess`: whether it runs its best guess (the session has a FLOPs budget).
 */
function studyOf(cands: LibraryCandidate[], earlier: (keys: string[]) => string[] = () => [], guess = true) {
  const study = new ScreeningStudy({ rows: 16 });
  const notes: string[] = [];
  const step = (avoid: Set<string>, baseAt?: (rung: number) => number | undefined) =>
    study.step({
      hasWin: false,
      base,
      space: suiteDigest(base).searchSpace,
      candidates: () => cands,
      avoidKeys: avoid,
      rejectedTitles: new Set(),
      n: 32,
      tried: async (keys) => new Set(earlier(keys)),
      note: (m) => void notes.push(m),
      baseAt,
      guess,
    });
  return { study, notes, step };
}

describe('screening study (offline researcher)', () => {
  it('proposes the design rows as study points, then the stack of what the fit selects, straight to the top', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 32 } });
    const notes: string[] = [];
    const { rows, digest } = await allRows(r, notes);
    const d = r.screeningDesign!;
    assert.equal(rows.length, d.rows - 1, 'every row but the base itself');
    assert.ok(d.factors.length >= 3 && d.factors.length <= 16);
    assert.ok(rows.every((p) => p.runAs === 'study'));
    assert.equal(new Set(rows.map(keyOf)).size, rows.length, 'rows are distinct configs');
    assert.match(notes.join('\n'), /screening study: 31 rows over/);
    // no screened change is also proposed one by one while the study is on
    const during = await r.propose(digest, 4);
    const titles = new Set(d.factors.map((f) => f.title));
    assert.ok(during.every((p) => !titles.has(p.title)));

    // factor 0 is a real win of 0.02 at sigma 0.003; the others are nulls
    const rng = mulberry32(5);
    rows.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      r.observe(result(p, i, 3 + (on[0] ? -0.02 : 0) + 0.003 * randNormal(rng)));
    });
    const after = await r.propose(digest, 4, { note: (m) => void notes.push(m) });
    const stack = after.find((p) => p.source === SCREEN_STACK_SOURCE);
    assert.ok(stack, 'a screened stack is proposed');
    assert.equal(stack.runAs, 'top');
    assert.deepEqual(
      factorsOn(d, set(stack)),
      d.factors.map((_, j) => j === 0),
    );
    assert.match(notes.join('\n'), /screening study fitted: 31 rows/);
    const again = await r.propose(digest, 4);
    assert.ok(!again.some((p) => p.source === SCREEN_STACK_SOURCE), 'the stack is proposed once');
    assert.ok(
      again.length > 0 && again.every((p) => p.source === 'tpe'),
      'while the stack is judged, no library idea is judged against the base it may replace',
    );

    // a researcher rebuilt on resume plans the same design and, after replaying the results, the same stack
    const resumed = new OfflineResearcher({ seed: 3, screening: { rows: 32 } });
    rows.forEach((p, i) => resumed.observe(result(p, i, 3 + (factorsOn(d, set(p))[0] ? -0.02 : 0))));
    const re = await resumed.propose(digest, 4);
    assert.deepEqual(resumed.screeningDesign, d);
    assert.deepEqual(set(re.find((p) => p.source === SCREEN_STACK_SOURCE)!), set(stack));
  });

  it("with the base's own run as row 0, tests the whole design against its residual contrasts", async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 } });
    const notes: string[] = [];
    const { rows, digest } = await allRows(r, notes);
    const d = r.screeningDesign!;
    const rng = mulberry32(9);
    rows.forEach((p, i) =>
      r.observe(result(p, i, 3 + (factorsOn(d, set(p))[1] ? -0.02 : 0) + 0.003 * randNormal(rng))),
    );
    // the base at the rows' rung (0 here) on their seed: row 0
    digest.baseAtRungs = [{ rung: 0, mean: 3.001, n: 3, firstSeed: 3.002 }];
    const after = await r.propose(digest, 4, { note: (m) => void notes.push(m) });
    assert.match(
      notes.join('\n'),
      /screening study fitted: 16 rows with the base, noise from 7 residual contrasts/,
    );
    const stack = after.find((p) => p.source === SCREEN_STACK_SOURCE)!;
    assert.deepEqual(
      factorsOn(d, set(stack)),
      d.factors.map((_, j) => j === 1),
    );
  });

  it('holds the library back while the rows end and the stack is judged, then follows up its near misses at the full budget', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 } });
    const notes: string[] = [];
    const { rows, digest } = await allRows(r, notes);
    const d = r.screeningDesign!;
    const waiting = await r.propose(digest, 4);
    assert.ok(
      waiting.every((p) => p.source === 'tpe'),
      'rows out, not ended, no wait offered: TPE explores',
    );
    const waits: string[] = [];
    const wait = (why: string) => void waits.push(why);
    assert.deepEqual(await r.propose(digest, 4, { wait }), [], 'a wait offered: it waits instead');
    assert.match(waits[0], /last rows are running/);
    // factor 0 a clear win, factor 1 a near miss (about 2.5 se), the rest nulls
    const rng = mulberry32(4);
    rows.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      r.observe(result(p, i, 3 - 0.02 * +on[0] - 0.0025 * +on[1] + 0.002 * randNormal(rng)));
    });
    const after = await r.propose(digest, 4, { note: (m) => void notes.push(m) });
    const stack = after.find((p) => p.source === SCREEN_STACK_SOURCE)!;
    assert.deepEqual(
      factorsOn(d, set(stack)),
      d.factors.map((_, j) => j === 0),
      notes.join('\n'),
    );
    assert.deepEqual(
      after.map((p) => p.source),
      [SCREEN_STACK_SOURCE],
      'the stack alone: no exploration beside it, even with no wait offered',
    );
    const during = await r.propose(digest, 4);
    assert.ok(during.every((p) => p.source === 'tpe'));
    assert.deepEqual(await r.propose(digest, 4, { wait }), []);
    assert.match(waits[1], /stack is judged/);
    // a re-based winner reads 'running' while its lower-rung base seeds run: its verdict is what counts
    r.observe({ ...result(stack, 99, 2.99), rung: 2, status: 'running', verdict: 'win' });
    const later = await r.propose(digest, 4);
    assert.equal(later[0].source, SCREEN_FOLLOW_UP_SOURCE);
    assert.equal(later[0].title, d.factors[1].title);
    assert.equal(later[0].runAs, 'top');
    assert.match(later[0].hypothesis, /short of Holm's bar/);
    assert.ok(later.some((p) => p.source === 'library'));
    const next = await r.propose(digest, 4);
    assert.ok(!next.some((p) => p.title === d.factors[1].title), 'followed up once');
  });

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

  it('stops waiting for a stack the engine refused', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 } });
    const { rows, digest } = await allRows(r, []);
    const d = r.screeningDesign!;
    rows.forEach((p, i) => r.observe(result(p, i, 3 - 0.02 * +factorsOn(d, set(p))[0])));
    const stack = (await r.propose(digest, 4)).find((p) => p.source === SCREEN_STACK_SOURCE)!;
    const waits: string[] = [];
    const wait = (why: string) => void waits.push(why);
    assert.deepEqual(await r.propose(digest, 4, { wait }), []);
    digest.rejected = [{ title: stack.title, reason: 'refused' }];
    const next = await r.propose(digest, 4, { wait });
    assert.equal(waits.length, 1);
    assert.ok(
      next.some((p) => p.source === 'library'),
      'the library goes on',
    );
  });

  it('gives up the rows left when the base moves before they end, and the library goes on', async () => {
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, exploreEvery: 0 });
    const notes: string[] = [];
    const { rows } = await allRows(r, notes);
    const d = r.screeningDesign!;
    rows.slice(0, 4).forEach((p, i) => r.observe(result(p, i, 3)));
    // another idea was confirmed first: the session re-based onto it (not one of the screen's factors)
    const moved = tryApply(base, { 'optim.weightDecay': 0.05 })!;
    const waits: string[] = [];
    const next = await r.propose(suiteDigest(moved), 4, {
      wait: (why) => void waits.push(why),
      note: (m) => void notes.push(m),
    });
    assert.deepEqual(waits, [], 'nothing to wait for');
    assert.ok(!next.some((p) => p.source === SCREEN_SOURCE), 'no row of the old base');
    assert.ok(
      next.some((p) => p.source === 'library' && d.factors.some((f) => f.title === p.title)),
      "the screen's changes come back one by one",
    );
    assert.ok(notes.some((m) => /screening study given up: the base moved when 4 of its 15 rows/.test(m)));
  });

  it('holds the mixture study back while the rows are out and the stack is judged: its points are candidates that move the base', async () => {
    const domains = ['news', 'fiction', 'code'].map((name) => ({ name, trainTokens: 100_000 }));
    const r = new OfflineResearcher({ seed: 3, screening: { rows: 16 }, mixtureStudy: {}, domains });
    const digest = {
      ...suiteDigest(base),
      searchSpace: withMixtureKnobs(
        suiteDigest(base).searchSpace,
        domains.map((d) => d.name),
      ),
      mixture: { studyProposed: 0, studyFinished: 0, predictedProposed: false },
    };
    const rows: Proposal[] = [];
    for (let call = 0; call < 10; call++) {
      const got = await r.propose(digest, 8, { wait: () => {} });
      assert.ok(
        got.every((p) => p.source === SCREEN_SOURCE || p.source === SCREEN_GUESS_SOURCE),
        `only rows (and the best guess) while they are out: ${got.map((p) => p.source).join(', ')}`,
      );
      if (got.length === 0) break;
      rows.push(...got.filter((p) => p.source === SCREEN_SOURCE));
      digest.tried = [
        ...digest.tried,
        ...got.map((p) => ({ key: keyOf(p), title: p.title, status: 'pending' })),
      ];
    }
    const d = r.screeningDesign!;
    assert.equal(rows.length, d.rows - 1);
    rows.forEach((p, i) => r.observe(result(p, i, 3 - 0.02 * +factorsOn(d, set(p))[0])));
    const stack = await r.propose(digest, 8, { wait: () => {} });
    assert.deepEqual(
      stack.map((p) => p.source),
      [SCREEN_STACK_SOURCE],
    );
    assert.deepEqual(await r.propose(digest, 8, { wait: () => {} }), [], 'the stack is judged: all wait');
    r.observe({ ...result(stack[0], 99, 2.98), rung: 2, verdict: 'win' });
    const moved = { ...digest, baselineConfig: tryApply(base, set(stack[0]))! };
    const after = await r.propose(moved, 8, { wait: () => {} });
    assert.ok(
      after.some((p) => p.source === 'mixture-study'),
      `the mixture study starts on the new base: ${after.map((p) => p.source).join(', ')}`,
    );
  });

  it('proposes no stack when the fit selects nothing (all nulls)', async () => {
    const r = new OfflineResearcher({ seed: 4, screening: { rows: 16 } });
    const { rows, digest } = await allRows(r, []);
    const rng = mulberry32(9);
    rows.forEach((p, i) => r.observe(result(p, i, 3 + 0.003 * randNormal(rng))));
    const after = await r.propose(digest, 4);
    assert.ok(!after.some((p) => p.source === SCREEN_STACK_SOURCE));
  });

  it('proposes the stack even when it is one of the rows (a full factorial), and the engine admits it', async () => {
    const space = suiteDigest(base).searchSpace;
    const { study, step } = studyOf(sameFlopsCandidates().slice(0, 4));
    const tried = new Map<string, string>();
    const { proposals: out } = await step(new Set());
    const rows = out.filter((p) => p.source === SCREEN_SOURCE);
    const d = study.design!;
    assert.equal(d.factors.length, 4);
    assert.equal(rows.length, 15, 'the full factorial of 4 changes, less the base');
    const opts = { searchSpace: space, noiseKeys: DEFAULT_NOISE_KEYS, triedKeys: tried };
    rows.forEach((p, i) => {
      const a = admitProposal(p, base, opts);
      assert.ok(a.ok, a.ok ? '' : a.reason);
      tried.set(a.key, p.title);
      const on = factorsOn(d, set(p));
      study.observe(result(p, i, 3 + (on[0] ? -0.05 : 0) + (on[1] ? -0.04 : 0) + ((i * 7) % 5) * 1e-4));
    });
    const { proposals } = await step(new Set(tried.keys()));
    const stack = proposals.find((p) => p.source === SCREEN_STACK_SOURCE);
    assert.ok(stack, 'the stack of factors 0 and 1 is proposed although a row ran that config at rung 0');
    assert.deepEqual(factorsOn(d, set(stack)), [true, true, false, false]);
    const a = admitProposal(stack, base, opts);
    assert.ok(a.ok, `the engine admits it: ${a.ok ? '' : a.reason}`);
  });

  it('proposes its best guess first, once, under a FLOPs budget: every factor expected to help, together, one measurement at the top', async () => {
    const space = suiteDigest(base).searchSpace;
    const cands = sameFlopsCandidates().slice(0, 4);
    const make = (earlier: Set<string>) => studyOf(cands, (keys) => keys.filter((k) => earlier.has(k)));
    const { study, notes, step } = make(new Set());
    const first = await step(new Set());
    const guess = first.proposals[0];
    assert.equal(guess.source, SCREEN_GUESS_SOURCE, 'before the rows');
    assert.equal(guess.runAs, 'study-top');
    const d = study.design!;
    const helps = d.factors.map((f) => (f.expected ?? 0) < 0);
    assert.ok(helps.filter(Boolean).length >= 2);
    assert.deepEqual(factorsOn(d, set(guess)), helps, 'every factor the library expects to help');
    const expected = d.factors.reduce((a, f) => a + Math.min(0, f.expected ?? 0), 0);
    assert.ok(Math.abs(guess.expectedEffect - expected) < 1e-4);
    // admitted apart from the design's row of the same config and from the idea itself
    const opts = { searchSpace: space, noiseKeys: DEFAULT_NOISE_KEYS, triedKeys: new Map() };
    const keys = new Set(
      [guess, ...first.proposals.filter((p) => factorsOn(d, set(p)).join() === helps.join())].map(
        (p) => (admitProposal(p, base, opts) as { key: string }).key,
      ),
    );
    const idea = admitProposal({ ...guess, runAs: undefined }, base, opts);
    assert.ok(idea.ok && !keys.has(idea.key));
    assert.equal(
      keys.size,
      first.proposals.filter((p) => factorsOn(d, set(p)).join() === helps.join()).length,
    );
    // once: the next call proposes no second guess
    const again = await step(new Set());
    assert.ok(!again.proposals.some((p) => p.source === SCREEN_GUESS_SOURCE));
    // its value against the base's on the same seed goes to the journal once, when both are known
    study.observe({ ...result(guess, 0, 2.9), rung: 2 });
    await step(new Set(), () => undefined);
    assert.ok(!notes.some((m) => m.includes('best guess measured')), 'not before the base has that rung');
    await step(new Set(), (rung) => (rung === 2 ? 3.0 : undefined));
    await step(new Set(), (rung) => (rung === 2 ? 3.0 : undefined));
    const said = notes.filter((m) => m.includes('best guess measured 2.9000'));
    assert.equal(said.length, 1, notes.join('\n'));
    assert.match(said[0], /base's 3\.0000 on the same seed \(−0\.1000\)/);
    // an earlier session measured the same guess on this base: not again
    const key = (admitProposal(guess, base, opts) as { key: string }).key;
    const later = await make(new Set([key])).step(new Set());
    assert.ok(!later.proposals.some((p) => p.source === SCREEN_GUESS_SOURCE));
    assert.ok(
      later.proposals.some((p) => p.source === SCREEN_SOURCE),
      'the rows still run',
    );
    // under a wall-time budget its run would delay the design's fit: no guess, the rows alone
    const timed = await studyOf(cands, () => [], false).step(new Set());
    assert.ok(!timed.proposals.some((p) => p.source === SCREEN_GUESS_SOURCE));
    assert.ok(timed.proposals.some((p) => p.source === SCREEN_SOURCE));
    // the offline researcher runs it when the digest's budget is in FLOPs, and only then
    const firstOf = async (budget: { usedFlops: number; usedSeconds: number; totalFlops?: number }) =>
      (
        await new OfflineResearcher({ seed: 3, screening: { rows: 16 } }).propose(
          { ...suiteDigest(base), budget },
          4,
        )
      )[0]?.source;
    assert.equal(await firstOf({ usedFlops: 0, usedSeconds: 0, totalFlops: 1e15 }), SCREEN_GUESS_SOURCE);
    assert.equal(await firstOf({ usedFlops: 0, usedSeconds: 0 }), SCREEN_SOURCE);
  });

  it('leaves out the rows an earlier session ran and fits the rest by regression; skips a screen mostly run before', async () => {
    const cands = sameFlopsCandidates();
    const run = async (earlier: (keys: string[]) => string[]) => {
      const s = studyOf(cands, earlier);
      return { ...s, first: await s.step(new Set()) };
    };
    // one row of 15 ran in an earlier session
    const { study, notes, first, step } = await run((keys) => keys.slice(2, 3));
    first.proposals = first.proposals.filter((p) => p.source === SCREEN_SOURCE);
    assert.equal(first.proposals.length, 14, notes.join('\n'));
    assert.ok(notes.some((m) => m.includes('1 row(s) an earlier session ran are left out')));
    const d = study.design!;
    first.proposals.forEach((p, i) => {
      const on = factorsOn(d, set(p));
      study.observe(result(p, i, 3 + (on[0] ? -0.05 : 0) + (on[1] ? -0.04 : 0) + ((i * 7) % 5) * 1e-3));
    });
    const { proposals } = await step(new Set());
    const stack = proposals.find((p) => p.source === SCREEN_STACK_SOURCE);
    assert.ok(stack, notes.join('\n'));
    assert.ok(notes.some((m) => m.startsWith('screening study fitted') && m.includes('residual sd')));
    // a screen whose rows mostly ran before is a repeat: skipped
    const repeat = await run((keys) => keys.slice(0, 5));
    assert.equal(repeat.first.proposals.length, 0);
    assert.equal(repeat.study.design, undefined);
    assert.ok(repeat.notes.some((m) => m.includes('skipped: 5 of its 15 rows')));
  });

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
