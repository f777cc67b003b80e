/**
 * What every transition reads (EngineContext) and the small helpers they share. See ../transitions.ts.
 */
import type { TrainConfig } from '../../../config/train-config.ts';
import type { Decision } from '../../../monitor/base.ts';
import type { Effect } from '../effects.ts';
import type { SessionSpec } from '../spec.ts';
import type { SessionState, TrialState } from '../state.ts';

/** What every transition may read about its session (fixed for the session's life). */
export interface EngineContext {
  sessionId: string;
  spec: SessionSpec;
  baseConfig: TrainConfig;
  baseFlopsPerToken: number;
}

export type StopDecision = Extract<Decision, { action: 'stop' }>;

/** The code folder of an admitted code change (io/code-experiments.ts made and checked it). */
export interface AdmittedCode {
  codeDir: string;
  codeHash: string;
  sandbox: 'bwrap' | 'none';
}

export const draftOf = (state: SessionState): SessionState => structuredClone(state);

export function trialOf(state: SessionState, id: string): TrialState {
  const t = state.trials.find((x) => x.id === id);
  if (!t) throw new Error(`unknown trial ${id}`);
  return t;
}

export { nextProposalId } from '../state.ts';

/** A tried-idea record for the store (effects.ts `idea`). */
export const idea = (key: string, title: string, proposalId: string, outcome: string): Effect => ({
  kind: 'idea',
  idea: { key, title, proposalId, outcome },
});
