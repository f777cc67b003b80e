import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig, validateConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { applyConfigSet, ideaKey, outsideSpace, withMixtureKnobs } from './config-diff.ts';
import { IDEA_LIBRARY, type IdeaContext } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { worstDomains } from './mixture-ideas.ts';
import { FLOPS_TOLERANCE, SHAPE_IDEAS } from './shape-trades.ts';

const DOMAINS = [
  { name: 'news', trainTokens: 300_000, valBpb: 2.4, unigramBpb: 3.2 },
  { name: 'sentences', trainTokens: 2_900_000, valBpb: 2.2, unigramBpb: 3.22 },
  { name: 'code', trainTokens: 410_000, valBpb: 2.3, unigramBpb: 2.72 },
];
const PRESETS = ['tiny', 'small', 'gpt2-124m'];
const ctxFor = (c: TrainConfig): IdeaContext => ({ vocabSize: c.data.vocabSize ?? 2048, domains: DOMAINS });
const SPACE = withMixtureKnobs(
  DEFAULT_SEARCH_SPACE,
  DOMAINS.map((d) => d.name),
);
const noFilter = () => ({
  avoidKeys: new Set<string>(),
  triedTitles: new Set<string>(),
  rejectedTitles: new Set<string>(),
});
const setOf = (p: { change: { kind: string; set?: Record<string, unknown> } }) => p.change.set ?? {};

