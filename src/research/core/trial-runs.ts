/**
 * What a finished run leaves on its trial: the FLOPs it computed, and (WSD) the stable-phase checkpoint
 * a promotion resumes from. Called by transitions.ts on its draft.
 */
import { isAbsolute, join } from 'node:path';
import type { RunRecord } from '../../store/base.ts';
import type { SessionState, TrialState } from './state.ts';

/** Add the FLOPs a finished run computed itself to its trial and session (a resumed run starts from its checkpoint's count). */
export function countRunFlops(
  state: SessionState,
  trial: TrialState,
  resumeFrom: string | undefined,
  run: RunRecord,
  fpt: number,
): void {
  const startTokens = resumeFrom ? (trial.stableTokens ?? 0) : 0;
  const endTokens = run.summary.tokens ?? 0;
  const used =
    run.summary.flops !== undefined && !resumeFrom
      ? run.summary.flops
      : Math.max(0, endTokens - startTokens) * fpt;
  trial.flops += used;
  state.flopsUsed += used;
}

/** A WSD run below the top rung saved its stable-phase checkpoint: where the trial's promotion resumes. */
export function runEndState(trial: TrialState, run: RunRecord): void {
  const stable = run.summary.stableCheckpoint;
  if (typeof stable === 'string') {
    trial.stableCheckpoint = isAbsolute(stable) ? stable : join(run.runDir, stable);
    trial.stableTokens = run.summary.stableTokens;
  }
}

/** A run whose trainer reached its budget and reported a finite val bpb: a usable result. */
export function resultOfRun(run: RunRecord): number | undefined {
  const trainerDone = run.summary.trainerStatus === 'completed' || run.status === 'completed';
  const v = run.summary.valBpb;
  return trainerDone && typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * A usable run's second final-eval score (train.alsoEvalTokensPerDomain, summary.alsoEval) on
 * `tokensPerDomain` val tokens per domain, or undefined: not asked for, another size, or not reported
 * (a trainer of your own need not report it; a judged run's is the judge's, its in-process claim set
 * aside, judge/apply.ts). The compute law's value of a base's lower-rung run (core/costed-runs.ts).
 */
export function alsoResultOfRun(run: RunRecord, tokensPerDomain: number): number | undefined {
  const a = run.summary.alsoEval;
  if (resultOfRun(run) === undefined || a?.evalTokensPerDomain !== tokensPerDomain) return undefined;
  return Number.isFinite(a.valBpb) ? a.valBpb : undefined;
}
