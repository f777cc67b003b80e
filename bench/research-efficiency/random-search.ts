/**
 * Method 1, random search: every trial is a config drawn at random from the knobs TPE searches
 * (TPE_EXCLUDED leaves out the model shape and mixture weights, so all three methods search the same
 * space), uniform or log-uniform per knob as the space says, categoricals uniform; one seed, the full
 * budget, `parallel` at a time, until the FLOPs budget is committed. Its pick is the best single run.
 */
import type { Knob } from '../../src/config/search-space.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { effectiveDiff, roundSig, tryApply, type KnobValue } from '../../src/researchers/config-diff.ts';
import { Rng, hash32 } from '../../src/researchers/rng.ts';
import { TPE_EXCLUDED, tpeKnobs } from '../../src/researchers/tpe-proposals.ts';
import {
  methodEnv,
  runFull,
  fmtBpb,
  type BenchContext,
  type MethodResult,
  type Pick,
  type TracePoint,
} from './context.ts';
import { runSeedBase } from './options.ts';

function draw(k: Knob, rng: Rng): KnobValue {
  if (k.type === 'categorical') return k.choices[rng.int(k.choices.length)];
  if (k.type === 'int' && !k.log) return k.low + rng.int(k.high - k.low + 1);
  const u = k.log
    ? Math.exp(rng.uniform(Math.log(Math.max(k.low, 1e-12)), Math.log(k.high)))
    : rng.uniform(k.low, k.high);
  return k.type === 'int' ? Math.min(k.high, Math.max(k.low, Math.round(u))) : roundSig(u, 3);
}

/** A random point of the space applied to `base` (redrawn until the config is valid). */
export function randomConfig(
  base: TrainConfig,
  knobs: Knob[],
  rng: Rng,
): { set: Record<string, unknown>; config: TrainConfig } {
  for (let attempt = 0; attempt < 100; attempt++) {
    const point: Record<string, KnobValue> = {};
    for (const k of knobs) point[k.path] = draw(k, rng);
    const T = base.model.seqLen; // the trainer runs whole sequences: say what runs (as TPE does)
    const bt = point['train.batchTokens'];
    if (typeof bt === 'number') point['train.batchTokens'] = Math.max(T, Math.round(bt / T) * T);
    const set = effectiveDiff(base, point);
    const config = tryApply(base, set);
    if (config) return { set, config };
  }
  throw new Error('random search: no valid config in 100 draws');
}

export async function randomSearch(ctx: BenchContext, sessionSeed: number): Promise<MethodResult> {
  const t0 = Date.now();
  const env = await methodEnv(ctx, `s${sessionSeed}-random`, ctx.opts.parallel);
  const knobs = tpeKnobs(ctx.space, TPE_EXCLUDED);
  const rng = new Rng(hash32(`random-search|${sessionSeed}`));
  const seed = runSeedBase(sessionSeed);
  const trace: TracePoint[] = [];
  let used = 0;
  let committed = 0; // planned FLOPs of the runs in flight
  let runs = 0;
  let failed = 0;
  let best: Pick | undefined;
  const inflight = new Set<Promise<void>>();
  try {
    for (;;) {
      while (inflight.size < ctx.opts.parallel && used + committed + ctx.fullFlops / 2 < ctx.budgetFlops) {
        const { set, config } = randomConfig(ctx.base, knobs, rng);
        const planned = ctx.fullFlops; // a full run is capped at the base config's FLOPs (fullRunConfig)
        const i = ++runs;
        committed += planned;
        const p = runFull(ctx, env, config, seed, { method: 'random', trial: String(i) }).then((r) => {
          committed -= planned;
          used += r.flops;
          if (r.value === undefined) failed++;
          else if (!best || r.value < best.observed!)
            best = { title: `random #${i}`, change: set, config, observed: r.value, n: 1 };
          if (best)
            trace.push({
              flops: used,
              incumbent: best.observed!,
              changed: best.observed!,
              incumbentTrue: ctx.truthOf?.(best.config),
            });
          ctx.log(
            `[s${sessionSeed} random] #${i} ${r.status} val ${fmtBpb(r.value)} | best ${fmtBpb(best?.observed)} | ${((100 * used) / ctx.budgetFlops).toFixed(0)}% of budget`,
          );
          inflight.delete(p);
        });
        inflight.add(p);
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight);
    }
  } finally {
    await env.close();
  }
  if (!best) throw new Error(`random search (session ${sessionSeed}): every run failed`);
  return {
    method: 'random',
    sessionSeed,
    flopsUsed: used,
    runs,
    failedRuns: failed,
    trace,
    finalObserved: best.observed,
    pick: best,
    kept: Object.keys(best.change).length ? [{ title: best.title, from: ctx.base, to: best.config }] : [],
    wallSeconds: (Date.now() - t0) / 1000,
  };
}
