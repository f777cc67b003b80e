/**
 * Running one rung of one trial: the run's config (seed, rung budget, resume point), the executor
 * slot, the live monitor on its curve, and what the finished run means for the trial.
 */
import { isAbsolute, join } from 'node:path';
import type { TrainConfig } from '../config/train-config.ts';
import type { Executor, SlotLease } from '../executors/base.ts';
import type { Curve, Decision, MonitorRule, Reference } from '../monitor/base.ts';
import { evaluate } from '../monitor/index.ts';
import type { RunEvent } from '../runs/events.ts';
import { launchRun, type RunController } from '../runs/launch.ts';
import type { RunRecord, Store } from '../store/base.ts';
import { codeLaunchOptions } from './code-guard.ts';
import type { WorkItem } from './scheduler.ts';
import type { SessionSpec } from './spec.ts';
import { proposalOf, type SessionState } from './state.ts';

export interface TrialRunContext {
  store: Store;
  executor: Executor;
  spec: SessionSpec;
  state: SessionState;
  sessionId: string;
  baseFlopsPerToken: number;
  rules: MonitorRule[];
  /** Rules for baseline trials: only the certain ones (nan, divergence): the baseline measures the noise. */
  baselineRules: MonitorRule[];
  /** Baseline band for a rung (undefined until the baseline has finished that rung). */
  reference(rung: number): Reference | undefined;
  onKill(run: RunController, d: Extract<Decision, { action: 'stop' }>, item: WorkItem): void;
  onEvent?(run: RunController, e: RunEvent, item: WorkItem): void;
  signal?: AbortSignal;
}

/** The config of the run for this work item. */
export function runConfigFor(
  item: WorkItem,
  state: SessionState,
  spec: SessionSpec,
  baseFlopsPerToken: number,
): TrainConfig {
  const p = proposalOf(state, item.trial.proposalId);
  const c = structuredClone(p.config);
  c.seed = item.trial.seed;
  const top = spec.rungTokens.length - 1;
  // Equal compute: a change that costs more (or less) per token gets the baseline's FLOPs, not its tokens.
  c.budget =
    Math.abs(p.cost - 1) > 0.05 ? { flops: item.tokens * baseFlopsPerToken } : { tokens: item.tokens };
  // ~8 evals per run, at the same token counts for every run of a rung, so curves compare point by point.
  // Periodic evals only feed the monitor, so they are small (the same slice for every run of the
  // session, so bands compare); ~6 per run. Lower rungs only rank trials for promotion: their final eval
  // is capped too. The top rung keeps the config's own final eval, which defines the reported val bpb.
  c.train.evalEveryTokens = Math.max(c.train.batchTokens, Math.round(spec.rungTokens[item.rung] / 6));
  c.train.evalTokensPerDomain = Math.min(c.train.evalTokensPerDomain, 512);
  if (item.rung < top) c.train.finalEvalTokensPerDomain = Math.min(c.train.finalEvalTokensPerDomain, 4096);
  c.train.checkpointAtStable = c.schedule.name === 'wsd' && item.rung < top;
  delete c.resume;
  if (item.resumeFrom) c.resume = { checkpoint: item.resumeFrom };
  delete c.preset;
  c.preset = p.config.preset;
  return c;
}

export interface TrialRunResult {
  run: RunRecord;
  decision?: Extract<Decision, { action: 'stop' }>;
}

