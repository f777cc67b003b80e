/**
 * Decoded (x, y) columns of finished runs, for compare. A finished run is immutable, so its columns
 * never go stale; live runs are never cached. Bounded by points held (least recently used first out):
 * the default 4M points is ~64 MB. Re-opening or widening a comparison then costs no decoding.
 */
export interface Columns {
  x: Float64Array;
  y: Float64Array;
}

export class SeriesCache {
  private readonly map = new Map<string, Columns>(); // insertion order = recency
  private points = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxPoints = 4_000_000) {}

  get(key: string): Columns | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
      this.hits++;
    } else this.misses++;
    return v;
  }

  set(key: string, v: Columns): void {
    if (v.x.length > this.maxPoints) return;
    const old = this.map.get(key);
    if (old) this.points -= old.x.length;
    this.map.delete(key);
    this.map.set(key, v);
    this.points += v.x.length;
    for (const [k, c] of this.map) {
      if (this.points <= this.maxPoints) break;
      this.map.delete(k);
      this.points -= c.x.length;
    }
  }

  get size(): number {
    return this.points;
  }
}
