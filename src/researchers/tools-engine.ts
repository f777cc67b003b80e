/**
 * The tools that ask the engine to act (README "Research sessions"): `request_ablation` (take a confirmed
 * multi-knob win of this session apart, knob by knob) and `stop_run` (stop a running candidate run of
 * this session, with a reason for the journal). The engine answers them (ToolContext.engine,
 * research/io/requests.ts): it checks the ask, decides the runs, seeds and budget, rate-limits and
 * journals. A stopped run counts against its proposal (a loss), never as a missing seed.
 */
import { z } from 'zod';
import { fail, ok, tool, type ToolContext } from './tool-kit.ts';

const unavailable = (ctx: ToolContext) =>
  !ctx.engine
    ? 'the engine takes no requests in this turn'
    : ctx.mode === 'fix' || ctx.mode === 'judge'
      ? `not in a ${ctx.mode} turn: ask in a propose or review turn`
      : undefined;

export const requestAblation = tool({
  name: 'request_ablation',
  description:
    "Ask the engine to ablate a confirmed win of this session that changes several knobs: it re-runs the win without each knob (and, for few knobs, each knob alone) at the full budget on the win's seeds, attributes the effect to each knob with a 95% CI, and keeps the smallest change that carries the win. The engine ablates the session's best multi-knob win by itself; ask for another one. The engine picks runs, seeds and budget; a few requests per session.",
  schema: z
    .object({
      proposal: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,40}$/)
        .describe('the id of a confirmed win of this session, e.g. "p7"'),
      reason: z.string().min(3).max(400).describe('why its parts matter, one sentence (journaled)'),
    })
    .strict(),
  async run(i, ctx) {
    const no = unavailable(ctx);
    if (no) return fail(no);
    const r = await ctx.engine!.requestAblation(i.proposal, i.reason);
    return r.ok ? ok(r.message) : fail(r.message);
  },
});

export const stopRun = tool({
  name: 'stop_run',
  description:
    'Ask the engine to stop a running run of one of your proposals in this session (explore, extra-seed or confirmation runs), with the reason, which is journaled. Baseline and ablation runs are never stopped. A stopped run counts against its proposal: the proposal is concluded a loss. A few requests per session.',
  schema: z
    .object({
      runId: z
        .string()
        .regex(/^[A-Za-z0-9_.:-]{1,80}$/)
        .describe('the run id (query_runs lists them)'),
      reason: z.string().min(3).max(400).describe('what in its curve says it will not win (journaled)'),
    })
    .strict(),
  async run(i, ctx) {
    const no = unavailable(ctx);
    if (no) return fail(no);
    const r = await ctx.engine!.stopRun(i.runId, i.reason);
    return r.ok ? ok(r.message) : fail(r.message);
  },
});
