import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from './resolve.ts';
import { DEFAULT_SEARCH_SPACE, sizedRanges, sizedToRun, type SearchSpace } from './search-space.ts';

const knob = (space: SearchSpace, path: string) => space.knobs.find((k) => k.path === path);
const small = resolveConfig({ preset: 'small' }); // batch 2048, warmup 16,384, seqLen 64

test("a session's space sizes warmup and batch to its full run", () => {
  const sized = sizedToRun(DEFAULT_SEARCH_SPACE, 110_592, small);
  // warmup: at most half the run
  assert.deepEqual(knob(sized, 'schedule.warmupTokens'), {
    path: 'schedule.warmupTokens',
    type: 'int',
    low: 0,
    high: 55_296,
    log: false,
  });
  // batch: a quarter of the base's up to what leaves 32 steps (110,592 / 32 = 3456), or twice the base's
  // batch where that is more (the batch-x2 idea stays inside)
  assert.deepEqual(knob(sized, 'train.batchTokens'), {
    path: 'train.batchTokens',
    type: 'int',
    low: 512,
    high: 4096,
    log: true,
  });
  assert.equal(sizedRanges(sized), 'schedule.warmupTokens 0-55296, train.batchTokens 512-4096');
});

test('a long run gets long ranges: the gpt2-124m preset sits inside its own space', () => {
  const gpt2 = resolveConfig({ preset: 'gpt2-124m' });
  const sized = sizedToRun(DEFAULT_SEARCH_SPACE, 2.5e9, gpt2);
  const warmup = knob(sized, 'schedule.warmupTokens') as { low: number; high: number };
  const batch = knob(sized, 'train.batchTokens') as { low: number; high: number };
  assert.equal(warmup.high, 1.25e9);
  assert.ok(batch.low <= gpt2.train.batchTokens && gpt2.train.batchTokens <= batch.high);
  assert.deepEqual([batch.low, batch.high], [131_072, 16 * 524_288]);
});

test("the base's own warmup and twice its batch stay inside a short run's space; other knobs are untouched", () => {
  const sized = sizedToRun(DEFAULT_SEARCH_SPACE, 8192, small);
  assert.equal((knob(sized, 'schedule.warmupTokens') as { high: number }).high, 16_384);
  assert.equal((knob(sized, 'train.batchTokens') as { high: number }).high, 4096);
  // a longer run: the step rule caps the batch below 16x the base's
  const long = sizedToRun(DEFAULT_SEARCH_SPACE, 1_000_000, small);
  assert.equal((knob(long, 'train.batchTokens') as { high: number }).high, 31_250);
  const sizedPaths = ['schedule.warmupTokens', 'train.batchTokens'];
  const others = (s: SearchSpace) => s.knobs.filter((k) => !sizedPaths.includes(k.path));
  assert.deepEqual(others(sized), others(DEFAULT_SEARCH_SPACE));
  const without = { knobs: others(DEFAULT_SEARCH_SPACE) };
  assert.deepEqual(sizedToRun(without, 8192, small), without);
});
