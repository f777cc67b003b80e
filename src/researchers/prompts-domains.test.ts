/** What an LLM researcher reads about data domains: per-domain val bpb with standard errors and the mixture study. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../config/search-space.ts';
import type { Digest } from './base.ts';
import { compactDigest, SYSTEM_PROMPT } from './prompts.ts';

const digest: Digest = {
  sessionId: 's1',
  goal: 'valBpb',
  baselineConfig: resolveConfig({ preset: 'tiny' }),
  baseline: { mean: 3.1, std: 0.01, n: 3 },
  noiseFloor: [],
  best: undefined,
  recent: [],
  findings: [],
  tried: [],
  rejected: [],
  searchSpace: DEFAULT_SEARCH_SPACE,
  budget: { usedFlops: 0, usedSeconds: 0 },
  domains: [
    { name: 'code', weight: 0.2, valBpb: 2.5, se: 0.03, n: 3, rung: 1, unigramBpb: 5.1 },
    { name: 'prose', weight: 0.8, valBpb: 3.3, se: 0.02, n: 3, rung: 1, unigramBpb: 4.9 },
  ],
  mixture: {
    studyProposed: 5,
    studyFinished: 5,
    predictedProposed: false,
    prediction: {
      weights: { code: 0.4, prose: 0.6 },
      valBpb: 3.05,
      heldOut: { rmse: 0.004, meanRmse: 0.02, spearman: 0.9 },
      bestObserved: { weights: { code: 0.35, prose: 0.65 }, valBpb: 3.06 },
      baselineValBpb: 3.12,
      runs: 8,
      mixtures: 6,
      warnings: [],
    },
  },
};

describe('the digest as an LLM reads it', () => {
  it('carries each domain’s val bpb with its standard error, and the mixture study’s prediction with its held-out error', () => {
    const d = JSON.parse(compactDigest(digest)) as Record<string, unknown>;
    assert.deepEqual(d.domains, digest.domains);
    const m = d.mixture as { prediction: { weights: unknown; heldOut: unknown; valBpb: number } };
    assert.deepEqual(m.prediction.weights, { code: 0.4, prose: 0.6 });
    assert.deepEqual(m.prediction.heldOut, { rmse: 0.004, meanRmse: 0.02, spearman: 0.9 });
    assert.match(SYSTEM_PROMPT, /data\.mixture\.<domain>/);
  });

  it('leaves both out for a dataset without domains', () => {
    const d = JSON.parse(compactDigest({ ...digest, domains: undefined, mixture: undefined }));
    assert.equal(d.domains, undefined);
    assert.equal(d.mixture, undefined);
  });
});

describe('knob importance in the compact digest', () => {
  it('lists the knobs that explain val bpb across stored runs, with the runs each rests on', () => {
    const d: Digest = {
      ...digest,
      importance: [
        { key: 'optim.lr', importance: 0.41234, ci95: [0.3, 0.5], n: 120 },
        { key: 'model.position', importance: 0.2, ci95: [0.1, 0.3], n: 120 },
      ],
    };
    const parsed = JSON.parse(compactDigest(d)) as {
      importance: { key: string; share: number; n: number }[];
    };
    assert.deepEqual(parsed.importance[0], { key: 'optim.lr', share: 0.4123, n: 120 });
    assert.equal(parsed.importance.length, 2);
  });
});
