import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SEARCH_SPACE, withWarmupSizedTo } from './search-space.ts';

const warmupKnob = (space: typeof DEFAULT_SEARCH_SPACE) =>
  space.knobs.find((k) => k.path === 'schedule.warmupTokens');

test('the warmup range is sized to the full run: half its tokens at most', () => {
  assert.deepEqual(warmupKnob(withWarmupSizedTo(DEFAULT_SEARCH_SPACE, 110_592, 16_384)), {
    path: 'schedule.warmupTokens',
    type: 'int',
    low: 0,
    high: 55_296,
    log: false,
  });
  // a long run gets a long range: 0.1 % of a billion tokens is inside it
  assert.equal(
    (warmupKnob(withWarmupSizedTo(DEFAULT_SEARCH_SPACE, 1e9, 4096)) as { high: number }).high,
    5e8,
  );
});

test("the base's own warmup stays inside the sized range; other knobs are untouched", () => {
  const sized = withWarmupSizedTo(DEFAULT_SEARCH_SPACE, 8192, 16_384);
  assert.equal((warmupKnob(sized) as { high: number }).high, 16_384);
  const others = (s: typeof DEFAULT_SEARCH_SPACE) =>
    s.knobs.filter((k) => k.path !== 'schedule.warmupTokens');
  assert.deepEqual(others(sized), others(DEFAULT_SEARCH_SPACE));
  const noWarmup = { knobs: others(DEFAULT_SEARCH_SPACE) };
  assert.deepEqual(withWarmupSizedTo(noWarmup, 8192, 0), noWarmup);
});
