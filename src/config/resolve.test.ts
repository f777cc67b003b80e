import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlywheelError } from '../errors.ts';
import { configHash, parseBudget, resolveConfig } from './resolve.ts';

describe('config resolution', () => {
  it('applies dotted --set paths with typed values on top of a preset', () => {
    const c = resolveConfig({
      preset: 'tiny',
      sets: ['model.depth=3', 'optim.name=muon', 'model.qkNorm=true', 'data.mixture.news=2'],
    });
    assert.equal(c.model.depth, 3);
    assert.equal(c.optim.name, 'muon');
    assert.equal(c.model.qkNorm, true);
    assert.deepEqual(c.data.mixture, { news: 2 });
    assert.equal(c.preset, 'tiny');
  });

  it('names the bad key and value in one line', () => {
    assert.throws(
      () => resolveConfig({ preset: 'tiny', sets: ['model.depth=abc'] }),
      (e: unknown) =>
        e instanceof FlywheelError && e.code === 'bad_config' && /model\.depth="abc"/.test(e.message),
    );
    assert.throws(
      () => resolveConfig({ preset: 'tiny', sets: ['model.dept=3'] }),
      (e: unknown) => e instanceof FlywheelError && /unknown config key model\.dept/.test(e.message),
    );
    assert.throws(
      () => resolveConfig({ preset: 'tiny', sets: ['optim.name=sgd'] }),
      (e: unknown) => e instanceof FlywheelError && /optim\.name="sgd"/.test(e.message),
    );
  });

  it('rejects a width the heads do not divide', () => {
    assert.throws(() => resolveConfig({ preset: 'tiny', sets: ['model.heads=3'] }), /not divisible/);
  });

  it('parses budgets in seconds, tokens and FLOPs, and rejects nonsense', () => {
    assert.deepEqual(parseBudget('60s'), { seconds: 60 });
    assert.deepEqual(parseBudget('5m'), { seconds: 300 });
    assert.deepEqual(parseBudget('2e6tok'), { tokens: 2_000_000 });
    assert.deepEqual(parseBudget('1e13flop,90s'), { flops: 1e13, seconds: 90 });
    assert.throws(() => parseBudget('fast'), /bad budget "fast"/);
    assert.throws(() => parseBudget('0s'), /must be > 0/);
  });

  it('replaces the preset budget with --budget and sets the seed', () => {
    const c = resolveConfig({ preset: 'tiny', budget: '1e5tok', seed: 7 });
    assert.deepEqual(c.budget, { tokens: 100000 });
    assert.equal(c.seed, 7);
  });

  it('gives runs that differ only by seed or budget the same config hash', () => {
    const a = resolveConfig({ preset: 'tiny', seed: 1 });
    const b = resolveConfig({ preset: 'tiny', seed: 2, budget: '30s' });
    const c = resolveConfig({ preset: 'tiny', seed: 1, sets: ['optim.lr=0.01'] });
    assert.equal(configHash(a), configHash(b));
    assert.notEqual(configHash(a), configHash(c));
    assert.notEqual(configHash(a), configHash(a, 'patch'));
  });

  it('refuses prototype-polluting paths', () => {
    assert.throws(() => resolveConfig({ preset: 'tiny', sets: ['__proto__.x=1'] }), /bad config path/);
  });
});
