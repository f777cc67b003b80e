/**
 * The final re-run: every method's pick (and the base config, as a reference) at the full budget on
 * the same fresh seeds, which no method saw. Identical configs (by config hash) run once. Each result is
 * handed to `onResult` as it lands, so an interrupted bench resumes without re-running it.
 */
import { configHash } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { fmtBpb, methodEnv, runFull, type BenchContext } from './context.ts';

/** `${configHash}|${seed}` -> val bpb (null: the run failed). */
export type RerunValues = Record<string, number | null>;

export const rerunKey = (config: TrainConfig, seed: number) => `${configHash(config)}|${seed}`;

export async function rerun(
  ctx: BenchContext,
  configs: TrainConfig[],
  seeds: number[],
  done: RerunValues,
  onResult: (key: string, value: number | null) => void,
): Promise<RerunValues> {
  const unique = new Map(configs.map((c) => [configHash(c), c]));
  const todo = [...unique.values()]
    .flatMap((c) => seeds.map((seed) => ({ c, seed })))
    .filter((x) => !(rerunKey(x.c, x.seed) in done));
  if (todo.length === 0) return done;
  ctx.log(`[rerun] ${unique.size} distinct configs x ${seeds.length} seeds: ${todo.length} runs to go`);
  const env = await methodEnv(ctx, 'rerun', ctx.opts.parallel);
  let finished = 0;
  try {
    const worker = async () => {
      for (let job = todo.shift(); job; job = todo.shift()) {
        const r = await runFull(ctx, env, job.c, job.seed, { method: 'rerun' });
        const key = rerunKey(job.c, job.seed);
        done[key] = r.value ?? null;
        onResult(key, r.value ?? null);
        ctx.log(`[rerun] ${++finished} ${key}: ${r.status} val ${fmtBpb(r.value)}`);
      }
    };
    await Promise.all(Array.from({ length: ctx.opts.parallel }, worker));
  } finally {
    await env.close();
  }
  return done;
}