describe('idea library', () => {
  it('gives every applicable idea a diff that validates against the TrainConfig schema on each preset', () => {
    for (const preset of PRESETS) {
      const base = resolveConfig({ preset });
      for (const idea of IDEA_LIBRARY) {
        if (!idea.applies(base, ctxFor(base))) continue;
        const set = idea.change(base, ctxFor(base));
        assert.doesNotThrow(
          () => validateConfig(applyConfigSet(base, set)),
          `${preset}: ${idea.id} ${JSON.stringify(set)}`,
        );
        assert.ok(!('seed' in set), `${idea.id} touches the seed`);
      }
    }
  });

  it('proposes most of the library on the small preset, inside the search space, best gain per FLOP first', () => {
    const base = resolveConfig({ preset: 'small' });
    const cands = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), SPACE, noFilter());
    assert.ok(cands.length >= 18, `only ${cands.length} candidates`);
    assert.equal(cands[0].idea.id, 'muon');
    const ranks = cands.map((c) => c.proposal.expectedEffect / c.proposal.cost!);
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    for (const c of cands) assert.equal(outsideSpace(SPACE, setOf(c.proposal)), undefined, c.idea.id);
  });

  it('does not propose RoPE, Muon or ReLU² when the best already has them, and Muon gets its own LRs', () => {
    const plain = resolveConfig({ preset: 'small' });
    const muon = libraryCandidates(IDEA_LIBRARY, plain, ctxFor(plain), SPACE, noFilter()).find(
      (c) => c.idea.id === 'muon',
    )!;
    const lr = setOf(muon.proposal)['optim.lr'] as number;
    assert.ok(lr >= 0.02 && lr <= 0.05, `Muon LR ${lr}`);
    const gpt2 = resolveConfig({ preset: 'gpt2-124m' });
    const m2 = IDEA_LIBRARY.find((i) => i.id === 'muon')!.change(gpt2, ctxFor(gpt2));
    assert.equal(m2['optim.adamLr'], 6e-4, 'the AdamW group keeps the LR it was tuned with');

    const best = resolveConfig({
      preset: 'small',
      sets: ['model.position=rope', 'optim.name=muon', 'optim.lr=0.02', 'model.activation=relu2'],
    });
    const ids = libraryCandidates(IDEA_LIBRARY, best, ctxFor(best), SPACE, noFilter()).map((c) => c.idea.id);
    for (const gone of ['rope', 'muon', 'relu2']) assert.ok(!ids.includes(gone), `${gone} proposed again`);
    assert.ok(ids.includes('adam-lr-x2'), 'Muon-only ideas appear once Muon is the best');
    const lrx2 = libraryCandidates(IDEA_LIBRARY, best, ctxFor(best), SPACE, noFilter()).find(
      (c) => c.idea.id === 'lr-x2',
    )!;
    assert.deepEqual(setOf(lrx2.proposal), { 'optim.lr': 0.04 }, 'under Muon, LR x2 moves the Muon LR only');
  });

  it('skips ideas whose key was already tried and halves the expected effect of a re-test on a new best', () => {
    const base = resolveConfig({ preset: 'small' });
    const all = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), SPACE, noFilter());
    const avoidKeys = new Set(all.slice(0, 3).map((c) => c.key));
    const rest = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), SPACE, { ...noFilter(), avoidKeys });
    assert.equal(rest.length, all.length - 3);
    assert.ok(rest.every((c) => !avoidKeys.has(c.key)));
    const retest = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), SPACE, {
      ...noFilter(),
      triedTitles: new Set(['QK-norm']),
    });
    assert.equal(retest.find((c) => c.idea.id === 'qk-norm')!.proposal.expectedEffect, -0.002);
  });

  it('keeps ideas inside narrower search space bounds and drops paths the space lacks', () => {
    const base = resolveConfig({ preset: 'small' });
    const narrow = {
      knobs: [{ path: 'optim.lr', type: 'float' as const, low: 1e-3, high: 4e-3, log: true }],
    };
    const ids = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), narrow, noFilter()).map((c) => c.idea.id);
    assert.deepEqual(
      ids,
      ['lr-x0.5'],
      'LR x2 (6e-3) is out of bounds; every other idea touches another knob',
    );
  });

  it('keeps FLOPs/token within ±10 % in width/depth trades, with width divisible by heads and an even head size', () => {
    for (const preset of PRESETS) {
      const base = resolveConfig({ preset });
      const V = base.data.vocabSize ?? 2048;
      for (const idea of SHAPE_IDEAS) {
        assert.ok(idea.applies(base, ctxFor(base)), `${preset}: ${idea.id} found no shape`);
        const next = validateConfig(applyConfigSet(base, idea.change(base, ctxFor(base))));
        const ratio = flopsPerToken(next.model, V) / flopsPerToken(base.model, V);
        assert.ok(Math.abs(ratio - 1) <= FLOPS_TOLERANCE, `${preset} ${idea.id}: FLOPs ratio ${ratio}`);
        assert.equal(next.model.width % next.model.heads, 0);
        assert.equal((next.model.width / next.model.heads) % 2, 0);
        assert.notEqual(next.model.depth, base.model.depth);
        if (idea.id === 'deeper-narrower')
          assert.ok(next.model.depth > base.model.depth && next.model.width < base.model.width);
        else assert.ok(next.model.depth < base.model.depth && next.model.width > base.model.width);
      }
    }
  });

  it('re-weights the mixture: equal weights, and the worst domains relative to their unigram bpb upweighted', () => {
    const base = resolveConfig({ preset: 'small' });
    const byId = Object.fromEntries(
      libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), SPACE, noFilter()).map((c) => [
        c.idea.id,
        setOf(c.proposal),
      ]),
    );
    assert.deepEqual(byId['mixture-equal'], {
      'data.mixture.news': 0.333,
      'data.mixture.sentences': 0.333,
      'data.mixture.code': 0.333,
    });
    assert.deepEqual(worstDomains(DOMAINS), ['code'], 'code: 2.3 / 2.72 is the least learned beyond unigram');
    const up = byId['mixture-upweight-worst'];
    const sizeShare = 410_000 / 3_610_000;
    assert.ok((up['data.mixture.code'] as number) > 1.7 * sizeShare, 'x2, then renormalised');
    assert.equal(byId['mixture-by-size'], undefined, 'already size-proportional');
    const noMixKnobs = libraryCandidates(IDEA_LIBRARY, base, ctxFor(base), DEFAULT_SEARCH_SPACE, noFilter());
    assert.ok(
      noMixKnobs.every((c) => !c.idea.id.startsWith('mixture')),
      'no mixture idea without mixture knobs',
    );
  });

  it('keys an idea by the configHash of the base with the change applied, as `--set` would resolve it', () => {
    const base = resolveConfig({ preset: 'small' });
    const viaSets = resolveConfig({ preset: 'small', sets: ['model.position=rope', 'optim.lr=0.006'] });
    assert.equal(
      ideaKey(base, { kind: 'config', set: { 'model.position': 'rope', 'optim.lr': 0.006 } }),
      configHash(viaSets),
    );
    assert.equal(ideaKey(base, { seed: 7 }), configHash(base), 'a seed-only change is the base itself');
  });
});
