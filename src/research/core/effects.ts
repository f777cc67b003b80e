/**
 * What a transition asks the world to do, as data. `transitions.ts` returns these; `../effects.ts` is the
 * only code that carries them out (journal, store, researcher), and it ends every batch with one persist.
 */
import type { ResultSummary } from '../../researchers/base.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import type {
  AttributionEntry,
  FindingRecord,
  JournalKind,
  LadderResult,
  TriedIdea,
} from '../../store/base.ts';
import type { SessionState } from './state.ts';

export interface JournalExtra {
  body?: string;
  proposalId?: string;
  runIds?: string[];
  data?: Record<string, unknown>;
}

export type Effect =
  /** One journal entry (the evidence of a decision). */
  | { kind: 'journal'; entry: JournalKind; title: string; extra?: JournalExtra }
  /** An idea's outcome in the store's cross-session ideas table (dedup for later sessions). */
  | { kind: 'idea'; idea: Omit<TriedIdea, 'sessionId' | 'createdAt'> }
  /** A durable finding (a confirmed win, or a loss). */
  | { kind: 'finding'; finding: FindingRecord }
  /** The researcher sees a proposal's result (after its conclusion, if it concluded now). */
  | { kind: 'observe'; result: ResultSummary }
  /** The baseline finished a rung: rebuild the monitor's reference band for that rung. */
  | { kind: 'reference'; rung: number }
  /**
   * A win's finding learns its attribution (core/transitions/ablated.ts): merged into its `scale` (other
   * scale fields kept); `config` (the checked minimal change) replaces what a later session starts from.
   */
  | {
      kind: 'findingScale';
      id: string;
      attribution: AttributionEntry[];
      statement?: string; // appended to the finding's statement
      config?: TrainConfig;
    }
  /** A win's size ladder (transitions/laddered.ts): its finding gains `scale.ladder` and the words. */
  | { kind: 'findingLadder'; findingId: string; ladder: LadderResult[]; words: string };

/** A transition's answer: the new state (the input is never changed) and what to do about it. */
export interface Step {
  state: SessionState;
  effects: Effect[];
}

export const journal = (entry: JournalKind, title: string, extra?: JournalExtra): Effect => ({
  kind: 'journal',
  entry,
  title,
  ...(extra ? { extra } : {}),
});
