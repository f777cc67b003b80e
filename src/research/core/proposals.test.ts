import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configHash, resolveConfig } from '../../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE, sizedToRun } from '../../config/search-space.ts';
import type { Proposal } from '../../researchers/base.ts';
import { admitProposal } from './proposals.ts';

const base = resolveConfig({ preset: 'small' });
const opts = { searchSpace: DEFAULT_SEARCH_SPACE, noiseKeys: ['seed'], triedKeys: new Map<string, string>() };
const prop = (set: Record<string, unknown>): Proposal => ({
  title: 't',
  hypothesis: 'h',
  change: { kind: 'config', set },
  expectedEffect: -0.01,
  source: 'test',
});

describe('admitting proposals', () => {
  it('resolves a valid change into a config, a dedup key and a relative cost', () => {
    const a = admitProposal(prop({ 'model.depth': 6, 'model.width': 104, 'model.heads': 4 }), base, opts);
    assert.ok(a.ok);
    assert.equal(a.config.model.depth, 6);
    assert.equal(a.key, configHash(a.config));
    assert.ok(a.cost > 0.8 && a.cost < 1.3);
  });

  it('refuses what would game the metric or the budget', () => {
    for (const k of ['budget.seconds', 'train.finalEvalTokensPerDomain', 'data.dir', 'trainer.command']) {
      const a = admitProposal(prop({ [k]: 1 }), base, opts);
      assert.ok(!a.ok && /not the researcher's/.test(a.reason), k);
    }
  });

  it('refuses values outside the search space and invalid configs, naming them', () => {
    const a = admitProposal(prop({ 'optim.lr': 5 }), base, opts);
    assert.ok(!a.ok && /optim\.lr=5 is outside/.test(a.reason));
    const b = admitProposal(prop({ 'model.heads': 3 }), base, opts);
    assert.ok(!b.ok && /not divisible/.test(b.reason), !b.ok ? b.reason : '');
  });

  it("refuses a warmup past half the session's full run and a batch that leaves too few steps", () => {
    const sized = { ...opts, searchSpace: sizedToRun(DEFAULT_SEARCH_SPACE, 110_592, base) };
    const long = admitProposal(prop({ 'schedule.warmupTokens': 110_592 }), base, sized);
    assert.ok(
      !long.ok && /schedule\.warmupTokens=110592 is outside/.test(long.reason),
      !long.ok ? long.reason : '',
    );
    assert.ok(admitProposal(prop({ 'schedule.warmupTokens': 32_768 }), base, sized).ok);
    // nor a batch that leaves the run 3 optimizer steps
    const big = admitProposal(prop({ 'train.batchTokens': 32_768 }), base, sized);
    assert.ok(!big.ok && /train\.batchTokens=32768 is outside/.test(big.reason));
  });

  it('refuses seed-only, empty and no-op changes, and ideas already tried', () => {
    assert.ok(!admitProposal(prop({ seed: 3 }), base, opts).ok);
    assert.ok(!admitProposal(prop({}), base, opts).ok);
    assert.ok(!admitProposal(prop({ 'optim.lr': base.optim.lr }), base, opts).ok);
    const first = admitProposal(prop({ 'optim.lr': 0.001 }), base, opts);
    assert.ok(first.ok);
    const tried = new Map([[first.key, 'lr, session s-1']]);
    const again = admitProposal(prop({ 'optim.lr': 0.001 }), base, { ...opts, triedKeys: tried });
    assert.ok(!again.ok && /already tried \(lr, session s-1\)/.test(again.reason));
  });
});
