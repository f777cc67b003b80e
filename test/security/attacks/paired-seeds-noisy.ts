/**
 * Paired seeds (src/stats/paired-seeds.ts, src/research/core/paired.ts) judge a config change on the
 * reference trainer by its differences from the base on the seeds both ran, from the third on: far
 * calmer than the seed-to-seed spread, since the seed fixes the data order and the initial weights. A
 * researcher that wants a number kept can make its own runs erratic (an LR on the edge, a schedule
 * that sometimes spikes) and hope the calm pairs of honest changes set the bar. Here a change with no
 * real effect and ten times the base's own noise is judged the way conclude.ts judges it, 1000
 * times: unpaired on one and two seeds (futility only at one), paired on three; when the decision
 * stage passes, a held-out seed for it and its base's re-run there, then the verdict with the
 * all-seeds test (the held-out pair joins the pairs). Every look is given the whole level (no spending
 * over looks, no family correction), which favours the attacker. It must win at most 5 % of the time:
 * the paired test's standard error is the attacker's own spread, not anyone else's.
 */
import { judgeChange } from '../../../src/stats/judge.ts';
import { pairedContrast, type SeedValue } from '../../../src/stats/paired-seeds.ts';
import { mulberry32, randNormal } from '../../../src/stats/rng.ts';
import { pooledWithin, type SeedObs } from '../../../src/stats/seed-blocks.ts';
import type { Attack } from '../attack.ts';

export const attacks: Attack[] = [
  {
    id: 'paired-seeds-noisy',
    title: 'a config change makes its own runs erratic, hoping the calm pairs of others set the bar',
    run: async () => {
      const rng = mulberry32(23);
      const trials = 1000;
      const tally = { paired: 0, decision: 0, win: 0 };
      for (let i = 0; i < trials; i++) {
        const u = new Map<number, number>();
        const draw = (group: string, seed: number, sd: number): SeedObs => {
          if (!u.has(seed)) u.set(seed, 0.008 * randNormal(rng));
          return { group, seed, value: 2.5 + u.get(seed)! + sd * randNormal(rng) };
        };
        const base = [1000, 1001, 1002].map((s) => draw('base', s, 0.001));
        const others = ['o1', 'o2'].flatMap((g) => [1000, 1001, 1002].map((s) => draw(g, s, 0.001)));
        const noise = pooledWithin([...base, ...others]);
        const mine: SeedObs[] = [];
        const values = (xs: SeedObs[]) => xs.map((x) => x.value);
        const sv = (xs: SeedObs[]): SeedValue[] => xs.map(({ seed, value }) => ({ seed, value }));
        let passed = false;
        let blocked: ReturnType<typeof pairedContrast>;
        // the judge as conclude.ts calls it on the attacker's seeds so far (`more`: its verdict's inputs)
        const judge = (more: Partial<Parameters<typeof judgeChange>[0]> = {}) =>
          judgeChange({
            baseline: values(base),
            candidate: values(mine),
            minSeeds: 1,
            resamples: 200,
            noise,
            blocked,
            ...more,
          });
        for (const s of [1000, 1001, 1002]) {
          mine.push(draw('attacker', s, 0.01));
          blocked = pairedContrast(sv(mine), sv(base));
          const j = judge();
          if (mine.length === 1 && !(j.delta < 0)) break; // futility at one seed
          if (mine.length >= 2 && j.verdict === 'pending' && j.ci95[1] < 0 && j.pValue < 0.05) {
            passed = true;
            break;
          }
        }
        if (blocked) tally.paired++;
        if (!passed) continue;
        tally.decision++;
        const held = draw('attacker', 11000, 0.01);
        const reRun = draw('base', 11000, 0.001);
        const v = judge({
          confirm: [held.value],
          confirmBaseline: [reRun.value],
          blockedAll: pairedContrast(sv([...mine, held]), sv([...base, reRun])),
        });
        if (v.verdict === 'win') tally.win++;
      }
      const detail = `paired at the last look in ${tally.paired} of ${trials}; decision stage passed ${tally.decision}, won ${tally.win}`;
      if (tally.paired === 0) throw new Error(`the paired test was never used: ${detail}`);
      return { succeeded: tally.win / trials > 0.05, detail };
    },
  },
];
