/**
 * Monitor rules judge; they never act. A rule is a pure function of a run's curve so far and an
 * optional reference (the baseline band); it returns a Decision. The scheduler is the only part that
 * stops processes, and it journals every stop with the rule's name and evidence.
 *
 * Contract for a rule:
 * - Pure and deterministic: same (curve, reference, params) -> same decision. No I/O, no clocks.
 * - Cheap: called after every batch of new points of every live run (O(window) work).
 * - Conservative: a rule that is unsure says continue. Each rule is tested on curves it must stop
 *   AND on curves it must not (noisy but healthy, slow starter).
 */

export interface TrainPointLite {
  step: number;
  tokens: number;
  flops?: number;
  elapsed?: number;
  loss: number; // may be NaN/Infinity
  lr?: number;
  gradNorm?: number;
}

export interface EvalPointLite {
  step: number;
  tokens: number;
  flops?: number;
  valLoss: number;
  valBpb: number;
  /** Val tokens per domain this eval scored, when the trainer reports it (an eval's own noise level). */
  evalTokensPerDomain?: number;
}

export interface Curve {
  train: TrainPointLite[];
  eval: EvalPointLite[];
  /** Total tokens this run will train for, when known (tokens budget), so rules can reason about progress. */
  budgetTokens?: number;
}

/** The baseline band at a token count: mean and std of the baseline seeds' eval metric there. */
export interface Band {
  mean: number;
  std: number;
  n: number;
}

export interface Reference {
  /** Baseline band of val bpb at `tokens` (interpolated between the baseline seeds' evals), if covered. */
  evalBand(tokens: number): Band | undefined;
  /** Baseline band of train loss at `tokens`, if covered. */
  trainBand?(tokens: number): Band | undefined;
  /** Baseline seeds' LR at `tokens` (band of the logged lr), if their train points carry it. */
  lrBand?(tokens: number): Band | undefined;
}

export type Decision =
  | { action: 'continue' }
  | {
      action: 'stop';
      rule: string; // e.g. 'nan', 'divergence', 'spike', 'stall', 'behind-baseline'
      message: string; // one line for the journal: "loss=nan at step 41"
      evidence: Record<string, unknown>; // the numbers that decided it (steps, values, thresholds)
    };

export const CONTINUE: Decision = { action: 'continue' };

export interface MonitorRule {
  readonly name: string;
  check(curve: Curve, reference?: Reference): Decision;
}
