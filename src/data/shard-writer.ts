/**
 * Streams uint16 little-endian token ids to a shard file through a 128 KiB buffer, and keeps the token
 * histogram of what it wrote (for the unigram baseline). Shards are `<domain>.{train,val}.u16`.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

const BUFFER_TOKENS = 1 << 16;
const LITTLE_ENDIAN = endianness() === 'LE';

export class ShardWriter {
  /** tokens written so far, EOT separators included */
  tokens = 0;
  /** count per token id */
  readonly histogram: Float64Array;
  private readonly fd: number;
  private readonly buf = new Uint16Array(BUFFER_TOKENS);
  private used = 0;

  constructor(
    readonly path: string,
    vocabSize: number,
  ) {
    this.fd = openSync(path, 'w');
    this.histogram = new Float64Array(vocabSize);
  }

  push(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      if (this.used === BUFFER_TOKENS) this.flush();
      const id = ids[i];
      this.buf[this.used++] = id;
      this.histogram[id]++;
    }
    this.tokens += ids.length;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.used === 0) return;
    const view = this.buf.subarray(0, this.used);
    writeSync(this.fd, toLittleEndian(view));
    this.used = 0;
  }
}

/** Bytes of a Uint16Array in little-endian order (a copy only on big-endian hosts). */
export function toLittleEndian(a: Uint16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setUint16(i * 2, a[i], true);
  return out;
}
