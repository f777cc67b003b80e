/**
 * Planning a session's rungs with its size ladder inside the budget (README "Research sessions: the
 * size ladder"). The ladder's runs are part of the session's seconds: the full (top-rung) run is sized
 * so that the main search keeps its ~24 full runs AND the ladder fits (2 x seeds runs per size, each
 * (N_k/N_0)^2 full runs, plus their start-up), `parallel` slots at a time.
 *
 * Default (`--ladder` not given): the largest N <= 2 whose plan still gives a full run of at least
 * LADDER_FLOOR_FULLS x the smallest full run the rungs allow (rung 0 keeps >= 8 batches): a ladder is
 * worth little if it makes every run of the search too short to judge. A longer budget affords more
 * sizes; a short one none. With `--full-tokens` the run size is the user's, so the ladder is off unless
 * asked for. An asked-for ladder that does not fit at the measured throughput climbs fewer sizes.
 */
import type { TrainConfig } from '../config/train-config.ts';
import { vocabOf } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import { ladderSizes, LADDER_MAX } from './core/ladder.ts';
import { sizeTimeRatio } from './core/ladder-state.ts';
import { rungsOfFull } from './setup-plan.ts';

export const LADDER_FLOOR_FULLS = 2;
const MAIN_FULL_RUNS = 24; // setup-plan.ts planRungs
const MAIN_FULL_RUNS_MIN = 12; // an asked-for ladder may take the main search down to this many
/**
 * The calibration is one 5 s run alone on the machine with a capped final eval; in a session runs go
 * `parallel` at a time and the full-budget ones score the whole final eval. Measured on the reference
 * machine (2 cores, `small`): ~0.7x the calibration's tok/s and ~2x its start-up. A ladder planned on
 * the raw calibration did not fit once the session measured itself (its reserve follows the measured
 * throughput, core/ladder-state.ts), so with a ladder the plan uses these.
 */
const SESSION_SPEED = 0.7;
const SESSION_OVERHEAD = 2;

export interface LadderPlan {
  n: number;
  rungTokens: number[];
  reason: string;
}

export function planWithLadder(opts: {
  requested?: number; // --ladder N; undefined = the default rule
  config: TrainConfig;
  seeds: number; // ladder seeds a side
  budgetSeconds: number;
  parallel: number;
  tokPerSec: number;
  startupSeconds: number;
  eta: number;
  nRungs: number;
}): LadderPlan {
  const c = opts.config;
  const shape = { batchTokens: c.train.batchTokens, eta: opts.eta, nRungs: opts.nRungs };
  const minFull = shape.batchTokens * 4 * opts.eta ** (opts.nRungs - 1);
  const slot = opts.budgetSeconds * opts.parallel;
  const vocab = vocabOf(c);
  const full = (n: number, main = MAIN_FULL_RUNS) => {
    // tokens of a full run when the main search's `main` full runs and a ladder of n sizes share the slots
    // the ladder in full-run durations: tokens x time per token of each size (core/ladder-state.ts)
    const fpt0 = flopsPerToken(c.model, vocab);
    const units = ladderSizes(c.model, n, 1_000_000, vocab, 1).reduce(
      (a, z) => a + 2 * opts.seeds * (z.tokens / 1_000_000) * sizeTimeRatio(z.flopsPerToken / fpt0),
      0,
    );
    const runs = main + 2 * opts.seeds * n;
    const [speed, overhead] = n > 0 ? [SESSION_SPEED, SESSION_OVERHEAD] : [1, 1]; // n = 0: setup-plan.ts planRungs
    const seconds = (slot - runs * overhead * opts.startupSeconds) / (main + units);
    return Math.round((seconds * speed * opts.tokPerSec) / shape.batchTokens) * shape.batchTokens;
  };
  const plan = (n: number, reason: string, main = MAIN_FULL_RUNS): LadderPlan => ({
    n,
    reason,
    rungTokens: rungsOfFull(Math.max(minFull, full(n, main)), shape),
  });
  if (c.trainer.spec) {
    return plan(0, 'no ladder: a trainer spec has no GPT model whose width and depth it could grow');
  }
  if (opts.requested !== undefined) {
    // Asked for: the main search gives up to half its full runs before runs go below the minimum; if
    // that is not enough at this throughput, the ladder climbs fewer sizes (said so), never none that
    // would not finish: its runs would be cut at the deadline and judge nothing.
    const asked = Math.min(LADDER_MAX, opts.requested);
    const mainFor = (n: number) => {
      let main = MAIN_FULL_RUNS;
      while (n > 0 && main > MAIN_FULL_RUNS_MIN && full(n, main) < minFull) main -= 2;
      return main;
    };
    let n = asked;
    while (n > 0 && full(n, mainFor(n)) < minFull) n--;
    const main = mainFor(n);
    const shared = main < MAIN_FULL_RUNS ? `, the search keeps ${main} full runs` : '';
    const tps = `${Math.round(opts.tokPerSec)} tok/s`;
    const fewer =
      n < asked
        ? `: ${asked} asked for, but at ${tps} and ${opts.startupSeconds.toFixed(1)} s start-up the budget affords ${n} (full runs would fall below ${minFull} tokens)`
        : '';
    return plan(n, `ladder ${n}${n === asked ? ' (asked for)' : ''}${shared}${fewer}`, main);
  }
  for (let n = 2; n >= 1; n--) {
    if (full(n) >= LADDER_FLOOR_FULLS * minFull)
      return plan(n, `ladder ${n} (default): full runs of ${full(n)} tokens leave room for it`);
  }
  return plan(
    0,
    `no ladder (default): with one size, full runs would be ${full(1)} tokens, under ${LADDER_FLOOR_FULLS * minFull}`,
  );
}
