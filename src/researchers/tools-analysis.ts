/**
 * The tools that measure what a change is worth (README "Compute multiplier"): a scaling-law fit over
 * the session's runs and a proposal's compute multiplier. The engine answers them (ToolContext.analysis,
 * research/io/analysis.ts) over this session's runs only; a researcher names a proposal, never a run.
 */
import { z } from 'zod';
import { fail, ok, tool } from './tool-kit.ts';

const unavailable = 'analysis is not available in this turn';

export const fitScaling = tool({
  name: 'fit_scaling',
  description:
    "Fit L(N, D) = E + A/N^alpha + B/D^beta (Chinchilla approach 3) over this session's fully-decayed runs: each parameter with a 95% CI, compute-optimal N and D, and warnings when it is under-determined (too few model sizes).",
  schema: z.object({}).strict(),
  async run(_i, ctx) {
    if (!ctx.analysis) return fail(unavailable);
    return ok(await ctx.analysis.fitScaling());
  },
});

export const computeMultiplierTool = tool({
  name: 'compute_multiplier',
  description:
    'What a proposal of this session is worth in compute: the baseline compute needed to reach its val bpb (from the baseline fitted over its fully-decayed budgets) divided by the compute it spent, with a 95% bootstrap CI, e.g. "worth 1.23× compute [1.15, 1.31]".',
  schema: z
    .object({
      proposal: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .describe('a proposal id of this session, e.g. "p3"'),
    })
    .strict(),
  async run(i, ctx) {
    if (!ctx.analysis) return fail(unavailable);
    return ok(await ctx.analysis.computeMultiplier(i.proposal));
  },
});
