/** The offline researcher's mixture study, as pure proposals from a digest (mixture-study.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { Digest, MixtureDigest } from './base.ts';
import { withMixtureKnobs } from './config-diff.ts';
import { mixtureStudyProposals } from './mixture-study.ts';

const domains = [
  { name: 'code', trainTokens: 100 },
  { name: 'news', trainTokens: 300 },
  { name: 'prose', trainTokens: 600 },
];
const space = withMixtureKnobs(
  DEFAULT_SEARCH_SPACE,
  domains.map((d) => d.name),
);
const base = resolveConfig({ preset: 'tiny' });
const prediction: NonNullable<MixtureDigest['prediction']> = {
  weights: { code: 0.5, news: 0.2, prose: 0.3 },
  valBpb: 3.01,
  heldOut: { rmse: 0.004, meanRmse: 0.02, spearman: 0.8 },
  bestObserved: { weights: { code: 0.4, news: 0.3, prose: 0.3 }, valBpb: 3.03 },
  baselineValBpb: 3.05,
  runs: 12,
  mixtures: 6,
  warnings: [],
};
const propose = (mixture: MixtureDigest | undefined, n = 2) =>
  mixtureStudyProposals({
    digest: { mixture } as Digest,
    base,
    domains,
    space,
    n,
    seed: 3,
    avoidKeys: new Set(),
    rejectedTitles: new Set(),
  });
const state = (o: Partial<MixtureDigest>): MixtureDigest => ({
  studyProposed: 0,
  studyFinished: 0,
  predictedProposed: false,
  ...o,
});

describe('mixture study proposals', () => {
  it('proposes random mixtures summing to 1, the same ones for the same digest (resume)', () => {
    const a = propose(state({}));
    assert.equal(a.length, 2);
    for (const c of a) {
      assert.equal(c.proposal.source, 'mixture-study');
      const w = Object.values(c.proposal.change.kind === 'config' ? c.proposal.change.set : {}) as number[];
      assert.equal(w.length, 3);
      assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 0.01 && w.every((x) => x >= 0.019));
    }
    assert.deepEqual(propose(state({})), a);
    assert.match(a[1].proposal.title, /^Mixture study point 2\/4: code 0\.\d\d/);
  });

  it('waits for every study run, then proposes the predicted mixture once, with its prediction and held-out error', () => {
    assert.deepEqual(propose(state({ studyProposed: 4, studyFinished: 3, prediction })), []);
    const [c] = propose(state({ studyProposed: 4, studyFinished: 4, prediction }));
    assert.equal(c.proposal.source, 'mixture-regression');
    assert.deepEqual(c.proposal.change, {
      kind: 'config',
      set: { 'data.mixture.code': 0.5, 'data.mixture.news': 0.2, 'data.mixture.prose': 0.3 },
    });
    assert.match(c.proposal.hypothesis, /predicts val bpb 3\.0100 .* vs 3\.0500 measured for the baseline/);
    assert.match(
      c.proposal.hypothesis,
      /held-out RMSE 0\.0040 \(better than the 0\.0200 of predicting the mean\)/,
    );
    assert.equal(c.proposal.expectedEffect, -0.04);
    assert.deepEqual(
      propose(state({ studyProposed: 5, studyFinished: 5, prediction, predictedProposed: true })),
      [],
    );
  });

  it('replaces study points lost to the monitor, a few at most, and does nothing on one domain or without a study', () => {
    const lost = { studyLost: 1, missing: 'too few' };
    assert.equal(propose(state({ studyProposed: 4, studyFinished: 4, ...lost })).length, 1);
    assert.deepEqual(propose(state({ studyProposed: 7, studyFinished: 7, ...lost })), []);
    assert.deepEqual(
      propose(state({ studyProposed: 4, studyFinished: 4, missing: 'too few' })),
      [],
      'nothing lost: the prediction is only late (the store lags the state), no extra point',
    );
    assert.deepEqual(propose(undefined), []);
    assert.deepEqual(
      mixtureStudyProposals({
        digest: { mixture: state({}) } as Digest,
        base,
        domains: domains.slice(0, 1),
        space,
        n: 2,
        seed: 3,
        avoidKeys: new Set(),
        rejectedTitles: new Set(),
      }),
      [],
    );
  });
});
