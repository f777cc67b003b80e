import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig, validateConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE, type SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Digest, Proposal, ResultSummary } from './base.ts';
import { applyConfigSet, ideaKey, outsideSpace, withMixtureKnobs } from './config-diff.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { OfflineResearcher } from './offline.ts';
import { Rng } from './rng.ts';
import { objective, tpeKnobs, tpeObservations } from './tpe-proposals.ts';

const DOMAINS = ['news', 'sentences', 'code'];
const SPACE = withMixtureKnobs(DEFAULT_SEARCH_SPACE, DOMAINS);

function digestFor(base: TrainConfig, tried: Digest['tried'], space: SearchSpace = SPACE): Digest {
  return {
    sessionId: 's-test',
    goal: 'valBpb',
    baselineConfig: base,
    baseline: { mean: 2.5, std: 0.01, n: 3 },
    noiseFloor: [{ rung: 0, budgetTokens: 1e5, std: 0.01, n: 3 }],
    best: undefined,
    recent: [],
    findings: [],
    tried,
    rejected: [],
    searchSpace: space,
    budget: { usedFlops: 0, usedSeconds: 0 },
  };
}

/** A made-up landscape: an LR optimum at 6e-3 (log scale), Muon and RoPE help, a high weight decay hurts. */
function syntheticBpb(c: TrainConfig): number {
  const lr = c.optim.name === 'muon' ? c.optim.adamLr : c.optim.lr;
  return (
    2.5 +
    0.05 * (Math.log10(lr) - Math.log10(6e-3)) ** 2 +
    (c.optim.name === 'muon' ? -0.03 : 0) +
    (c.model.position === 'rope' ? -0.01 : 0) +
    0.05 * c.optim.weightDecay
  );
}

/** The engine's side of a session, reduced to what the researcher sees: propose, run, observe. */
async function simulate(r: OfflineResearcher, base: TrainConfig, proposals: number, seed = 5) {
  const noise = new Rng(seed);
  const tried: Digest['tried'] = [];
  const results: ResultSummary[] = [];
  const made: Proposal[] = [];
  while (made.length < proposals) {
    const batch = await r.propose(digestFor(base, tried), 2);
    if (batch.length === 0) break;
    for (const p of batch) {
      const set = p.change.kind === 'config' ? p.change.set : {};
      const next = validateConfig(applyConfigSet(base, set));
      const id = `p${String(made.length).padStart(3, '0')}`;
      made.push(p);
      tried.push({ title: p.title, key: ideaKey(base, set) });
      const delta = syntheticBpb(next) - syntheticBpb(base) + 0.005 * noise.normal();
      const rung = made.length % 3 === 0 ? 1 : 0;
      const res: ResultSummary = {
        proposalId: id,
        title: p.title,
        change: p.change,
        source: p.source,
        rung,
        status: 'completed',
        delta,
        valBpb: { mean: 2.5 + delta, std: 0.01, n: 1 },
        runIds: [],
      };
      results.push(res);
      r.observe(res);
    }
  }
  return { made, tried, results };
}

