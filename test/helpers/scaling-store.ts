/**
 * Run records shaped like the trainer's, for analysis tests: a tiny config at the given depths and token
 * budgets, params and FLOPs from the FLOP accounting, val bpb from a known L(N, D) plus seed noise,
 * written through the real store (createRun + finishRun).
 */
import { configHash, resolveConfig } from '../../src/config/resolve.ts';
import { flopsPerToken, matmulParams } from '../../src/runs/flops.ts';
import { mulberry32, randNormal } from '../../src/stats/rng.ts';
import type { Store } from '../../src/store/base.ts';

const VOCAB = 2048;
export const law = (N: number, D: number) => 1.6 + 40 / N ** 0.3 + 60 / D ** 0.3;
const rng = mulberry32(11);
let n = 0;

export interface SeedRunOptions {
  sets: string[];
  tokens: number;
  seed: number;
  sessionId?: string;
  proposal?: string;
  shift?: number; // subtracted from the law's loss (a better candidate)
}

export async function addAnalysisRun(store: Store, o: SeedRunOptions): Promise<string> {
  const config = resolveConfig({ preset: 'tiny', sets: o.sets, budget: `${o.tokens}tok`, seed: o.seed });
  const params = matmulParams(config.model, VOCAB) + VOCAB * config.model.width;
  const flops = flopsPerToken(config.model, VOCAB) * o.tokens;
  const id = `r${n++}`;
  await store.createRun({
    id,
    config,
    configHash: configHash(config),
    seed: o.seed,
    runDir: `/nonexistent/${id}`,
    status: 'running',
    sessionId: o.sessionId,
    preset: 'tiny',
    tags: o.proposal ? { proposal: o.proposal } : {},
  });
  const valBpb = law(params, o.tokens) - (o.shift ?? 0) + 0.004 * randNormal(rng);
  await store.finishRun(id, 'completed', 'budget reached', { valBpb, params, tokens: o.tokens, flops });
  return id;
}

/** 3 depths x 2 token budgets x `seeds` seeds of the tiny preset. */
export async function addDepthSweep(store: Store, seeds = 2): Promise<void> {
  for (const depth of [1, 2, 3])
    for (const tokens of [50_000, 150_000])
      for (let seed = 0; seed < seeds; seed++)
        await addAnalysisRun(store, { sets: [`model.depth=${depth}`], tokens, seed });
}
