/**
 * The tools an LLM researcher may call, as zod schemas (sent to both APIs as JSON Schema) with their
 * executors. Every call is validated; an invalid one (schema error, unknown or forbidden config key,
 * harness.py edit, a search text that is not unique) is answered with an error result naming the
 * problem, so the model can correct itself. Nothing here can run compute or mark a win: proposals are
 * collected for the engine, which validates them again and decides everything.
 *
 * The same tool list is sent on every call (a stable, cacheable prompt prefix); which tools make sense
 * in a turn (propose / review / fix) is said in the turn's task and enforced here.
 */
import { DEFAULT_NOISE_KEYS } from '../stats/seed-only.ts';
import { z } from 'zod';
import { applyEdits, EDITABLE_FILES } from '../research/io/code-edits.ts';
import { mixtureRefusal } from '../config/mixture-check.ts';
import { admitProposal, type Admission } from '../research/core/proposals.ts';
import type { Proposal } from './base.ts';
import {
  fail,
  ok,
  runTool as runWith,
  tool,
  toolSpecs as specsOf,
  type ToolContext,
  type ToolDef,
  type ToolResult,
  type ToolSpec,
} from './tool-kit.ts';
import { analyzeImportance, compareRuns, computeMultiplierTool, fitScaling } from './tools-analysis.ts';
import { requestAblation, stopRun } from './tools-engine.ts';
import { getCurve, getDigest, queryRuns, readTrainerFile } from './tools-look.ts';

export type { ToolContext, ToolDef, ToolResult, ToolSpec, TurnMode } from './tool-kit.ts';

// Objects and lists pass the schema on purpose: the key grammar (src/config/keys.ts) then refuses a group
// given as a whole object (`"train": {...}`) with the true reason, not a schema error.
const SetValue = z.union([
  z.number(),
  z.string(),
  z.boolean(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);
const Common = {
  title: z.string().min(3).max(120).describe('short name of the idea, e.g. "Muon for hidden matrices"'),
  hypothesis: z.string().min(10).max(2000).describe('why it should lower val bpb, one or two sentences'),
  expectedEffect: z
    .number()
    .min(-1)
    .max(1)
    .describe('expected change in val bpb at the full budget; negative = better, e.g. -0.02'),
  cost: z
    .number()
    .positive()
    .max(100)
    .optional()
    .describe(
      'relative compute per token vs the baseline (1 = same); the engine recomputes it for config changes',
    ),
};

function tried(ctx: ToolContext): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of ctx.digest.tried) m.set(t.key, t.title);
  return m;
}

function admitDry(p: Proposal, ctx: ToolContext, codeHash?: string): Admission {
  const badMixture = mixtureRefusal(p.change, ctx.digest.baselineConfig, ctx.digest.searchSpace);
  if (badMixture) return { ok: false, reason: badMixture }; // as the engine's admission (io/intake.ts)
  const seen = tried(ctx);
  for (const q of ctx.proposals)
    if (q.change.kind === 'config') {
      const a = admitProposal(q, ctx.digest.baselineConfig, {
        searchSpace: ctx.digest.searchSpace,
        noiseKeys: DEFAULT_NOISE_KEYS,
        triedKeys: new Map(),
      });
      if (a.ok) seen.set(a.key, `${q.title}, proposed earlier in this turn`);
    }
  return admitProposal(p, ctx.digest.baselineConfig, {
    searchSpace: ctx.digest.searchSpace,
    noiseKeys: DEFAULT_NOISE_KEYS,
    triedKeys: codeHash === undefined ? seen : new Map(),
    codeHash,
  });
}

function canPropose(ctx: ToolContext): string | undefined {
  if (ctx.proposals.length >= ctx.maxProposals)
    return `you have already proposed ${ctx.proposals.length} experiment(s), the most this turn allows; call finish_turn`;
  return undefined;
}

