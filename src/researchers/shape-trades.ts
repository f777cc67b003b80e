/**
 * Width/depth trades at fixed FLOPs per token: a deeper-narrower and a shallower-wider model that cost
 * the same compute per token as the current best (within ±10 %, by src/runs/flops.ts), so an ablation
 * compares shapes, not sizes. Widths stay divisible by the heads with an even head size (RoPE needs it).
 */
import type { ModelConfig, TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import type { Idea, IdeaContext } from './idea.ts';

export const FLOPS_TOLERANCE = 0.1; // |F'/F - 1| a trade may miss its target by

export interface Shape {
  depth: number;
  width: number;
  heads: number;
}

/**
 * The shape of depth `depth` whose FLOPs/token is closest to `m`'s: widths from 8 to 4x the current,
 * heads either kept or chosen to keep the head size. Undefined when none lands within the tolerance.
 */
export function fixedFlopsShape(m: ModelConfig, vocabSize: number, depth: number): Shape | undefined {
  const target = flopsPerToken(m, vocabSize);
  const hs = m.width / m.heads;
  let best: (Shape & { err: number }) | undefined;
  for (let width = 8; width <= 4 * m.width; width++) {
    const headOptions = new Set([m.heads, width / hs]);
    for (const heads of headOptions) {
      if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0 || (width / heads) % 2 !== 0) continue;
      const f = flopsPerToken({ ...m, depth, width, heads }, vocabSize);
      const err = Math.abs(f / target - 1);
      // ties: keep the head count (fewer moving parts)
      if (!best || err < best.err - 1e-12 || (Math.abs(err - best.err) <= 1e-12 && heads === m.heads)) {
        best = { depth, width, heads, err };
      }
    }
  }
  return best && best.err <= FLOPS_TOLERANCE
    ? { depth: best.depth, width: best.width, heads: best.heads }
    : undefined;
}

function shapeSet(base: TrainConfig, s: Shape): Record<string, unknown> {
  const set: Record<string, unknown> = { 'model.depth': s.depth, 'model.width': s.width };
  if (s.heads !== base.model.heads) set['model.heads'] = s.heads;
  return set;
}

function tradeIdea(
  id: string,
  title: string,
  hypothesis: string,
  expectedEffect: number,
  newDepth: (d: number) => number,
): Idea {
  const shape = (b: TrainConfig, ctx: IdeaContext) => {
    const d = newDepth(b.model.depth);
    return d >= 1 && d !== b.model.depth ? fixedFlopsShape(b.model, ctx.vocabSize, d) : undefined;
  };
  return {
    id,
    title,
    hypothesis,
    expectedEffect,
    tags: ['architecture', 'shape', 'fixed-flops'],
    applies: (b, ctx) => shape(b, ctx) !== undefined,
    change: (b, ctx) => shapeSet(b, shape(b, ctx)!),
  };
}

export const SHAPE_IDEAS: Idea[] = [
  tradeIdea(
    'deeper-narrower',
    'Deeper-narrower at fixed FLOPs/token',
    'Depth x1.5 with the width cut to keep FLOPs/token: more sequential composition per token. Kaplan et al. ' +
      '2020 find loss nearly shape-independent over a wide range, so this mostly probes whether the preset sits ' +
      'near that flat region; on CPU a narrower model also runs fewer FLOP/s, which a seconds budget punishes.',
    -0.002,
    (d) => Math.max(d + 1, Math.round(d * 1.5)),
  ),
  tradeIdea(
    'shallower-wider',
    'Shallower-wider at fixed FLOPs/token',
    'Depth x2/3 with the width raised to keep FLOPs/token: wider matmuls run closer to peak FLOP/s on CPU (more ' +
      'tokens within a seconds budget) and tiny models are often width-starved (Kaplan et al. 2020 aspect-ratio ' +
      'sweeps; nanochat sets width = 64 x depth).',
    -0.003,
    (d) => Math.min(d - 1, Math.round(d / 1.5)),
  ),
];