describe('offline researcher', () => {
  it('mixes one TPE point into every three proposals until the library is spent, then runs TPE alone', async () => {
    const base = resolveConfig({ preset: 'small' });
    const domains = DOMAINS.map((name) => ({ name }));
    const nLibrary = libraryCandidates(IDEA_LIBRARY, base, { vocabSize: 2048, domains }, SPACE, {
      avoidKeys: new Set([configHash(base)]),
      triedTitles: new Set(),
      rejectedTitles: new Set(),
    }).length;
    assert.ok(nLibrary >= 10 && nLibrary <= 30, `${nLibrary} library ideas apply to the preset`);
    const { made, tried } = await simulate(new OfflineResearcher({ seed: 1, domains: DOMAINS }), base, 40);
    assert.equal(made.length, 40);
    const firstTpe = made.findIndex((p) => p.source === 'tpe');
    assert.ok(firstTpe >= 1 && firstTpe <= 3, `first TPE point at ${firstTpe}`);
    const lastLib = made.map((p) => p.source).lastIndexOf('library');
    assert.equal(made.filter((p) => p.source === 'library').length, nLibrary, 'the whole library is tried');
    const mixed = made.slice(0, lastLib + 1).filter((p) => p.source === 'tpe').length;
    assert.ok(Math.abs(mixed - (lastLib + 1) / 3) <= 2, `${mixed} TPE points among the first ${lastLib + 1}`);
    assert.ok(made.slice(lastLib + 1).every((p) => p.source === 'tpe'));
    const libraryFirst = await simulate(
      new OfflineResearcher({ seed: 1, domains: DOMAINS, exploreEvery: 0 }),
      base,
      nLibrary + 2,
    );
    assert.equal(
      libraryFirst.made.findIndex((p) => p.source === 'tpe'),
      nLibrary,
      'exploreEvery 0: library first',
    );
    assert.equal(new Set(tried.map((t) => t.key)).size, tried.length, 'no idea proposed twice');
    for (const p of made) {
      const set = p.change.kind === 'config' ? p.change.set : {};
      assert.ok(Object.keys(set).length > 0 && !('seed' in set), p.title);
      assert.equal(outsideSpace(SPACE, set), undefined, p.title);
      assert.ok(Number.isFinite(p.expectedEffect) && p.hypothesis.length > 20);
    }
    const model = made.filter((p) => p.source === 'tpe' && !p.tags?.includes('random'));
    assert.ok(model.length > 0 && model.every((p) => /not a calibrated prediction/.test(p.hypothesis)));
  });

  it('re-evaluates the library against a new best: no RoPE once the best has RoPE', async () => {
    const r = new OfflineResearcher({ seed: 1 });
    const before = await r.propose(
      digestFor(resolveConfig({ preset: 'small', sets: ['model.position=learned'] }), []),
      30,
    );
    assert.ok(before.some((p) => p.title === 'Rotary position embeddings'));
    const after = await r.propose(
      digestFor(resolveConfig({ preset: 'small', sets: ['model.position=rope'] }), []),
      30,
    );
    assert.ok(!after.some((p) => p.title === 'Rotary position embeddings'));
  });

  it('holds the re-test of an idea on a new base while the same idea is still judged on the old one', async () => {
    const preset = resolveConfig({ preset: 'small', sets: ['model.position=learned'] });
    const rope = 'Rotary position embeddings';
    const newBase = validateConfig(applyConfigSet(preset, { 'model.tiedEmbeddings': false }));
    // RoPE on the preset, at the top rung, its verdict pending (more seeds or its confirmation running)
    const judged: ResultSummary = {
      proposalId: 'p1',
      title: rope,
      change: { kind: 'config', set: { 'model.position': 'rope' } },
      source: 'library',
      rung: 2,
      status: 'running',
      verdict: 'pending',
      runIds: [],
    };
    const titles = async (r: OfflineResearcher) =>
      (await r.propose(digestFor(newBase, [{ title: rope, key: 'k-p1' }]), 30)).map((p) => p.title);
    const r = new OfflineResearcher({ seed: 1 });
    r.observe(judged);
    assert.ok(!(await titles(r)).includes(rope), 'held while its verdict is pending');
    const later = new OfflineResearcher({ seed: 1 });
    later.observe(judged);
    later.observe({ ...judged, status: 'completed', verdict: 'inconclusive' });
    assert.ok((await titles(later)).includes(rope), 're-tested once the verdict is in');
  });

  it('is deterministic given a seed, and another seed searches elsewhere', async () => {
    const base = resolveConfig({ preset: 'small' });
    const changes = async (seed: number) =>
      (await simulate(new OfflineResearcher({ seed }), base, 36)).made.map((p) => JSON.stringify(p.change));
    assert.deepEqual(await changes(3), await changes(3));
    assert.notDeepEqual((await changes(3)).slice(-6), (await changes(4)).slice(-6));
  });

  it('resumes: a new researcher replayed the same observe() calls proposes the same next proposals', async () => {
    const base = resolveConfig({ preset: 'small' });
    const live = new OfflineResearcher({ seed: 9, domains: DOMAINS });
    const { tried, results } = await simulate(live, base, 32);
    const rebuilt = new OfflineResearcher({ seed: 9, domains: DOMAINS });
    for (const res of [...results].reverse()) rebuilt.observe(res); // replay order need not match
    const d = digestFor(base, tried);
    const a = await live.propose(d, 3);
    const b = await rebuilt.propose(d, 3);
    assert.equal(a.length, 3);
    assert.ok(a.every((p) => p.source === 'tpe'));
    assert.deepEqual(b, a);
  });

  it('keeps TPE proposals inside the space even when the best is not, and copes with knobs the config leaves unset', async () => {
    const base = resolveConfig({ preset: 'gpt2-124m' }); // batchTokens 524288 is above the space's 32768
    const space: SearchSpace = {
      knobs: [
        ...DEFAULT_SEARCH_SPACE.knobs,
        { path: 'train.microBatchTokens', type: 'int', low: 1024, high: 16384, log: true },
      ],
    };
    const r = new OfflineResearcher({ seed: 2, library: [], tpe: { nStartup: 4 } });
    const tried: Digest['tried'] = [];
    for (let i = 0; i < 12; i++) {
      const [p] = await r.propose(digestFor(base, tried, space), 1);
      const set = p.change.kind === 'config' ? p.change.set : {};
      assert.equal(outsideSpace(space, set), undefined, JSON.stringify(set));
      assert.equal(p.source, 'tpe');
      assert.doesNotThrow(() => validateConfig(applyConfigSet(base, set)));
      tried.push({ title: p.title, key: ideaKey(base, set) });
      r.observe({
        proposalId: `p${i}`,
        title: p.title,
        change: p.change,
        source: 'tpe',
        rung: 0,
        status: i % 4 === 3 ? 'diverged' : 'completed',
        delta: i % 4 === 3 ? undefined : 0.01 * Math.sin(i),
        runIds: [],
      });
    }
  });

  it('scores results by their delta at the highest rung, failures as worst, and ignores changes TPE cannot explain', () => {
    const base = resolveConfig({ preset: 'small' });
    const knobs = tpeKnobs(SPACE);
    const mk = (over: Partial<ResultSummary>): ResultSummary => ({
      proposalId: 'x',
      title: 't',
      change: { kind: 'config', set: { 'optim.lr': 0.01 } },
      source: 'tpe',
      rung: 0,
      status: 'completed',
      runIds: [],
      ...over,
    });
    assert.equal(objective(mk({ delta: -0.01 })), -0.01);
    assert.equal(objective(mk({ status: 'diverged' })), Infinity);
    assert.equal(objective(mk({ status: 'stopped', delta: 0.02 })), 0.02);
    assert.equal(objective(mk({ status: 'running' })), undefined);
    const obs = tpeObservations(
      [
        mk({ delta: -0.01 }),
        mk({ change: { kind: 'config', set: { 'model.depth': 6, 'model.width': 104 } }, delta: -0.02 }),
      ],
      base,
      knobs,
    );
    assert.equal(
      obs.length,
      2,
      'the current best (delta 0) and the LR result; the shape trade is not TPE data',
    );
    assert.equal(obs[1].point['optim.lr'], 0.01);
    assert.equal(obs[1].point['model.norm'], base.model.norm, 'unset knobs read from the current best');
    assert.equal(obs[1].point['optim.name'], base.optim.name, 'unset knobs read from the current best');
    assert.equal(obs[0].point['optim.lr'], base.optim.lr, 'the current best is observation 0');

    const r = new OfflineResearcher({ seed: 1 });
    r.observe(mk({ rung: 1, delta: -0.03 }));
    r.observe(mk({ rung: 0, delta: 0.05 })); // a late replay of a lower rung does not overwrite
    assert.equal((r as unknown as { results: Map<string, ResultSummary> }).results.get('x')!.delta, -0.03);
  });
});
