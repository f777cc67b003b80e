import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlywheelError } from '../errors.ts';
import type { MetricPoint } from './base.ts';
import { decodeChunk, encodeChunks, MAX_CHUNK_POINTS, MAX_CHUNK_VALUES } from './metric-codec.ts';

const roundTrip = (points: MetricPoint[]) =>
  encodeChunks(points).flatMap((c) => decodeChunk(c.fields, c.nPoints, c.data));

describe('metric chunk codec', () => {
  it('splits a long series into chunks of at most MAX_CHUNK_POINTS points', () => {
    const points = Array.from({ length: 2 * MAX_CHUNK_POINTS + 5 }, (_, i) => ({
      step: i,
      loss: 1 / (i + 1),
    }));
    const chunks = encodeChunks(points);
    assert.deepEqual(
      chunks.map((c) => c.nPoints),
      [MAX_CHUNK_POINTS, MAX_CHUNK_POINTS, 5],
    );
    assert.deepEqual([chunks[1].stepFirst, chunks[1].stepLast], [MAX_CHUNK_POINTS, 2 * MAX_CHUNK_POINTS - 1]);
    assert.deepEqual(roundTrip(points), points);
  });

  it('caps a chunk by values when points are wide, and gives an over-wide point a chunk of its own', () => {
    const wide = (step: number, n: number) =>
      Object.fromEntries([['step', step], ...Array.from({ length: n }, (_, d) => [`bpb/d${d}`, d + step])]);
    const points = Array.from({ length: 300 }, (_, i) => wide(i, 199)); // 200 values per point
    const chunks = encodeChunks(points);
    assert.ok(chunks.every((c) => c.nPoints * c.fields.length <= MAX_CHUNK_VALUES));
    assert.equal(chunks[0].nPoints, Math.floor(MAX_CHUNK_VALUES / 200));
    assert.deepEqual(roundTrip(points), points);
    const huge = [wide(0, MAX_CHUNK_VALUES + 10), { step: 1 }];
    assert.deepEqual(
      encodeChunks(huge).map((c) => c.nPoints),
      [1, 1],
    );
    assert.deepEqual(roundTrip(huge), huge);
  });

  it('ignores values that are not numbers', () => {
    const bad = [{ step: 1, note: 'x', ok: true, loss: 2 } as unknown as MetricPoint];
    assert.deepEqual(roundTrip(bad), [{ step: 1, loss: 2 }]);
  });

  it('refuses a chunk whose byte length does not match its shape', () => {
    const [c] = encodeChunks([{ step: 1, loss: 2 }]);
    assert.throws(
      () => decodeChunk(c.fields, 2, c.data),
      (e: unknown) => isFlywheelError(e) && /corrupt metric chunk/.test(e.message),
    );
  });

  it('decodes from a buffer that is not 8-byte aligned', () => {
    const [c] = encodeChunks([{ step: 3, loss: NaN }]);
    const shifted = Buffer.alloc(c.data.length + 1).subarray(1);
    c.data.copy(shifted);
    assert.deepEqual(decodeChunk(c.fields, 1, shifted), [{ step: 3, loss: NaN }]);
  });
});
