/**
 * Byte-level BPE tokenizer: ids 0..255 are bytes, 256 + i is merge i, and the last id is EOT (the document
 * separator; never produced from text, so a literal "<|endoftext|>" in a corpus is just text).
 *
 * encode: pre-tokenize (pretokenize.ts), then per piece apply merges lowest rank first, as GPT-2 does.
 * Pieces repeat heavily (Zipf), so results are cached per piece string; the cache is what makes encoding
 * fast (see bench/tokenizer.ts). decode concatenates token bytes and decodes them leniently.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FlywheelError } from '../errors.ts';
import { PRETOKEN_PATTERN, splitPieces } from './pretokenize.ts';
import { utf8Bytes, utf8Decode } from './utf8.ts';

const KEY = 65536;
/** Cleared when it grows past this many pieces, which bounds memory on huge user corpora. */
const CACHE_LIMIT = 1 << 20;

export const TokenizerJson = z.object({
  version: z.literal(1),
  vocabSize: z.number().int(),
  eot: z.number().int(),
  merges: z.array(z.tuple([z.number().int(), z.number().int()])),
  pattern: z.string(),
});
export type TokenizerJson = z.infer<typeof TokenizerJson>;

export class Tokenizer {
  readonly vocabSize: number;
  readonly eot: number;
  /** Set to false to measure the uncached encoder (bench/tokenizer.ts). */
  useCache = true;
  private readonly ranks = new Map<number, number>();
  private readonly bytes: Uint8Array[] = [];
  private readonly cache = new Map<string, Uint16Array>();

  constructor(readonly merges: ReadonlyArray<readonly [number, number]>) {
    for (let b = 0; b < 256; b++) this.bytes.push(Uint8Array.of(b));
    merges.forEach(([a, b], i) => {
      const id = 256 + i;
      if (!(a < id && b < id && a >= 0 && b >= 0)) {
        throw new FlywheelError('bad_data', `tokenizer merge ${i} refers to unknown tokens [${a}, ${b}]`);
      }
      this.ranks.set(a * KEY + b, i);
      const ab = new Uint8Array(this.bytes[a].length + this.bytes[b].length);
      ab.set(this.bytes[a]);
      ab.set(this.bytes[b], this.bytes[a].length);
      this.bytes.push(ab);
    });
    this.eot = 256 + merges.length;
    this.vocabSize = this.eot + 1;
    if (this.vocabSize > 65535) {
      throw new FlywheelError(
        'bad_config',
        `vocab size ${this.vocabSize} does not fit uint16 shards (max 65535)`,
      );
    }
  }

  static fromJSON(json: unknown, file = 'tokenizer.json'): Tokenizer {
    const parsed = TokenizerJson.safeParse(json);
    if (!parsed.success) throw new FlywheelError('bad_data', `${file} is not a Flywheel tokenizer`);
    const tok = new Tokenizer(parsed.data.merges);
    if (tok.vocabSize !== parsed.data.vocabSize || parsed.data.pattern !== PRETOKEN_PATTERN) {
      throw new FlywheelError('bad_data', `${file} does not match this tokenizer version (vocab or pattern)`);
    }
    return tok;
  }

  static load(file: string): Tokenizer {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new FlywheelError('bad_data', `cannot read tokenizer ${file}`);
    }
    return Tokenizer.fromJSON(json, file);
  }

  toJSON(): TokenizerJson {
    const merges = this.merges.map(([a, b]) => [a, b] as [number, number]);
    return { version: 1, vocabSize: this.vocabSize, eot: this.eot, merges, pattern: PRETOKEN_PATTERN };
  }

  /** Token ids of `text` (no EOT). */
  encode(text: string): number[] {
    const out: number[] = [];
    this.encodePieces(text, (ids) => {
      for (let i = 0; i < ids.length; i++) out.push(ids[i]);
    });
    return out;
  }

  /** Streams the ids of `text` piece by piece (the shard writer's path: no intermediate array). */
  encodePieces(text: string, sink: (ids: Uint16Array) => void): void {
    splitPieces(text, (piece) => sink(this.encodePiece(piece)));
  }

  encodePiece(piece: string): Uint16Array {
    if (!this.useCache) return this.mergePiece(piece);
    let ids = this.cache.get(piece);
    if (ids === undefined) {
      ids = this.mergePiece(piece);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(piece, ids);
    }
    return ids;
  }

  /** Exact bytes behind `ids` (EOT contributes none). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.tokenBytes(ids[i]).length;
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const b = this.tokenBytes(ids[i]);
      out.set(b, o);
      o += b.length;
    }
    return out;
  }

  /** Text of `ids`; a sequence that cuts a multi-byte character shows U+FFFD there. */
  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  tokenBytes(id: number): Uint8Array {
    if (id === this.eot) return new Uint8Array(0);
    const b = this.bytes[id];
    if (b === undefined)
      throw new FlywheelError('bad_input', `token id ${id} is outside the vocabulary (0..${this.eot})`);
    return b;
  }

  /** UTF-8 byte length per token id, EOT = 0: the `token_bytes.u16` table. */
  tokenByteLengths(): Uint16Array {
    const out = new Uint16Array(this.vocabSize);
    for (let id = 0; id < this.eot; id++) out[id] = this.bytes[id].length;
    return out;
  }

  /** GPT-2 style: repeatedly merge the adjacent pair with the lowest rank (all its occurrences at once). */
  private mergePiece(piece: string): Uint16Array {
    const syms: number[] = Array.from(utf8Bytes(piece));
    for (;;) {
      let bestRank = Infinity;
      let bestKey = -1;
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] * KEY + syms[i + 1];
        const r = this.ranks.get(k);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          bestKey = k;
        }
      }
      if (bestKey < 0) break;
      const a = Math.floor(bestKey / KEY);
      const b = bestKey % KEY;
      const z = 256 + bestRank;
      let out = 0;
      for (let i = 0; i < syms.length;) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          syms[out++] = z;
          i += 2;
        } else syms[out++] = syms[i++];
      }
      syms.length = out;
    }
    return Uint16Array.from(syms);
  }
}
