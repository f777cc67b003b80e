import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { rungRunConfig } from './run-trial.ts';

const config = resolveConfig({ preset: 'tiny', sets: ['train.finalEvalTokensPerDomain=16384'] });
const spec = { rungTokens: [1000, 3000, 9000] };

describe('a rung run config', () => {
  it("asks a base's run below the top, and no other, to score the top's eval size too", () => {
    const at = (rung: number, scoreForLaw: boolean) =>
      rungRunConfig(config, {
        seed: 1000,
        rung,
        tokens: spec.rungTokens[rung],
        cost: 1,
        rungTokens: spec.rungTokens,
        baseFlopsPerToken: 10,
        scoreForLaw,
      }).train;
    assert.deepEqual(
      [at(1, true).finalEvalTokensPerDomain, at(1, true).alsoEvalTokensPerDomain],
      [4096, 16384],
    );
    assert.equal(at(1, false).alsoEvalTokensPerDomain, undefined, 'an idea ranked at a lower rung');
    assert.deepEqual(
      [at(2, true).finalEvalTokensPerDomain, at(2, true).alsoEvalTokensPerDomain],
      [16384, undefined],
    );
  });
});
