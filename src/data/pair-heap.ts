/**
 * Max-heap of (count, pair key) for BPE training. Order: higher count first, then the smaller key, so
 * ties break the same way on every machine. Entries are never updated in place: the trainer pushes a
 * fresh entry whenever a pair's count changes and discards popped entries whose count is stale.
 */
export class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    const c = this.counts;
    const k = this.keys;
    let i = c.length;
    c.push(count);
    k.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(count, key, c[parent], k[parent])) break;
      c[i] = c[parent];
      k[i] = k[parent];
      i = parent;
    }
    c[i] = count;
    k[i] = key;
  }

  /** Removes the top entry; returns false when empty. Read it first with `topCount`/`topKey`. */
  pop(): boolean {
    const c = this.counts;
    const k = this.keys;
    if (c.length === 0) return false;
    const lastCount = c.pop() as number;
    const lastKey = k.pop() as number;
    const n = c.length;
    if (n === 0) return true;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const best = r < n && this.above(c[r], k[r], c[l], k[l]) ? r : l;
      if (!this.above(c[best], k[best], lastCount, lastKey)) break;
      c[i] = c[best];
      k[i] = k[best];
      i = best;
    }
    c[i] = lastCount;
    k[i] = lastKey;
    return true;
  }

  topCount(): number {
    return this.counts[0];
  }

  topKey(): number {
    return this.keys[0];
  }

  private above(countA: number, keyA: number, countB: number, keyB: number): boolean {
    return countA > countB || (countA === countB && keyA < keyB);
  }
}
