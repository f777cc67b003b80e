/**
 * Seeded pseudo-random numbers so that every bootstrap and simulation is reproducible.
 * mulberry32: a 32-bit state generator (Tommy Ettinger), fast, passes the usual smoke tests, period 2^32,
 * which is ample for 10k bootstrap resamples of a handful of seeds.
 */

export type Rng = () => number; // uniform in [0, 1)

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** Standard normal draw (Box-Muller; the second variate is discarded to keep the state simple). */
export function randNormal(rng: Rng): number {
  let u = rng();
  while (u <= Number.MIN_VALUE) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}
