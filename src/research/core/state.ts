/**
 * The session's resumable state, persisted (as JSON in the session record) after every change.
 *
 * A *proposal* is one idea (a config diff or code change against the session's base config). A *trial*
 * is one seed of one proposal, trained rung by rung; each rung segment is one run (a promoted WSD
 * trial resumes from its stable-phase checkpoint, so its runs form a chain by parentRunId). The
 * baseline is the proposal with id 'baseline'.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import type { Change } from '../../researchers/base.ts';
import type { AblationStudy } from './ablation-state.ts';
import type { LadderState } from './ladder.ts';

export const BASELINE = 'baseline';

/**
 * `ablation`: a measurement run of a confirmed win's parts (core/ablation.ts); `ladder`: a size-ladder run
 * (core/ladder-state.ts); `study`: one run at the study rung (spec.ts `studyRung`), or at the top, of a
 * researcher's designed study (Proposal.runAs). None is ever judged as a proposal, in the noise floor,
 * successive halving or the stack.
 */
export type TrialPurpose = 'baseline' | 'explore' | 'seeds' | 'confirm' | 'ablation' | 'ladder' | 'study';
/** A candidate's decision trials: the ones its sequential looks read (the held-out confirmation is apart). */
export const DECISION_PURPOSES: readonly TrialPurpose[] = ['explore', 'seeds'];
export type TrialStatus =
  | 'pending' // waiting for a slot (next rung in `rung`)
  | 'running'
  | 'awaiting' // finished a rung below the top; waiting for a promotion decision
  | 'done' // finished the top rung (or the rung it was asked for)
  | 'left' // left behind at a lower rung (successive halving)
  | 'killed' // stopped by a monitor rule
  | 'failed' // the run failed, diverged or was lost
  | 'cancelled'; // never ran to the end (session over)

export interface TrialState {
  id: string;
  proposalId: string;
  seed: number;
  purpose: TrialPurpose;
  rung: number; // the rung it is running / will run / last finished
  startRung: number; // explore trials start at spec.ts `exploreRung`; seed and confirm trials go straight to the top
  status: TrialStatus;
  runIds: string[];
  results: Record<string, number>; // rung index -> final val bpb at that rung
  rungRuns: Record<string, string>; // rung index -> the run that produced that result
  flops: number; // FLOPs used by all its runs
  stableCheckpoint?: string; // WSD: where a promotion resumes from
  stableTokens?: number; // tokens already trained at that checkpoint
  stopRule?: string;
  note?: string;
  untilRung?: number; // a base's lower-rung filler: done after this rung (core/rebase.ts)
  /** A base trial below the top: its value on the top rung's eval size, by rung (core/costed-runs.ts). */
  lawResults?: Record<string, number>;
  pairOf?: string; // a base's run of a candidate's look seed (next-seed.ts `nextSeedTrials`): that candidate
  /** Ladder trials only: the size step, and the result there (never in `results`, which holds rungs). */
  ladder?: { step: number; valBpb?: number; runId?: string };
}

export interface ProposalState {
  id: string;
  title: string;
  hypothesis: string;
  change: Change;
  expectedEffect: number;
  cost: number; // FLOPs/token relative to the baseline
  source: string;
  key: string; // dedup key (config hash of the changed config [+ code hash])
  config: TrainConfig;
  codeDir?: string; // for code changes: the patched trainer dir
  codeHash?: string;
  sandbox?: 'bwrap' | 'none'; // code changes: how its runs are isolated (decided at admission)
  status: 'active' | 'dropped' | 'concluded';
  verdict?: 'win' | 'loss' | 'inconclusive' | 'pending';
  stats?: {
    delta: number;
    ci95: [number, number];
    pValue: number;
    adjustedP?: number;
    n: number;
    mean: number;
    std: number;
  };
  confirmed?: boolean;
  /** An ablation arm of this confirmed win (core/ablation.ts): measured, never judged, never an idea. */
  ablationOf?: string;
  /** A point of a researcher's designed study (Proposal.runAs 'study' or 'study-top'): measured once, at the study rung or the top, never judged. */
  study?: true;
  createdAt: string;
  baseId?: string; // the base it is a diff against and judged against (core/base.ts); absent: the baseline
  /** One test per decision-seed count (core/conclude.ts), with the sequential p-value after it. */
  looks?: Array<{
    n: number;
    p: number;
    delta: number;
    nBase?: number;
    blocked?: boolean;
    seqP?: number;
    carried?: boolean; // taken by the session it is continued from (core/open-tests.ts): not read
  }>;
  /** Ahead of its base and undecided when the session ended: the next session on this base continues it. */
  openAtEnd?: true;
  /** Of those, one that had passed and lost its held-out confirmation to the end (core/open-tests.ts). */
  passedAtEnd?: true;
  /** The open test of an earlier session it continues (core/open-tests.ts). */
  continues?: { session: string; proposalId: string };
  /** Its own number of looks where it is not the session's: a continued test keeps its schedule. */
  maxSeeds?: number;
}

