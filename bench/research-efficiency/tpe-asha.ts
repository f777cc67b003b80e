/**
 * Method 3, TPE + successive halving without statistics (the Optuna recipe: TPESampler with a
 * SuccessiveHalvingPruner, keep the best trial). The product's own TPE (src/researchers/tpe.ts, through
 * tpe-proposals.ts) proposes whole configs over the knobs random search draws from; each trial is one
 * full-budget run on one seed that reports its val bpb at the rung token counts Flywheel uses; at every
 * rung below the top the asynchronous successive-halving rule (`promotable`, Optuna's
 * `_is_trial_promotable_to_next_rung`) keeps it only while it is in the best 1/eta of all trials that
 * reached that rung so far; otherwise the run is stopped there. `parallel` trials at a time; pending
 * trials are not observations (Optuna's default). Pick: the best single completed run.
 *
 * TPE observations: a completed trial by its final val bpb; a pruned one ranked behind every trial that
 * got further, then by its last rung value (Optuna's TPE orders pruned trials by (steps reached, value));
 * TPE only uses ranks to split good from bad, so `value + 10 x rungs short` encodes exactly that order.
 */
import { vocabOf } from '../../src/config/train-config.ts';
import { tryApply } from '../../src/researchers/config-diff.ts';
import { Rng, hash32 } from '../../src/researchers/rng.ts';
import type { Observation } from '../../src/researchers/tpe.ts';
import { TPE_EXCLUDED, tpeKnobs, tpeObservations, tpeProposal } from '../../src/researchers/tpe-proposals.ts';
import {
  fmtBpb,
  methodEnv,
  runFull,
  type BenchContext,
  type MethodResult,
  type Pick,
  type TracePoint,
} from './context.ts';
import { runSeedBase } from './options.ts';

/** Optuna's successive-halving promotion rule; `competing` includes `value` itself. */
export function promotable(value: number, competing: number[], eta: number): boolean {
  let idx = Math.floor(competing.length / eta) - 1;
  if (idx === -1) idx = 0; // the first eta - 1 trials at a rung: promoted only if the best so far
  const sorted = [...competing].sort((a, b) => a - b);
  return value <= sorted[idx];
}

/** Rung token budgets, ascending, the last the full budget (the same as Flywheel's). */
export const rungTokensOf = (ctx: BenchContext): number[] =>
  Array.from({ length: ctx.opts.rungs }, (_, i) =>
    Math.max(
      ctx.base.train.batchTokens,
      Math.round(ctx.fullTokens / ctx.opts.eta ** (ctx.opts.rungs - 1 - i)),
    ),
  );

export async function tpeAsha(ctx: BenchContext, sessionSeed: number): Promise<MethodResult> {
  const t0 = Date.now();
  const { opts } = ctx;
  const env = await methodEnv(ctx, `s${sessionSeed}-tpe`, opts.parallel);
  const knobs = tpeKnobs(ctx.space, TPE_EXCLUDED);
  const basePoint = tpeObservations([], ctx.base, knobs)[0].point;
  const ideaCtx = { vocabSize: vocabOf(ctx.base), domains: ctx.domains };
  const rungs = rungTokensOf(ctx);
  const top = rungs.length - 1;
  const perToken = ctx.fullFlops / ctx.fullTokens;
  const atRung: number[][] = rungs.map(() => []);
  const observations: Observation[] = [];
  const avoidKeys = new Set<string>();
  const seed = runSeedBase(sessionSeed);
  const trace: TracePoint[] = [];
  const stats = { trials: 0, pruned: [0, 0, 0, 0, 0], completed: 0, failed: 0 };
  let used = 0;
  let committed = 0; // FLOPs the runs in flight may still spend (up to their next rung)
  let best: Pick | undefined;
  const inflight = new Set<Promise<void>>();
  const log = (m: string) => ctx.log(`[s${sessionSeed} tpe] ${m}`);

  const startTrial = (): boolean => {
    if (used + committed + rungs[0] * perToken > ctx.budgetFlops) return false;
    const i = stats.trials + 1;
    const rng = new Rng(hash32(`tpe-asha|${sessionSeed}|${i}`));
    const s = tpeProposal({ base: ctx.base, ctx: ideaCtx, knobs, observations, avoidKeys, rng });
    if (!s) return false;
    stats.trials = i;
    avoidKeys.add(s.key);
    const set = s.proposal.change.kind === 'config' ? s.proposal.change.set : {};
    const point = { ...basePoint, ...(set as Observation['point']) };
    const config = tryApply(ctx.base, set) ?? ctx.base; // tpeProposal only returns valid configs
    let reserved = rungs[0] * perToken;
    committed += reserved;
    let checked = -1; // the last rung this trial was judged at
    let last = NaN;
    let pruned = false; // a run that ends before the stop lands is still pruned: its later values are unseen
    const p = runFull(
      ctx,
      env,
      config,
      seed,
      { method: 'tpe', trial: String(i) },
      {
        evalEveryTokens: rungs[0],
        onEvent: (e, run) => {
          if (e.kind !== 'eval' || e.final || run.stopRequest) return;
          for (let r = checked + 1; r < top && rungs[r] <= e.tokens; r++) {
            checked = r;
            last = e.valBpb;
            atRung[r].push(e.valBpb);
            const next = (rungs[r + 1] - rungs[r]) * perToken;
            const fits = used + committed + next <= ctx.budgetFlops + 0.5 * ctx.fullFlops;
            if (!promotable(e.valBpb, atRung[r], opts.eta) || !fits) {
              stats.pruned[r]++;
              pruned = true;
              run.stop(fits ? `pruned at rung ${r} (successive halving)` : 'FLOPs budget spent');
              return;
            }
            committed += next;
            reserved += next;
          }
        },
      },
    ).then((r) => {
      committed -= reserved;
      used += r.flops;
      if (r.value !== undefined && !pruned) {
        stats.completed++;
        observations.push({ point, value: r.value });
        if (!best || r.value < best.observed!)
          best = { title: s.proposal.title, change: set, config, observed: r.value, n: 1 };
      } else if (pruned) {
        observations.push({ point, value: last + 10 * (top - checked) });
      } else {
        stats.failed++;
        observations.push({ point, value: Infinity });
      }
      if (best)
        trace.push({
          flops: used,
          incumbent: best.observed!,
          changed: best.observed!,
          incumbentTrue: ctx.truthOf?.(best.config),
        });
      log(
        `#${i} ${pruned ? `pruned at rung ${checked} (${fmtBpb(last)})` : `${r.status} val ${fmtBpb(r.value)}`} | best ${fmtBpb(best?.observed)} | ${((100 * used) / ctx.budgetFlops).toFixed(0)}% of budget`,
      );
      inflight.delete(p);
    });
    inflight.add(p);
    return true;
  };

  try {
    for (;;) {
      while (inflight.size < opts.parallel && startTrial());
      if (inflight.size === 0) break;
      await Promise.race(inflight);
    }
  } finally {
    await env.close();
  }
  if (!best) throw new Error(`TPE+ASHA (session ${sessionSeed}): no trial reached the full budget`);
  return {
    method: 'tpe',
    sessionSeed,
    flopsUsed: used,
    runs: stats.trials,
    failedRuns: stats.failed,
    trace,
    finalObserved: best.observed,
    pick: best,
    kept: Object.keys(best.change).length ? [{ title: best.title, from: ctx.base, to: best.config }] : [],
    wallSeconds: (Date.now() - t0) / 1000,
    extra: { rungTokens: rungs, completed: stats.completed, prunedAtRung: stats.pruned.slice(0, top) },
  };
}
