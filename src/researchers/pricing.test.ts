import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CostMeter, costUsd, priceOf } from './pricing.ts';

describe('LLM pricing', () => {
  it('finds a model by its longest known prefix, dated ids included', () => {
    assert.equal(priceOf('claude-sonnet-4-5-20250929')?.input, 3);
    assert.equal(priceOf('claude-opus-5-5')?.output, 20);
    assert.equal(priceOf('claude-opus-5')?.output, 25);
    assert.equal(priceOf('gpt-5.4-mini-2026-03-17')?.input, 0.75);
    assert.equal(priceOf('qwen2.5-coder:32b'), undefined);
  });

  it('prices uncached input, output, cache reads and writes at their own rates', () => {
    const p = priceOf('claude-sonnet-5-5')!;
    // 1M uncached input ($2) + 100k output ($1) + 1M cache read ($0.10) + 200k cache write ($0.50)
    assert.equal(
      costUsd(
        { inputTokens: 1e6, outputTokens: 1e5, cacheReadTokens: 1e6, cacheWriteTokens: 2e5 },
        p,
      ).toFixed(6),
      '3.600000',
    );
    assert.equal(
      costUsd({ inputTokens: 1e6, outputTokens: 1e6, cacheReadTokens: 0, cacheWriteTokens: 0 }, undefined),
      0,
    );
  });

  it('takes overrides from FLYWHEEL_LLM_PRICES and tracks a cap', () => {
    process.env.FLYWHEEL_LLM_PRICES = JSON.stringify({ 'local-llama': { input: 1, output: 2 } });
    try {
      const m = new CostMeter('local-llama-70b', 0.003);
      m.record(
        { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0 },
        'propose',
        10,
      );
      assert.equal(m.totals.costUsd.toFixed(6), '0.002000');
      assert.equal(m.capReached(), false);
      m.record(
        { inputTokens: 1000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        'propose',
        10,
      );
      assert.equal(m.capReached(), true);
      assert.equal(m.totals.calls, 2);
    } finally {
      delete process.env.FLYWHEEL_LLM_PRICES;
    }
  });
});
