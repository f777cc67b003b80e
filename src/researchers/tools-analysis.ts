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

export const analyzeImportance = tool({
  name: 'analyze_importance',
  description:
    "Which config knobs explain the variance of final val bpb across the stored runs comparable with this session (same dataset, the reference trainer; this and earlier sessions): each knob's share of variance with a 95% bootstrap CI, the runs it rests on, mean delta per level, and the strongest pairwise interactions. Observational: knobs that moved together share credit.",
  schema: z.object({}).strict(),
  async run(_i, ctx) {
    if (!ctx.analysis?.importance) return fail(unavailable);
    return ok(await ctx.analysis.importance());
  },
});

export const compareRuns = tool({
  name: 'compare_runs',
  description:
    "Two to eight runs side by side: status, final val bpb, config change vs the baseline config, eval and train curves (subsampled to `points`), and per-domain final val bpb in one table. Only this session's runs, or stored runs comparable with it (same dataset, unpatched reference trainer); any other id is listed as refused.",
  schema: z
    .object({
      runIds: z
        .array(z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'a run id (letters, digits, - and _)'))
        .min(2)
        .max(8)
        .describe('run ids from query_runs or the digest'),
      points: z.number().int().min(3).max(40).default(12),
    })
    .strict(),
  async run(i, ctx) {
    if (!ctx.analysis?.compareRuns) return fail(unavailable);
    return ok(await ctx.analysis.compareRuns(i.runIds, i.points));
  },
});
