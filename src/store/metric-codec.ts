/**
 * Packs metric points into chunks: one row holds up to MAX_CHUNK_POINTS points of one run and kind.
 *
 * Layout of `data`: Float64, little-endian, column-major (`fields.length` columns of `nPoints` values),
 * so a later reader can pull one series (say `loss`) without touching the others. Float64 keeps
 * NaN and +/-Infinity exactly, which JSON cannot, and the monitor needs a NaN loss to stay a NaN.
 * A field a point lacks is stored as one fixed signalling-NaN bit pattern that arithmetic never
 * produces, and is left out of the decoded point again.
 */
import { endianness } from 'node:os';
import { FlywheelError } from '../errors.ts';
import type { MetricPoint } from './base.ts';

export const MAX_CHUNK_POINTS = 4096;
export const MAX_CHUNK_VALUES = 32_768; // 256 KiB of data per row at most
const MISSING_HI = 0x7ff4dead; // high word: exponent all ones, quiet bit clear => signalling NaN
const MISSING_LO = 0x0000f1f1;

if (endianness() !== 'LE')
  throw new FlywheelError('internal', 'the metric chunk codec assumes a little-endian host');

export interface EncodedChunk {
  fields: string[];
  nPoints: number;
  stepFirst: number | null;
  stepLast: number | null;
  data: Buffer;
}

/** Splits `points` (in order) into chunks; every number-valued key of a point becomes a field. */
export function encodeChunks(points: readonly MetricPoint[]): EncodedChunk[] {
  const chunks: EncodedChunk[] = [];
  let start = 0;
  while (start < points.length) {
    const index = new Map<string, number>();
    let end = start;
    for (; end < points.length && end - start < MAX_CHUNK_POINTS; end++) {
      const before = index.size;
      const p = points[end];
      for (const k in p) if (typeof p[k] === 'number' && !index.has(k)) index.set(k, index.size);
      // Stop before a point that would push the chunk past its size cap (a first point always fits).
      if (end > start && (end - start + 1) * index.size > MAX_CHUNK_VALUES) {
        for (const [k, i] of index) if (i >= before) index.delete(k);
        break;
      }
    }
    chunks.push(encodeOne(points, start, end, [...index.keys()]));
    start = end;
  }
  return chunks;
}

function encodeOne(
  points: readonly MetricPoint[],
  start: number,
  end: number,
  fields: string[],
): EncodedChunk {
  const n = end - start;
  const f64 = new Float64Array(fields.length * n);
  const u32 = new Uint32Array(f64.buffer);
  for (let f = 0; f < fields.length; f++) {
    const name = fields[f];
    const base = f * n;
    for (let r = 0; r < n; r++) {
      const v = points[start + r][name];
      if (typeof v === 'number') f64[base + r] = v;
      else {
        u32[2 * (base + r)] = MISSING_LO;
        u32[2 * (base + r) + 1] = MISSING_HI;
      }
    }
  }
  const step = (i: number) => (typeof points[i].step === 'number' ? points[i].step : null);
  return {
    fields,
    nPoints: n,
    stepFirst: step(start),
    stepLast: step(end - 1),
    data: Buffer.from(f64.buffer),
  };
}

export function decodeChunk(fields: readonly string[], nPoints: number, data: Uint8Array): MetricPoint[] {
  if (data.byteLength !== fields.length * nPoints * 8) {
    throw new FlywheelError(
      'internal',
      `corrupt metric chunk: ${data.byteLength} bytes for ${fields.length}x${nPoints} values`,
    );
  }
  // Typed-array views need 8-byte alignment; a driver's Buffer may be a slice of a shared pool.
  const bytes = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
  const f64 = new Float64Array(bytes.buffer, bytes.byteOffset, fields.length * nPoints);
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, fields.length * nPoints * 2);
  const points: MetricPoint[] = new Array(nPoints);
  for (let r = 0; r < nPoints; r++) points[r] = {};
  for (let f = 0; f < fields.length; f++) {
    const name = fields[f];
    const base = f * nPoints;
    for (let r = 0; r < nPoints; r++) {
      const i = base + r;
      if (u32[2 * i + 1] === MISSING_HI && u32[2 * i] === MISSING_LO) continue;
      points[r][name] = f64[i];
    }
  }
  return points;
}
