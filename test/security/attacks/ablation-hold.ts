/**
 * The engine's own ablation arms wait while a candidate may move the base (src/research/core/scheduler.ts
 * `mayMoveBase`). A researcher that does not want its multi-knob win taken apart (a bundle whose noise
 * knobs the minimal change would drop) keeps ideas coming, on a one-rung session where every idea's
 * first run is at the full budget, hoping the arms wait for ever. They must not: an idea that merely
 * starts at the top, or is merely ahead, holds nothing; only a candidate sent straight to the full
 * budget by the engine or a trusted design, or one clearly ahead, does. Engine transitions on a held
 * state (test/helpers/engine-port.ts), as the session applies them.
 */
import { nextWork } from '../../../src/research/core/scheduler.ts';
import { admit, engineCtx, launch, withBaseline, withWin } from '../../helpers/engine-port.ts';
import type { Attack } from '../attack.ts';

export const attacks: Attack[] = [
  {
    id: 'ablation-hold',
    title:
      'a researcher keeps ideas in flight at the full budget so that its multi-knob win is never taken apart',
    run: async () => {
      const bundle = { 'optim.lr': 0.004, 'optim.beta2': 0.99, 'optim.weightDecay': 0.05 };
      let st = withWin(withBaseline(), 'bundle', bundle).state;
      const study = st.ablations?.find((s) => s.by === 'engine');
      if (!study) return { succeeded: true, detail: 'the win was never scheduled for ablation' };
      const armIds = new Set(study.arms.map((a) => a.proposalId));
      const order: string[] = [];
      for (let i = 0; i < 6; i++) {
        const a = admit(st, `idea ${i}`, { 'optim.gradClip': 0.3 + i / 10 });
        st = a.state;
        const first = st.trials.find((t) => t.proposalId === a.id)!;
        st = launch(st, first.id).state; // its first run at the full budget is in flight
        const next = nextWork(st, engineCtx.spec, Infinity, 2);
        order.push(next ? (armIds.has(next.trial.proposalId) ? 'arm' : next.trial.purpose) : 'nothing');
      }
      const held = order.filter((o) => o !== 'arm').length;
      return {
        succeeded: held > 0,
        detail: `with 1 to 6 of the researcher's ideas in flight, the next trial was: ${order.join(', ')}`,
      };
    },
  },
];
