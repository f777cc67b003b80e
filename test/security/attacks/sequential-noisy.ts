/**
 * Sequential decisions (src/stats/sequential.ts, README "Research sessions" step 5) read a candidate's
 * looks against the session's noise floor: the within-config spread of every config, which assumes a
 * change does not make its own runs noisier. A researcher that wants a number kept can break that from
 * its side: a change that makes its runs erratic (agent code that draws a coin per seed, an LR at the
 * edge of divergence) has a spread the floor does not describe. Here a candidate with no real effect and
 * a spread 3x or 10x the floor is judged the way conclude.ts judges it, 1000 times each: a look after
 * each of up to 3 seeds (stopped when not ahead); when a look passes, a held-out seed for it and a paired
 * base re-run, then the verdict, on a floor that now holds both. It must win at most 5 % of the time.
 * Measured when this was written: while a pass could rest on one seed (judged on the floor alone), it
 * won 6.0 % (3x) and 7.6 % (10x) of 2000; with two seeds before any pass, 4.0 % and 4.1 %, against
 * 1.3 % for a calm candidate with no effect. Here, with this file's seed: 2.9 % and 4.2 % of 1000
 * (3.0 % and 4.4 % while the all-seeds test read the verdict's raw p, not the passing look's).
 */
import { judgeChange } from '../../../src/stats/judge.ts';
import { mulberry32, randNormal } from '../../../src/stats/rng.ts';
import { pooledWithin } from '../../../src/stats/seed-blocks.ts';
import { sequentialP, type Look } from '../../../src/stats/sequential.ts';
import type { Attack } from '../attack.ts';

const LOOKS = 3;
const FLOOR = 0.002;

/** The session's noise floor: the within-config spread pooled over every config (one array each). */
const pooled = (groups: number[][]) =>
  pooledWithin(groups.flatMap((v, i) => v.map((value) => ({ group: String(i), seed: 0, value }))));

function oneSession(rng: () => number, spread: number): { passed: boolean; won: boolean } {
  const calm = (m: number) => m + FLOOR * randNormal(rng);
  const base = [calm(2.5), calm(2.5), calm(2.5)];
  const others = [2.49, 2.51].map((m) => [calm(m), calm(m), calm(m)]);
  const cand: number[] = [];
  const looks: Look[] = [];
  for (let k = 1; k <= LOOKS; k++) {
    cand.push(2.5 + spread * randNormal(rng));
    const input = { baseline: base, candidate: cand, minSeeds: 1, resamples: 200 };
    const j = judgeChange({ ...input, noise: pooled([base, ...others, cand]) });
    looks.push({ n: k, p: j.pValue, nBase: base.length });
    const adjustedP = sequentialP(looks, LOOKS);
    if (!(j.delta < 0)) return { passed: false, won: false };
    if (judgeChange({ ...input, noise: pooled([base, ...others, cand]), adjustedP }).verdict !== 'pending')
      continue;
    // the held-out pair, then the verdict on a floor that now holds both (conclude.ts pooledNoise)
    const confirm = [2.5 + spread * randNormal(rng)];
    const confirmBaseline = [calm(2.5)];
    const noise = pooled([[...base, ...confirmBaseline], ...others, [...cand, ...confirm]]);
    // the all-seeds test is scaled by the adjustment the passing look got (conclude.ts `lookP`)
    const v = judgeChange({ ...input, noise, adjustedP, lookP: j.pValue, confirm, confirmBaseline });
    return { passed: true, won: v.verdict === 'win' };
  }
  return { passed: false, won: false };
}

export const attacks: Attack[] = [
  {
    id: 'sequential-noisy',
    title: 'a change makes its own runs erratic, hoping the sequential looks read it on the calm floor',
    run: async () => {
      const rng = mulberry32(23);
      const trials = 1000;
      const parts: string[] = [];
      let worst = 0;
      for (const times of [3, 10]) {
        let passed = 0;
        let won = 0;
        for (let i = 0; i < trials; i++) {
          const r = oneSession(rng, times * FLOOR);
          passed += Number(r.passed);
          won += Number(r.won);
        }
        worst = Math.max(worst, won / trials);
        parts.push(`spread ${times}x the floor: a look passed ${passed}, won ${won} of ${trials}`);
      }
      return { succeeded: worst > 0.05, detail: parts.join('; ') };
    },
  },
];