/** One move of the session's base (core/base.ts), with the evidence that justified it. */
export interface Rebase {
  from: string; // proposal id of the previous base
  to: string; // proposal id of the new base
  at: string; // ISO time
  evidence: { delta: number; ci95: [number, number]; n: number; nBase: number; p: number };
  seedTrials: string[]; // the new base's trials whose top-rung values are its decision seeds
}

export interface SessionState {
  version: 1;
  nextTrial: number;
  nextProposal: number;
  proposals: ProposalState[];
  trials: TrialState[];
  bestProposalId?: string;
  flopsUsed: number;
  secondsUsed: number; // wall seconds across all attempts (resumes add up)
  researcherExhausted: boolean;
  emptyAsks?: number; // consecutive asks that produced no admissible proposal
  curveAsks?: number; // ambiguous curves put to the researcher this session (rate-limited: transitions.ts `curveAsked`)
  rejected: Array<{ title: string; reason: string }>;
  ablations?: AblationStudy[]; // leave-one-out studies of multi-knob wins (core/ablation.ts)
  ablationAsks?: number; // request_ablation calls this session (rate-limited: transitions/ablation-request.ts)
  stopAsks?: number; // stop_run calls this session (rate-limited: transitions/stop-request.ts)
  calibration: { tokPerSec?: number; startupSeconds?: number; samples: number };
  finished?: boolean;
  base?: string; // the current base's proposal id (core/base.ts `currentBase`); absent: the baseline
  rebases?: Rebase[]; // every move of the base, in order, with its evidence
  /** The size ladder of the session's best change (core/ladder-state.ts), once it is due. */
  ladder?: LadderState;
}

/** The id the next admitted proposal gets (a code change's folder is named after it before admission). */
export const nextProposalId = (state: SessionState): string => `p${state.nextProposal}`;

/**
 * The most decision seeds (looks) a test gets: its own schedule if it brought one (a continued test's
 * proposal, or the open test it continues: core/open-tests.ts), else the session's.
 */
export const maxSeedsOf = (spec: { maxSeeds: number }, p: { maxSeeds?: number }): number =>
  p.maxSeeds ?? spec.maxSeeds;

export function emptyState(): SessionState {
  return {
    version: 1,
    nextTrial: 1,
    nextProposal: 1,
    proposals: [],
    trials: [],
    flopsUsed: 0,
    secondsUsed: 0,
    researcherExhausted: false,
    rejected: [],
    calibration: { samples: 0 },
  };
}

export function proposalOf(state: SessionState, id: string): ProposalState {
  const p = state.proposals.find((x) => x.id === id);
  if (!p) throw new Error(`unknown proposal ${id}`);
  return p;
}

export function trialsOf(state: SessionState, proposalId: string): TrialState[] {
  return state.trials.filter((t) => t.proposalId === proposalId);
}

/** Final val bpb values of a proposal's trials at a rung (only trials that finished that rung). */
export function valuesAt(
  state: SessionState,
  proposalId: string,
  rung: number,
  purposes?: readonly TrialPurpose[],
): number[] {
  return trialsOf(state, proposalId)
    .filter((t) => !purposes || purposes.includes(t.purpose))
    .map((t) => t.results[String(rung)])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Proposals that count against `maxProposals`: ideas, not the baseline, the engine's ablation arms or study points. */
export function ideaCount(state: SessionState): number {
  return state.proposals.filter((p) => p.id !== BASELINE && !p.ablationOf && !p.study).length;
}
