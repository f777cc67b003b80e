import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/resolve.ts';
import { SessionSpec } from '../research/core/spec.ts';
import { checkOptions, monitorParams, ruleSpec, type ResearchOptions } from './research-options.ts';

const opts = (o: Partial<ResearchOptions> = {}): ResearchOptions => ({
  researcher: 'offline',
  budget: '8m',
  parallel: 2,
  executor: 'local',
  set: [],
  rungs: 3,
  eta: 3,
  seeds: 3,
  seed: 0,
  monitor: [],
  ...o,
});

describe('research options', () => {
  it('sets the statistics and the monitor of the session spec, which accepts them', () => {
    const rules = ruleSpec(
      opts({
        alpha: 0.01,
        correction: 'bh',
        confirmSeeds: 2,
        monitor: ['spike=false', 'behindBaseline.m=5'],
      }),
    );
    assert.deepEqual(rules.monitor, { spike: false, behindBaseline: { m: 5 } });
    const spec = SessionSpec.parse({
      baseConfig: resolveConfig({ preset: 'tiny' }),
      ...rules,
      baseSource: 'x',
      searchSpace: { knobs: [] },
      researcher: 'offline',
      executor: 'local',
      parallel: 2,
      rungTokens: [1000],
    });
    assert.deepEqual([spec.alpha, spec.correction, spec.confirmSeeds], [0.01, 'bh', 2]);
  });

  it('leaves what is not given to the spec defaults', () => {
    const rules = ruleSpec(opts());
    assert.equal('alpha' in rules || 'monitor' in rules || 'correction' in rules, false);
  });

  it('refuses bad values in one line naming the option', () => {
    assert.throws(() => checkOptions(opts({ alpha: 0.9 })), /--alpha must be in \[0.001, 0.5\], got 0.9/);
    assert.throws(() => checkOptions(opts({ correction: 'bonferroni' })), /--correction must be holm or bh/);
    assert.throws(() => monitorParams(['spiky.zHuge=3']), /--monitor spiky.zHuge=3: use RULE=false/);
    assert.throws(() => checkOptions(opts({ budget: '1e6tok' })), /--budget for a session/);
    assert.throws(() => checkOptions(opts({ ladder: 9 })), /--ladder must be 0\.\.4 larger sizes, got 9/);
    assert.throws(
      () => checkOptions(opts({ ladder: 1, trainer: 'x.json' })),
      /--ladder needs the built-in GPT trainer/,
    );
  });
});
