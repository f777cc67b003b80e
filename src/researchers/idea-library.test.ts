import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig, validateConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { applyConfigSet, ideaKey, outsideSpace, roundSig, withMixtureKnobs } from './config-diff.ts';
import { IDEA_LIBRARY, type IdeaContext } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { worstDomains } from './mixture-ideas.ts';
import { FLOPS_TOLERANCE, SHAPE_IDEAS } from './shape-trades.ts';
import { vocabOf } from '../config/train-config.ts';

const DOMAINS = [
  { name: 'news', trainTokens: 300_000, valBpb: 2.4, unigramBpb: 3.2 },
  { name: 'sentences', trainTokens: 2_900_000, valBpb: 2.2, unigramBpb: 3.22 },
  { name: 'code', trainTokens: 410_000, valBpb: 2.3, unigramBpb: 2.72 },
];
const PRESETS = ['tiny', 'small', 'gpt2-124m'];
const ctxFor = (c: TrainConfig): IdeaContext => ({ vocabSize: vocabOf(c), domains: DOMAINS });
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

/**
 * A GPT-2-style starting point on the `small` shape, pinned here so these tests do not depend on what the
 * preset happens to contain: AdamW 3e-3, GELU, LayerNorm, learned positions, cosine, tied head, no QK-norm
 * or softcap, so that every architecture and optimizer idea (Muon, RoPE, ReLU², RMSNorm, ...) applies.
 */
const CLASSIC_SETS = [
  'optim.name=adamw',
  'optim.lr=0.003',
  'optim.adamLr=0.003',
  'optim.weightDecay=0.1',
  'model.activation=gelu',
  'model.norm=layernorm',
  'model.position=learned',
  'model.qkNorm=false',
  'model.logitSoftcap=0',
  'model.tiedEmbeddings=true',
  'model.zeroInitProj=false',
  'model.seqLen=128',
  'train.batchTokens=8192',
  'schedule.name=cosine',
  'schedule.warmupTokens=32768',
];
const classic = (extra: string[] = []) =>
  resolveConfig({ preset: 'small', sets: [...CLASSIC_SETS, ...extra] });

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

  it('proposes most of the library on an AdamW/GELU/LayerNorm base, inside the search space, best gain per FLOP first', () => {
    const base = classic();
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

  it('proposes a useful set of applicable ideas on the shipped CPU presets, all inside the space', () => {
    for (const preset of ['tiny', 'small']) {
      const base = resolveConfig({ preset });
      const ctx = ctxFor(base);
      const cands = libraryCandidates(IDEA_LIBRARY, base, ctx, SPACE, noFilter());
      const ids = cands.map((c) => c.idea.id);
      assert.ok(cands.length >= 10, `${preset}: only ${cands.length} candidates (${ids.join(', ')})`);
      assert.equal(new Set(cands.map((c) => c.key)).size, cands.length, `${preset}: two ideas, one config`);
      for (const c of cands) {
        const set = setOf(c.proposal);
        assert.ok(c.idea.applies(base, ctx), `${preset}: ${c.idea.id} does not apply`);
        assert.ok(Object.keys(set).length > 0, `${preset}: ${c.idea.id} changes nothing`);
        assert.equal(outsideSpace(SPACE, set), undefined, `${preset}: ${c.idea.id}`);
        assert.doesNotThrow(() => validateConfig(applyConfigSet(base, set)), `${preset}: ${c.idea.id}`);
        assert.ok(Number.isFinite(c.proposal.cost) && c.proposal.cost! > 0, `${preset}: ${c.idea.id} cost`);
      }
      // switches the preset already has are not proposed again
      const has: Record<string, boolean> = {
        muon: base.optim.name === 'muon',
        relu2: base.model.activation === 'relu2',
        rmsnorm: base.model.norm === 'rmsnorm',
        rope: base.model.position === 'rope',
        'adam-lr-x2': base.optim.name !== 'muon',
        'adam-lr-x0.5': base.optim.name !== 'muon',
      };
      for (const [id, gone] of Object.entries(has))
        if (gone) assert.ok(!ids.includes(id), `${preset}: ${id}`);
      // LR probes step from the preset's own LR (under Muon: the Muon LR only)
      const lrSet = (id: string) => cands.find((c) => c.idea.id === id)?.proposal.change.set;
      const half = lrSet('lr-x0.5');
      assert.ok(half, `${preset}: no LR x0.5`);
      assert.equal(half['optim.lr'], roundSig(base.optim.lr / 2));
      const double = lrSet('lr-x2');
      if (base.optim.name === 'muon') {
        assert.deepEqual(half, { 'optim.lr': roundSig(base.optim.lr / 2) }, 'the AdamW group stays');
        if (double) assert.deepEqual(double, { 'optim.lr': roundSig(base.optim.lr * 2) });
      }
    }
  });

  it('does not propose RoPE, Muon or ReLU² when the best already has them, and Muon gets its own LRs', () => {
    const plain = classic();
    const muon = libraryCandidates(IDEA_LIBRARY, plain, ctxFor(plain), SPACE, noFilter()).find(
      (c) => c.idea.id === 'muon',
    )!;
    const lr = setOf(muon.proposal)['optim.lr'] as number;
    assert.ok(lr >= 0.02 && lr <= 0.05, `Muon LR ${lr}`);
    const gpt2 = resolveConfig({ preset: 'gpt2-124m' });
    const m2 = IDEA_LIBRARY.find((i) => i.id === 'muon')!.change(gpt2, ctxFor(gpt2));
    assert.equal(m2['optim.adamLr'], 6e-4, 'the AdamW group keeps the LR it was tuned with');

    // what the Muon idea makes of the classic base (the AdamW group keeps 3e-3), plus RoPE and ReLU²
    const best = classic([
      'model.position=rope',
      'optim.name=muon',
      'optim.lr=0.02',
      'model.activation=relu2',
    ]);
    const ids = libraryCandidates(IDEA_LIBRARY, best, ctxFor(best), SPACE, noFilter()).map((c) => c.idea.id);
    for (const gone of ['rope', 'muon', 'relu2']) assert.ok(!ids.includes(gone), `${gone} proposed again`);
    assert.ok(ids.includes('adam-lr-x2'), 'Muon-only ideas appear once Muon is the best');
    const lrx2 = libraryCandidates(IDEA_LIBRARY, best, ctxFor(best), SPACE, noFilter()).find(
      (c) => c.idea.id === 'lr-x2',
    )!;
    assert.deepEqual(setOf(lrx2.proposal), { 'optim.lr': 0.04 }, 'under Muon, LR x2 moves the Muon LR only');
  });

  it('skips ideas whose key was already tried and halves the expected effect of a re-test on a new best', () => {
    const base = classic(); // no QK-norm yet
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
    const base = classic(); // AdamW, optim.lr 3e-3
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
      const V = vocabOf(base);
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
