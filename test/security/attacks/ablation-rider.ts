/**
 * What the minimal change keeps (src/research/core/ablation-stats.ts): the knobs of a multi-knob win
 * whose share is shown on the ablation's paired seeds; the next session starts from it. A researcher
 * that wants a knob of its own carried along (a rider with no effect) puts it in a bundle with a real
 * win and makes it erratic, hoping its arms' pairs land on one side. On a trainer that pairs seeds the
 * share is the paired t interval on the arms' own differences from three pairs on, exact for normal
 * differences whatever their spread: an erratic rider pays in its own width. Here the rider has no
 * effect on average, with three kinds of spread (calm, ten times that, one seed's spike), and the
 * engine's own transitions attribute it, 300 times each. It must be kept at most 5 % of the time.
 */
import { mulberry32, randNormal } from '../../../src/stats/rng.ts';
import { endRun, engineCtx, withBaseline, withWin } from '../../helpers/engine-port.ts';
import type { Attack } from '../attack.ts';

const RIDER = 'optim.beta2';
const paired = { ...engineCtx, spec: { ...engineCtx.spec, pairedSeeds: true } };

export const attacks: Attack[] = [
  {
    id: 'ablation-rider',
    title:
      'a researcher bundles an erratic no-effect knob with a real win, hoping the minimal change keeps it',
    run: async () => {
      const won = withWin(withBaseline(), 'bundle', { 'optim.lr': 0.004, [RIDER]: 0.99 });
      const study = won.state.ablations?.find((s) => s.winId === won.id);
      if (!study) return { succeeded: true, detail: 'the bundle was never taken apart' };
      const winOn = new Map(
        won.state.trials
          .filter((t) => t.proposalId === won.id)
          .map((t) => [t.seed, Object.values(t.results)[0]] as [number, number]),
      );
      const rng = mulberry32(31);
      const spreads: Record<string, () => number[]> = {
        calm: () => [0, 0, 0].map(() => 0.0007 * randNormal(rng)),
        erratic: () => [0, 0, 0].map(() => 0.007 * randNormal(rng)),
        spike: () =>
          [0, 0, 0].map((_, i) => (i === 0 ? 0.03 * Math.sign(randNormal(rng)) : 0.0005 * randNormal(rng))),
      };
      const tally: string[] = [];
      let worst = 0;
      for (const [name, draw] of Object.entries(spreads)) {
        let kept = 0;
        let checked = 0;
        const reps = 300;
        for (let i = 0; i < reps; i++) {
          let st = won.state;
          const noise = draw();
          for (const t of st.trials.filter((x) => x.purpose === 'ablation' && x.status === 'pending')) {
            const arm = st.proposals.find((p) => p.id === t.proposalId)!;
            const keys = arm.change.kind === 'config' ? Object.keys(arm.change.set) : [];
            // the win without the rider: the win's own value on that seed, give or take the rider's spread
            const value = keys.includes(RIDER)
              ? 2.0
              : winOn.get(t.seed)! - noise[study.seeds.indexOf(t.seed)];
            st = endRun(st, t.id, value, paired);
          }
          const done = st.ablations!.find((s) => s.winId === won.id)!;
          if (done.attribution?.some((a) => a.key === RIDER && a.n >= 3)) checked++;
          if (done.minimal?.keys.includes(RIDER)) kept++;
        }
        if (checked < reps)
          throw new Error(`${name}: the rider was measured on three pairs in ${checked} of ${reps}`);
        worst = Math.max(worst, kept / reps);
        tally.push(`${name} ${kept}/${reps}`);
      }
      return { succeeded: worst > 0.05, detail: `the rider kept in the minimal change: ${tally.join(', ')}` };
    },
  },
];
