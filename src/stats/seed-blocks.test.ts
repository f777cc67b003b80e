import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeChange } from './judge.ts';
import { mulberry32, randNormal, type Rng } from './rng.ts';
import { pooledWithin, seedBlockedContrast, type SeedObs } from './seed-blocks.ts';

/** Configs `means` on `seeds`, each value = mean + the seed's shared draw (sd tau) + its own (sd sigma). */
function runs(
  rng: Rng,
  means: Record<string, number>,
  seeds: Record<string, number[]>,
  tau: number,
  sigma: number,
) {
  const shared = new Map<number, number>();
  const out: SeedObs[] = [];
  for (const [group, m] of Object.entries(means))
    for (const seed of seeds[group]) {
      if (!shared.has(seed)) shared.set(seed, tau * randNormal(rng));
      out.push({ group, seed, value: m + shared.get(seed)! + sigma * randNormal(rng) });
    }
  return out;
}

const fourSeeds = [1000, 1001, 1002, 1003];

/** Four configs (`a` 0.003 better than `base`) on four seeds, the seed carrying most of the noise. */
const fourByFour = (rng: Rng) =>
  runs(
    rng,
    { base: 2.66, a: 2.657, b: 2.66, c: 2.662 },
    { base: fourSeeds, a: fourSeeds, b: fourSeeds, c: fourSeeds },
    0.006,
    0.001,
  );

describe('seedBlockedContrast', () => {
  it('compares on shared seeds when the seed carries most of the noise', () => {
    const rng = mulberry32(3);
    const obs = fourByFour(rng);
    const r = seedBlockedContrast(obs, 'a', 'base')!;
    assert.ok(r, 'blocked');
    assert.ok(Math.abs(r.delta + 0.003) < 0.002, `delta ${r.delta}`);
    // unpaired, 4 seeds a side at sd ~0.006 would give se ~0.0043; the blocks leave ~sigma * sqrt(2/4)
    assert.ok(r.se < 0.0015, `se ${r.se}`);
    assert.equal(r.df, 16 - 4 - 4 + 1);
    assert.ok(r.tau2 > r.sigma2);
  });

  it('counts a config re-run on a seed once (a deterministic trainer repeats its value)', () => {
    const rng = mulberry32(8);
    const obs = fourByFour(rng);
    const once = seedBlockedContrast(obs, 'a', 'base')!;
    const twice = seedBlockedContrast([...obs, ...obs.filter((o) => o.group !== 'a')], 'a', 'base')!;
    assert.deepEqual(twice, once);
  });

  it('leaves the comparison unpaired when seeds share nothing, or a seed was run by one side only', () => {
    const rng = mulberry32(11);
    const seeds = { base: fourSeeds, a: fourSeeds, b: fourSeeds };
    let blocked = 0;
    for (let i = 0; i < 200; i++)
      if (seedBlockedContrast(runs(rng, { base: 0, a: 0, b: 0 }, seeds, 0, 1), 'a', 'base')) blocked++;
    assert.ok(blocked < 40, `pre-test passed ${blocked} of 200 times without a seed effect`);
    const lone = runs(rng, { base: 0, a: 0, b: 0 }, { ...seeds, a: [1000, 9999] }, 5, 1);
    assert.equal(seedBlockedContrast(lone, 'a', 'base'), undefined);
    assert.equal(seedBlockedContrast(lone, 'a', 'missing'), undefined);
  });

  it('keeps the level of the test it joins under no effect (2000 simulated sessions each)', () => {
    // the engine's test: on seed blocks when the pre-test says so, else unpaired on the pooled noise floor
    const rng = mulberry32(5);
    for (const [tau, sigma] of [
      [0, 1],
      [1, 1],
      [1, 0.3],
    ]) {
      let rejected = 0;
      for (let i = 0; i < 2000; i++) {
        const obs = runs(
          rng,
          { base: 0, a: 0, o1: 0.5, o2: -0.5 },
          { base: [1, 2, 3], a: [1, 2], o1: [1, 2, 3], o2: [2, 3] },
          tau,
          sigma,
        );
        const of = (g: string) => obs.filter((o) => o.group === g).map((o) => o.value);
        const j = judgeChange({
          baseline: of('base'),
          candidate: of('a'),
          minSeeds: 1,
          resamples: 100,
          noise: pooledWithin(obs),
          blocked: seedBlockedContrast(obs, 'a', 'base'),
        });
        if (j.pValue < 0.05) rejected++;
      }
      assert.ok(rejected / 2000 < 0.065, `tau ${tau}, sigma ${sigma}: type-I ${rejected / 2000}`);
    }
  });

  it('replaces the unpaired test in judgeChange', () => {
    const baseline = [2.664, 2.666, 2.657, 2.656];
    const candidate = [2.661, 2.653, 2.642, 2.652];
    const unpaired = judgeChange({ baseline, candidate, minSeeds: 1 });
    const paired = judgeChange({
      baseline,
      candidate,
      minSeeds: 1,
      blocked: { delta: -0.0089, se: 0.00275, df: 9 },
    });
    assert.ok(paired.pValue < unpaired.pValue);
    assert.equal(paired.delta, -0.0089);
    assert.ok(paired.ci95[1] < 0);
    assert.match(paired.reasons.join(' '), /seed blocks/);
  });
});