const proposeConfig = tool({
  name: 'propose_config_experiment',
  description:
    'Propose a config experiment: dotted TrainConfig paths -> new values, applied to the baseline config (e.g. {"optim.lr": 0.002}). Validated now against TrainConfig, the search space and the ideas already tried.',
  schema: z
    .object({ ...Common, set: z.record(z.string(), SetValue).describe('dotted TrainConfig path -> value') })
    .strict(),
  run(i, ctx) {
    if (ctx.mode === 'fix')
      return fail('this turn is about fixing a code experiment: use propose_code_experiment or finish_turn');
    const full = canPropose(ctx);
    if (full) return fail(full);
    const p: Proposal = {
      title: i.title,
      hypothesis: i.hypothesis,
      change: { kind: 'config', set: i.set },
      expectedEffect: i.expectedEffect,
      cost: i.cost,
      source: ctx.source,
    };
    const a = admitDry(p, ctx);
    if (!a.ok) {
      const hint = /(unknown|bad) config key/.test(a.reason)
        ? ' Valid keys are the dotted paths of baselineConfig in the digest (e.g. optim.lr, model.depth, schedule.name).'
        : '';
      return fail(`not accepted: ${a.reason}.${hint}`);
    }
    ctx.proposals.push(p);
    return ok(
      `accepted as candidate ${ctx.proposals.length} (relative cost ${a.cost.toFixed(2)}x); the engine schedules it after this turn`,
    );
  },
});

const Edit = z.object({
  file: z.string().describe(`${EDITABLE_FILES.join(' or ')}`),
  search: z.string().min(1).describe('exact text of the current file to replace; must occur exactly once'),
  replace: z.string().describe('the new text'),
});

const proposeCode = tool({
  name: 'propose_code_experiment',
  description: `Propose a code experiment: exact search/replace edits of ${EDITABLE_FILES.join(' / ')} (applied in order to the original files), optionally with config changes. harness.py cannot be edited. It is compiled and smoke-tested for 20 steps in a sandbox before it gets budget.`,
  schema: z
    .object({
      ...Common,
      edits: z.array(Edit).min(1).max(12),
      set: z.record(z.string(), SetValue).optional(),
    })
    .strict(),
  run(i, ctx) {
    if (!ctx.codeAllowed.ok) return fail(ctx.codeAllowed.reason);
    const full = ctx.mode === 'fix' ? undefined : canPropose(ctx);
    if (full) return fail(full);
    if (ctx.mode === 'fix' && ctx.proposals.length)
      return fail('you already proposed the fix; call finish_turn');
    const edited = applyEdits(ctx.trainerDir, i.edits);
    if (!edited.ok) return fail(`not accepted: ${edited.reason}`);
    const p: Proposal = {
      title: i.title,
      hypothesis: i.hypothesis,
      change: { kind: 'code', edits: i.edits, ...(i.set ? { set: i.set } : {}) },
      expectedEffect: i.expectedEffect,
      cost: i.cost,
      source: ctx.source,
    };
    if (i.set) {
      const a = admitDry(p, ctx, '');
      if (!a.ok) return fail(`not accepted: ${a.reason}`);
    }
    ctx.proposals.push(p);
    return ok(
      `accepted as candidate ${ctx.proposals.length}: edits apply cleanly to ${[...edited.files.keys()].join(', ')}; it will be compiled and smoke-tested before it gets budget`,
    );
  },
});

let findingSeq = 0; // two findings in one millisecond still get distinct ids

const recordFinding = tool({
  name: 'record_finding',
  description:
    "Record a conclusion with the run ids that support it. Stored as an unconfirmed finding (shown in later digests); only the engine's statistics confirm wins.",
  schema: z
    .object({
      title: z.string().min(3).max(160),
      statement: z.string().min(10).max(2000),
      evidenceRunIds: z.array(z.string()).min(1).max(20),
    })
    .strict(),
  async run(i, ctx) {
    const found = await ctx.store.listRuns({ ids: i.evidenceRunIds, fields: 'list' });
    const missing = i.evidenceRunIds.filter((id) => !found.some((r) => r.id === id));
    if (missing.length)
      return fail(`unknown run id(s): ${missing.join(', ')} (use query_runs to find run ids)`);
    const id = `${ctx.digest.sessionId}-${ctx.source}-${Date.now().toString(36)}-${(++findingSeq).toString(36)}`;
    await ctx.store.addFinding({
      id,
      sessionId: ctx.digest.sessionId,
      title: `[unconfirmed, ${ctx.source}] ${i.title}`,
      statement: i.statement,
      confirmed: false,
      runIds: i.evidenceRunIds,
    });
    await ctx.journal?.('note', `${ctx.source} recorded a finding (unconfirmed): ${i.title}`, {
      body: i.statement,
      data: { findingId: id, runIds: i.evidenceRunIds },
    });
    return ok(`recorded as unconfirmed finding ${id}`);
  },
});