/** Start the run (after a slot is acquired by the caller) and resolve when it has ended. */
export async function runTrialRung(
  ctx: TrialRunContext,
  item: WorkItem,
  lease: SlotLease,
): Promise<TrialRunResult> {
  const { state, spec } = ctx;
  const p = proposalOf(state, item.trial.proposalId);
  const top = spec.rungTokens.length - 1;
  const config = runConfigFor(item, state, spec, ctx.baseFlopsPerToken);
  const curve: Curve = { train: [], eval: [], budgetTokens: item.tokens };
  let decision: Extract<Decision, { action: 'stop' }> | undefined;
  const fpt = ctx.baseFlopsPerToken * p.cost;
  // Curves are indexed by FLOP-equivalent baseline tokens so an expensive change is judged at equal compute.
  const eqTokens = (flops: number, tokens: number) =>
    Math.abs(p.cost - 1) > 0.05 && flops > 0 ? flops / ctx.baseFlopsPerToken : tokens;
  let sinceCheck = 0;

  // Agent code: sandboxed, its patch as provenance, harness/data hashes verified before and after (code-guard.ts).
  const code =
    p.codeDir && p.codeHash
      ? codeLaunchOptions(
          { codeDir: p.codeDir, codeHash: p.codeHash, sandbox: p.sandbox ?? 'bwrap' },
          config,
          undefined,
          fpt, // measured at admission (code-experiments.ts); the judge checks the trained weights against it
        )
      : undefined;

  const ctl = await launchRun({
    store: ctx.store,
    config,
    sessionId: ctx.sessionId,
    parentRunId: item.resumeFrom ? item.trial.runIds[item.trial.runIds.length - 1] : undefined,
    tags: {
      trial: item.trial.id,
      proposal: p.id,
      rung: String(item.rung),
      purpose: item.trial.purpose,
      threads: String(lease.threads ?? ''),
    },
    codeFrom: p.codeDir,
    extraHash: p.codeHash ?? '',
    ...(code
      ? { provenance: code.provenance, wrapCommand: code.wrapCommand, verify: code.verify, judge: code.judge }
      : {}),
    executorName: ctx.executor.name,
    startProcess: (a) => ctx.executor.start(lease, a),
    mapStatus: (s) => {
      const { status, reason } = code ? code.explain(s) : s;
      return status === 'completed' && item.rung < top
        ? {
            status: 'stopped',
            reason: `reached the rung ${item.rung} budget (${item.tokens} tokens); successive halving decides promotion`,
          }
        : { status, reason };
    },
    onEvent: (e, run) => {
      ctx.onEvent?.(run, e, item);
      if (decision || run.stopRequest) return;
      if (e.kind === 'train') {
        curve.train.push({
          step: e.step,
          tokens: eqTokens(e.flops, e.tokens),
          flops: e.flops,
          loss: e.loss,
          lr: e.lr,
          gradNorm: e.gradNorm,
        });
        if (++sinceCheck < 5) return;
      } else if (e.kind === 'eval') {
        if (e.final) return;
        curve.eval.push({
          step: e.step,
          tokens: eqTokens(e.flops, e.tokens),
          flops: e.flops,
          valLoss: e.valLoss,
          valBpb: e.valBpb,
        });
      } else return;
      sinceCheck = 0;
      const ref = item.trial.purpose === 'baseline' ? undefined : ctx.reference(item.rung);
      const d = evaluate(curve, ref, item.trial.purpose === 'baseline' ? ctx.baselineRules : ctx.rules);
      if (d.action === 'stop') {
        decision = d;
        run.stop(`monitor: ${d.message}`, d.rule, d.evidence);
        ctx.onKill(run, d, item);
      }
    },
  });
  item.trial.runIds.push(ctl.runId);
  const onAbort = () => ctl.stop('session stopped');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) onAbort(); // the stop came while the run was being launched
  try {
    const run = await ctl.done;
    countRunFlops(state, item, run, fpt);
    const stable = run.summary.stableCheckpoint;
    if (typeof stable === 'string') {
      item.trial.stableCheckpoint = isAbsolute(stable) ? stable : join(run.runDir, stable);
      item.trial.stableTokens = run.summary.stableTokens;
    }
    return { run, decision };
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

/** Add the FLOPs a finished run computed itself to its trial and session (a resumed run starts from its checkpoint's count). */
export function countRunFlops(state: SessionState, item: WorkItem, run: RunRecord, fpt: number): void {
  const startTokens = item.resumeFrom ? (item.trial.stableTokens ?? 0) : 0;
  const endTokens = run.summary.tokens ?? 0;
  const used =
    run.summary.flops !== undefined && !item.resumeFrom
      ? run.summary.flops
      : Math.max(0, endTokens - startTokens) * fpt;
  item.trial.flops += used;
  state.flopsUsed += used;
}
