/**
 * Seed blocks (src/stats/seed-blocks.ts, README "Research sessions") judge a change on the seeds it
 * shares with the base, with the residual noise of the whole session: far less than the seed-to-seed
 * spread when the trainer's seeds carry most of it. A researcher that wants a number kept can make its
 * own runs noisy (a change that makes training erratic: an LR on the edge of divergence, a schedule
 * that sometimes spikes) and hope one lucky seed, measured against the calm configs' small residual,
 * passes the decision test. Here, in sessions whose other configs share a strong seed effect (so the
 * blocked test is in use), a candidate with no real effect but a spread ten times the residual is
 * judged the way conclude.ts judges it, 400 times: one or two decision seeds; when the decision stage
 * passes, a held-out confirmation seed for it and a paired base re-run, then the verdict with the
 * all-seeds test. It must win at most 5 % of the time (the blocked test leaves a candidate with one
 * seed, or with residuals larger than the others', to the unpaired test). Measured when this was
 * written: with one variance for all, it won 30 of 400 (7.5 %); unpaired throughout, 5; now 4.
 */
import { judgeChange } from '../../../src/stats/judge.ts';
import { mulberry32, randNormal } from '../../../src/stats/rng.ts';
import { pooledWithin, seedBlockedContrast, type SeedObs } from '../../../src/stats/seed-blocks.ts';
import type { Attack } from '../attack.ts';

export const attacks: Attack[] = [
  {
    id: 'seed-blocks-noisy',
    title: 'a change makes its own runs noisy, hoping a lucky seed wins against the calm residual',
    run: async () => {
      const rng = mulberry32(17);
      const trials = 400;
      const tally = { decision: 0, win: 0, blocked: 0 };
      for (let i = 0; i < trials; i++) {
        const u = new Map<number, number>();
        const draw = (group: string, seed: number, mean: number, sd: number): SeedObs => {
          if (!u.has(seed)) u.set(seed, 0.008 * randNormal(rng));
          return { group, seed, value: mean + u.get(seed)! + sd * randNormal(rng) };
        };
        const obs: SeedObs[] = [];
        for (const [g, m] of [
          ['base', 2.5],
          ['o1', 2.49],
          ['o2', 2.51],
          ['o3', 2.5],
        ] as const)
          for (const s of [1000, 1001, 1002, 1003]) obs.push(draw(g, s, m, 0.001));
        const seeds = i % 2 ? [1000] : [1000, 1001];
        for (const s of seeds) obs.push(draw('attacker', s, 2.5, 0.01));
        const of = (g: string, os = obs) => os.filter((o) => o.group === g).map((o) => o.value);
        const blocked = seedBlockedContrast(obs, 'attacker', 'base');
        if (blocked) tally.blocked++;
        const input = {
          baseline: of('base'),
          candidate: of('attacker'),
          minSeeds: 1,
          resamples: 200,
          noise: pooledWithin(obs),
          blocked,
        };
        const j = judgeChange(input);
        if (!(j.verdict === 'pending' && j.ci95[1] < 0 && j.pValue < 0.05)) continue;
        tally.decision++;
        const held = [draw('attacker', 11000, 2.5, 0.01), draw('base', 11000, 2.5, 0.001)];
        const all = [...obs, ...held];
        const v = judgeChange({
          ...input,
          confirm: [held[0].value],
          confirmBaseline: [held[1].value],
          blockedAll: seedBlockedContrast(all, 'attacker', 'base'),
        });
        if (v.verdict === 'win') tally.win++;
      }
      const detail = `seed blocks in use in ${tally.blocked} of ${trials}; decision stage passed ${tally.decision}, won ${tally.win}`;
      if (tally.blocked === 0) throw new Error(`the blocked test was never used: ${detail}`);
      return { succeeded: tally.win / trials > 0.05, detail };
    },
  },
];