const judgeCurve = tool({
  name: 'judge_curve',
  description:
    "Only in a judge turn: your call on the run the task shows (the monitor's rules disagree about it). keep = let it run (the rule that fired is muted for this run only; NaN/divergence still stop it), kill = stop it now, flag = let it run to its next eval, then the rules decide alone. runId must be the run of the task.",
  schema: z
    .object({
      runId: z.string().max(80),
      call: z.enum(['keep', 'kill', 'flag']),
      reason: z.string().min(3).max(600).describe('one or two sentences: what in the curves decided it'),
    })
    .strict(),
  run(i, ctx) {
    if (ctx.mode !== 'judge' || !ctx.curveCase)
      return fail('judge_curve only applies in a judge turn (the engine asks about a specific run)');
    if (i.runId !== ctx.curveCase.runId)
      return fail(`this turn is about run ${ctx.curveCase.runId} only; you cannot judge any other run`);
    if (ctx.judgement) return fail('you already judged this run; call finish_turn');
    ctx.judgement = { runId: i.runId, call: i.call, reason: i.reason };
    return ok(`recorded: ${i.call}; call finish_turn`);
  },
});

const finishTurn = tool({
  name: 'finish_turn',
  description:
    'End this turn. summary: what you learned and why you proposed what you did (kept as your note for later turns). In a review turn: promote / drop = proposal ids. wait: true in a propose turn where you propose nothing until a run in flight ends (e.g. a candidate that may become the new base is being judged); you are asked again after the next run ends.',
  schema: z
    .object({
      summary: z.string().max(3000).optional(),
      promote: z.array(z.string()).max(20).optional(),
      drop: z.array(z.string()).max(50).optional(),
      wait: z.boolean().optional(),
    })
    .strict(),
  run(i, ctx) {
    if (ctx.mode !== 'review' && (i.promote?.length || i.drop?.length))
      return fail('promote/drop only apply in a review turn; call finish_turn without them');
    if (i.wait && ctx.mode !== 'propose') return fail('wait only applies in a propose turn');
    if (i.wait && !ctx.canWait)
      return fail(
        'nothing is running to wait for: propose, or call finish_turn without wait to stop proposing',
      );
    if (i.wait && ctx.proposals.length)
      return fail(
        `you proposed ${ctx.proposals.length} experiment(s) this turn: call finish_turn without wait`,
      );
    ctx.finished = { summary: i.summary, promote: i.promote ?? [], drop: i.drop ?? [], wait: i.wait };
    return ok('turn finished');
  },
});

export const TOOLS: ToolDef[] = [
  getDigest,
  queryRuns,
  getCurve,
  readTrainerFile,
  fitScaling,
  computeMultiplierTool,
  analyzeImportance,
  compareRuns,
  proposeConfig,
  proposeCode,
  recordFinding,
  requestAblation,
  stopRun,
  judgeCurve,
  finishTurn,
];

export const toolSpecs = (tools: ToolDef[] = TOOLS): ToolSpec[] => specsOf(tools);

/** Validate and run one tool call (unknown tools, schema errors and thrown errors come back as error results). */
export const runTool = (
  name: string,
  input: unknown,
  ctx: ToolContext,
  tools: ToolDef[] = TOOLS,
): Promise<ToolResult> => runWith(name, input, ctx, tools);
