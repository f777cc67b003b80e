/**
 * Byte-level BPE training over counted pre-tokens (`word -> frequency`), the incremental way:
 *
 *   pairCounts  pair -> sum of frequencies of the words it occurs in (occurrence-weighted)
 *   where       pair -> indices of words that contained it when it was counted (may hold stale entries)
 *   heap        (count, pair) max-heap with lazy deletion (an entry is live iff its count is current)
 *
 * A merge (a, b) -> z visits only the words listed under (a, b), rewrites them in place and adjusts the
 * counts of the neighbouring pairs: (x, a) -> (x, z) and (b, y) -> (z, y). Cost per merge is proportional
 * to the words it touches, not to the corpus, which is what makes a few thousand merges take seconds.
 *
 * Determinism: counts are sums (order-independent) and ties break on the smaller pair key, so the merges
 * depend only on the multiset of (word, count), never on iteration order.
 */
import { PairHeap } from './pair-heap.ts';
import { utf8Bytes } from './utf8.ts';

/** Token ids fit 16 bits; a pair (a, b) is the number a * 65536 + b (< 2^32, exact in a double). */
const KEY = 65536;

export interface BpeTrainOptions {
  /** Target vocabulary size including the 256 byte tokens and 1 special (EOT): merges = vocabSize - 257. */
  vocabSize: number;
  /** Stop early when the best pair occurs fewer times than this (a merge seen once buys nothing). */
  minPairCount?: number;
  onProgress?: (msg: string) => void;
}

/** Returns the merges in order: merge i creates token id 256 + i. */
export function trainBpe(wordCounts: Map<string, number>, opts: BpeTrainOptions): Array<[number, number]> {
  const numMerges = opts.vocabSize - 257;
  const minCount = opts.minPairCount ?? 2;
  const words: Int32Array[] = [];
  const freq: number[] = [];
  for (const [word, f] of wordCounts) {
    const bytes = utf8Bytes(word);
    if (bytes.length < 2) continue; // a single byte has no pair to merge
    words.push(Int32Array.from(bytes));
    freq.push(f);
  }
  const lens = Int32Array.from(words, (w) => w.length);
  const pairCounts = new Map<number, number>();
  const where = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    const word = words[w];
    for (let i = 0; i + 1 < word.length; i++) {
      const k = word[i] * KEY + word[i + 1];
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + freq[w]);
      const list = where.get(k);
      if (list === undefined) where.set(k, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of pairCounts) heap.push(c, k);

  const merges: Array<[number, number]> = [];
  const stamp = new Int32Array(words.length).fill(-1);
  const touched = new Set<number>();
  const add = (k: number, delta: number) => {
    const v = (pairCounts.get(k) ?? 0) + delta;
    if (v === 0) pairCounts.delete(k);
    else pairCounts.set(k, v);
    touched.add(k);
  };
  const note = (k: number, w: number) => {
    const list = where.get(k);
    if (list === undefined) where.set(k, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };

  for (let step = 0; step < numMerges; step++) {
    let key = -1;
    while (heap.size > 0) {
      const c = heap.topCount();
      const k = heap.topKey();
      heap.pop();
      if (pairCounts.get(k) === c) {
        key = k;
        break;
      }
    }
    if (key < 0 || (pairCounts.get(key) ?? 0) < minCount) break;
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const z = 256 + step;
    merges.push([a, b]);
    touched.clear();
    for (const w of where.get(key) ?? []) {
      if (stamp[w] === step) continue;
      stamp[w] = step;
      const word = words[w];
      const n = lens[w];
      const f = freq[w];
      let out = 0;
      let i = 0;
      // Rewrite in place, left to right; `out <= i` so reads of word[i..] see the old symbols.
      while (i < n) {
        if (i + 1 < n && word[i] === a && word[i + 1] === b) {
          add(key, -f);
          if (out > 0) {
            const left = word[out - 1]; // already rewritten: may be z from the previous occurrence
            add(left * KEY + a, -f);
            add(left * KEY + z, f);
            note(left * KEY + z, w);
          }
          if (i + 2 < n) {
            const right = word[i + 2];
            add(b * KEY + right, -f);
            add(z * KEY + right, f);
            note(z * KEY + right, w);
          }
          word[out++] = z;
          i += 2;
        } else {
          word[out++] = word[i++];
        }
      }
      lens[w] = out;
    }
    where.delete(key);
    pairCounts.delete(key); // every occurrence was consumed; its count is 0 (deleted) by construction
    for (const k of touched) {
      const c = pairCounts.get(k);
      if (c !== undefined && c > 0) heap.push(c, k);
    }
    if (opts.onProgress && (step + 1) % 1000 === 0) opts.onProgress(`bpe: ${step + 1}/${numMerges} merges`);
  }
  return merges;
}
