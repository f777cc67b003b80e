/**
 * Running one rung of one trial: the run's config (seed, rung budget, resume point), the executor
 * slot, the live monitor on its curve, and what the finished run means for the trial.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import type { Executor, SlotLease } from '../../executors/base.ts';
import { applyCall, newWatch, watchStep, type Assessment } from '../../monitor/assess.ts';
import type { Curve, Decision, MonitorRule, Reference } from '../../monitor/base.ts';
import { curveCase, type CurveCase } from '../../monitor/case.ts';
import type { CurveJudgement } from '../../researchers/base.ts';
import { MIXTURE_STUDY_SOURCE } from '../../researchers/mixture-study.ts';
import type { RunEvent } from '../../runs/events.ts';
import { launchRun, type RunController } from '../../runs/launch.ts';
import type { RunRecord, Store } from '../../store/base.ts';
import { codeLaunchOptions } from './code-guard.ts';
import type { WorkItem } from '../core/scheduler.ts';
import { isFlopMatched, rungFinalEval, topRung, type SessionSpec } from '../core/spec.ts';
import { proposalOf, type SessionState } from '../core/state.ts';
import { ladderFlopsPerToken, ladderRunConfig } from '../core/ladder-state.ts';

export interface TrialRunContext {
  store: Store;
  executor: Executor;
  spec: SessionSpec;
  /** The session's state when the run started (read only: the session changes it through transitions). */
  state: SessionState;
  sessionId: string;
  baseFlopsPerToken: number;
  rules: MonitorRule[];
  /** Rules for baseline trials: only the certain ones (nan, divergence): the baseline measures the noise. */
  baselineRules: MonitorRule[];
  /** Baseline band for a rung (undefined until the baseline has finished that rung). */
  reference(rung: number): Reference | undefined;
  /** The run has its id (before it ends): the session keeps it on the trial. */
  onLaunched?(run: RunController, item: WorkItem): void;
  onKill(run: RunController, d: Extract<Decision, { action: 'stop' }>, item: WorkItem): void;
  /**
   * Put an ambiguous curve to the researcher (io/judge-curve.ts); absent when it cannot judge curves
   * (the rules decide). Resolves to its checked call, or undefined (no answer: the rules decide).
   */
  judge?(c: CurveCase, a: Assessment, item: WorkItem): Promise<CurveJudgement | undefined>;
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
  const c = rungRunConfig(p.config, {
    seed: item.trial.seed,
    rung: item.rung,
    tokens: item.tokens,
    cost: p.cost,
    rungTokens: spec.rungTokens,
    baseFlopsPerToken,
    resumeFrom: item.resumeFrom,
    scoreForLaw: item.trial.purpose === 'baseline',
  });
  return item.trial.purpose === 'ladder' ? ladderRunConfig(c, state, item.trial) : c; // a larger size
}

/**
 * The run a session makes of `config` on `seed` at a rung: its budget (equal compute: a change that
 * costs more, or less, per token gets the baseline's FLOPs, not its tokens), the session's eval
 * settings at that rung, and the resume point. setup.ts checks a carried base run against it.
 * `scoreForLaw` (a base's run): below the top its final eval also scores the top's size
 * (train.alsoEvalTokensPerDomain), the value the compute law reads (core/costed-runs.ts).
 */
