import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_NOISE_KEYS } from '../stats/seed-only.ts';
import { admitProposal } from '../research/core/proposals.ts';
import { mulberry32, randNormal } from '../stats/rng.ts';
import type { Proposal } from './base.ts';
import { OfflineResearcher } from './offline.ts';
import { suiteDigest } from './researcher-suite.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { isFlopMatched } from '../research/core/spec.ts';
import {
  factorsOn,
  SCREEN_FOLLOW_UP_SOURCE,
  SCREEN_GUESS_SOURCE,
  SCREEN_SOURCE,
  SCREEN_STACK_SOURCE,
} from './screening-design.ts';
import { tryApply, withMixtureKnobs } from './config-diff.ts';
import { allRows, base, keyOf, result, set, studyOf } from './screening-test-kit.ts';

/** The library's candidates on the base at its FLOPs per token, nothing tried: a design's factors. */
const sameFlopsCandidates = () =>
  libraryCandidates(IDEA_LIBRARY, base, { vocabSize: 2048, domains: [] }, suiteDigest(base).searchSpace, {
    avoidKeys: new Set(),
    triedTitles: new Set(),
    rejectedTitles: new Set(),
  }).filter((c) => !isFlopMatched(c.proposal.cost ?? 1));

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
});
