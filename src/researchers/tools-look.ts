/**
 * The tools that look (read-only): the digest, stored runs, a run's curve against the baseline band,
 * and the trainer's source.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RUN_STATUSES } from '../store/base.ts';
import { compactDigest, configDiff } from './prompts.ts';
import { fail, ok, r4, tool } from './tool-kit.ts';

export const getDigest = tool({
  name: 'get_digest',
  description:
    'The session digest: baseline config and val bpb, noise floor per rung, best so far with CI, recent results, findings, ideas already tried, rejected proposals, the search space and budget.',
  schema: z.object({}).strict(),
  run: (_i, ctx) => ok(compactDigest(ctx.digest)),
});

export const queryRuns = tool({
  name: 'query_runs',
  description:
    'Stored runs (this session or all sessions), filtered and sorted, with val bpb, status and reason, and the config change vs the current baseline config.',
  schema: z
    .object({
      status: z.array(z.enum(RUN_STATUSES)).optional().describe('only runs in these states'),
      scope: z.enum(['session', 'all']).default('session'),
      proposal: z.string().optional().describe('only runs of this proposal id, e.g. "p3" or "baseline"'),
      orderBy: z.enum(['valBpb', 'createdAt']).default('valBpb'),
      limit: z.number().int().min(1).max(50).default(20),
    })
    .strict(),
  async run(i, ctx) {
    const runs = await ctx.store.listRuns({
      status: i.status,
      sessionId: i.scope === 'session' ? ctx.digest.sessionId : undefined,
      orderBy: i.orderBy,
      desc: i.orderBy === 'createdAt',
      limit: i.proposal ? 500 : i.limit,
      fields: 'list',
    });
    const rows = runs
      .filter((r) => !i.proposal || r.tags.proposal === i.proposal)
      .slice(0, i.limit)
      .map((r) => ({
        id: r.id,
        status: r.status,
        reason: r.statusReason?.slice(0, 160),
        valBpb: r4(r.summary.valBpb),
        tokens: r.summary.tokens,
        proposal: r.tags.proposal,
        purpose: r.tags.purpose,
        rung: r.tags.rung,
        seed: r.seed,
        session: r.sessionId,
        change: configDiff(ctx.digest.baselineConfig, r.config),
        code: r.codeDiff ? 'patched' : undefined,
      }));
    return ok({ count: rows.length, runs: rows });
  },
});

function downsample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
  return out;
}

export const getCurve = tool({
  name: 'get_curve',
  description:
    "A run's loss curve (train loss, downsampled) and its evals (val bpb) next to the baseline band (min/mean/max of this session's baseline runs at the same rung and tokens).",
  schema: z
    .object({ runId: z.string().min(1), points: z.number().int().min(5).max(60).default(20) })
    .strict(),
  async run(i, ctx) {
    const run = await ctx.store.getRun(i.runId);
    if (!run) return fail(`no run with id "${i.runId}" (use query_runs to list runs)`);
    const m = await ctx.store.getMetrics(run.id);
    const base = run.sessionId
      ? (await ctx.store.listRuns({ sessionId: run.sessionId, fields: 'list' })).filter(
          (r) => r.tags.proposal === 'baseline' && r.tags.rung === run.tags.rung && r.id !== run.id,
        )
      : [];
    const baseEvals = await Promise.all(
      base.map(async (r) => (await ctx.store.getMetrics(r.id, 'eval')).eval),
    );
    const band = (tokens: number) => {
      const vs = baseEvals
        .map((ev) => ev.find((p) => p.tokens === tokens)?.valBpb)
        .filter((v): v is number => typeof v === 'number');
      return vs.length
        ? {
            min: r4(Math.min(...vs)),
            mean: r4(vs.reduce((a, b) => a + b, 0) / vs.length),
            max: r4(Math.max(...vs)),
          }
        : undefined;
    };
    return ok({
      run: {
        id: run.id,
        status: run.status,
        reason: run.statusReason?.slice(0, 200),
        valBpb: r4(run.summary.valBpb),
        proposal: run.tags.proposal,
        rung: run.tags.rung,
      },
      train: downsample(m.train, i.points).map((p) => [p.tokens, r4(p.loss)]),
      eval: m.eval.map((p) => ({ tokens: p.tokens, valBpb: r4(p.valBpb), baseline: band(p.tokens) })),
      baselineRuns: base.map((r) => r.id),
    });
  },
});

export const readTrainerFile = tool({
  name: 'read_trainer_file',
  description:
    'Read the reference trainer source: train.py and model.py (editable by propose_code_experiment) or harness.py (read-only: data, eval, budget, events). Optionally a line range (1-based, inclusive).',
  schema: z
    .object({
      file: z.enum(['train.py', 'model.py', 'harness.py']),
      fromLine: z.number().int().min(1).optional(),
      toLine: z.number().int().min(1).optional(),
    })
    .strict(),
  run(i, ctx) {
    const lines = readFileSync(join(ctx.trainerDir, i.file), 'utf8').split('\n');
    const from = i.fromLine ?? 1;
    const to = Math.min(lines.length, i.toLine ?? lines.length);
    if (from > to) return fail(`fromLine ${from} is after toLine ${to} (the file has ${lines.length} lines)`);
    return ok(
      `# ${i.file}, lines ${from}-${to} of ${lines.length}${i.file === 'harness.py' ? ' (read-only)' : ''}\n${lines.slice(from - 1, to).join('\n')}`,
    );
  },
});