export function rungRunConfig(
  config: TrainConfig,
  o: {
    seed: number;
    rung: number;
    tokens: number;
    cost: number;
    rungTokens: readonly number[];
    baseFlopsPerToken: number;
    resumeFrom?: string;
    scoreForLaw?: boolean;
  },
): TrainConfig {
  const c = structuredClone(config);
  c.seed = o.seed;
  const top = o.rungTokens.length - 1;
  c.budget = isFlopMatched(o.cost) ? { flops: o.tokens * o.baseFlopsPerToken } : { tokens: o.tokens };
  // Periodic evals only feed the monitor, so they are small (the same slice for every run of the
  // session, so bands compare); ~6 per run, at the same token counts for every run of a rung, so
  // curves compare point by point. Lower rungs only rank trials for promotion: their final eval is
  // capped too. The top rung keeps the config's own final eval, which defines the reported val bpb.
  c.train.evalEveryTokens = Math.max(c.train.batchTokens, Math.round(o.rungTokens[o.rung] / 6));
  c.train.evalTokensPerDomain = Math.min(c.train.evalTokensPerDomain, 512);
  const full = c.train.finalEvalTokensPerDomain;
  c.train.finalEvalTokensPerDomain = rungFinalEval(full, o.rung, top);
  delete c.train.alsoEvalTokensPerDomain;
  if (o.scoreForLaw && c.train.finalEvalTokensPerDomain < full) c.train.alsoEvalTokensPerDomain = full;
  c.train.checkpointAtStable = c.schedule.name === 'wsd' && o.rung < top;
  delete c.resume;
  if (o.resumeFrom) c.resume = { checkpoint: o.resumeFrom };
  delete c.preset;
  c.preset = config.preset;
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
  const top = topRung(spec);
  const config = runConfigFor(item, state, spec, ctx.baseFlopsPerToken);
  const curve: Curve = { train: [], eval: [], budgetTokens: item.tokens };
  let decision: Extract<Decision, { action: 'stop' }> | undefined;
  // Curves are indexed by FLOP-equivalent baseline tokens so an expensive change is judged at equal compute.
  const eqTokens = (flops: number, tokens: number) =>
    isFlopMatched(p.cost) && flops > 0 ? flops / ctx.baseFlopsPerToken : tokens;
  let sinceCheck = 0;
  const watch = newWatch(); // the researcher's say on this run's ambiguous stops (src/monitor/assess.ts)
  const byDomain: Array<Record<string, number>> = []; // per periodic eval, for the researcher's case
  // baseline, ablation, ladder and study runs are measurements: only the certain rules stop them, never the
  // researcher (and the band of the session's size says nothing about a larger model). So is a point of
  // the data-mixture study at its first rung, the one value the study reads: its regression needs the bad
  // mixtures as much as the good ones, and a run stopped for being behind the baseline is left out of it
  // (analysis/importance.ts `comparable`; in CI such stops left a study 4 mixtures of the 5 it needed)
  const mixturePoint = p.source === MIXTURE_STUDY_SOURCE && item.rung === item.trial.startRung;
  const isBaseline = ['baseline', 'ablation', 'ladder', 'study'].includes(item.trial.purpose) || mixturePoint;
  let ended = false; // an answer that comes back after the run ended changes nothing
  const kill = (run: RunController, d: Extract<Decision, { action: 'stop' }>) => {
    decision = d;
    run.stop(`monitor: ${d.message}`, d.rule, d.evidence);
    ctx.onKill(run, d, item);
  };

  // Agent code: sandboxed, its patch as provenance, harness/data hashes verified before and after (code-guard.ts).
  const code =
    p.codeDir && p.codeHash
      ? codeLaunchOptions(
          { codeDir: p.codeDir, codeHash: p.codeHash, sandbox: p.sandbox ?? 'bwrap' },
          config,
          undefined,
          item.trial.purpose === 'ladder'
            ? ladderFlopsPerToken(state, item.trial)
            : ctx.baseFlopsPerToken * p.cost, // measured at admission (code-experiments.ts); the judge checks the trained weights against it
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
      ...(item.trial.ladder ? { ladderStep: String(item.trial.ladder.step) } : {}),
      threads: String(lease.threads ?? ''),
    },
    codeFrom: p.codeDir,
    extraHash: p.codeHash ?? '',
    ...(code
      ? {
          provenance: code.provenance,
          wrapCommand: code.wrapCommand,
          verify: code.verify,
          unsafeNoSandbox: code.unsafeNoSandbox,
          limits: code.limits,
          wallSeconds: code.wallSeconds,
          judge: code.judge,
        }
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
          // the slice this eval scored (set above for every periodic eval): the eval-size rule reads it
          evalTokensPerDomain: config.train.evalTokensPerDomain,
        });
        byDomain.push(e.byDomain as Record<string, number>);
      } else return;
      sinceCheck = 0;
      const ref = isBaseline ? undefined : ctx.reference(item.rung);
      const rules = isBaseline ? ctx.baselineRules : ctx.rules;
      const step = watchStep(curve, ref, rules, watch, !isBaseline && ctx.judge !== undefined);
      if (step.kind === 'stop') kill(run, step.decision);
      else if (step.kind === 'ask') {
        const d = step.assessment.decision as Extract<Decision, { action: 'stop' }>;
        const c = curveCase({
          runId: run.runId,
          label: `${p.id} (${p.title}) ${item.trial.purpose} rung ${item.rung} seed ${item.trial.seed}`,
          curve,
          reference: ref,
          assessment: step.assessment,
          byDomain,
          domains: Object.keys(config.data.mixture).length
            ? new Set(Object.keys(config.data.mixture))
            : undefined,
        });
        watch.pending = true;
        const settle = (j: CurveJudgement | undefined) => {
          applyCall(watch, j?.call, d.rule, curve.eval.length);
          if (ended || decision || run.stopRequest || j?.call === 'keep' || j?.call === 'flag') return;
          // a kill, or no answer (the rules decide): the rule's stop, with the researcher's word if any
          kill(
            run,
            j
              ? {
                  ...d,
                  message: `${d.message}; the researcher agreed: ${j.reason}`,
                  evidence: { ...d.evidence, researcher: { call: j.call, reason: j.reason } },
                }
              : d,
          );
        };
        ctx.judge!(c, step.assessment, item).then(settle, () => settle(undefined));
      }
    },
  });
  ctx.onLaunched?.(ctl, item);
  const onAbort = () => ctl.stop('session stopped');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) onAbort(); // the stop came while the run was being launched
  try {
    const run = await ctl.done; // its FLOPs and checkpoint go to the trial in `runEnded`
    ended = true;
    return { run, decision };
  } finally {
    ended = true;
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
