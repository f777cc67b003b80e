/**
 * The session's base: the config every new proposal is a diff against and every candidate is judged
 * against. It starts as the baseline proposal and moves (re-bases) to each confirmed config win or stack
 * judged against the current base, so wins compound within a session the way greedy keep-if-better's do
 * (README "Research sessions"). `currentBase(state)` is the one way to read it.
 *
 * Which runs of a base are its decision seeds (the values candidates are compared with):
 *  - the baseline proposal: its 'baseline' trials at the top rung (its paired confirmation re-runs are
 *    kept apart, as before);
 *  - a re-based winner: every top-rung run it had when it became the base (its decision seeds and its
 *    own held-out confirmation; `Rebase.seedTrials`), plus 'baseline' trials added for it later. Its
 *    later paired confirmation re-runs stay apart, so a later candidate's confirmation is held out
 *    (where seeds pair, a candidate's confirmation may pair with a decision run of the base on a seed
 *    the candidate's decision never ran: trial-steps.ts `scheduleConfirmation`).
 * The winner's decision seeds are the ones that looked good (it was picked for them), so they sit a
 * little low: later candidates are compared with a slightly flattering base, which can only cost
 * power, never add a false win. Its held-out confirmation seed, drawn fresh, pulls the mean back.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import { topRung, type SessionSpec } from './spec.ts';
import {
  BASELINE,
  proposalOf,
  type ProposalState,
  type Rebase,
  type SessionState,
  type TrialState,
} from './state.ts';

export type { Rebase };

/** The base now: its proposal id, proposal and config. */
export function currentBase(state: SessionState): {
  id: string;
  proposal: ProposalState;
  config: TrainConfig;
} {
  const id = state.base ?? BASELINE;
  const proposal = proposalOf(state, id);
  return { id, proposal, config: proposal.config };
}

/** The base a proposal is judged against: the base when it was admitted (the baseline for itself). */
export function baseOf(state: SessionState, proposalId: string): string {
  if (proposalId === BASELINE) return BASELINE;
  return proposalOf(state, proposalId).baseId ?? BASELINE;
}

/** Every proposal that is or was the session's base (their base runs keep running after they concluded). */
export function isBaseId(state: SessionState, id: string): boolean {
  return id === BASELINE || (state.rebases ?? []).some((r) => r.to === id);
}

/** The trials whose top-rung values are a base's decision seeds (see the file comment). */
export function baseDecisionTrials(state: SessionState, baseId: string): TrialState[] {
  const seeded = new Set((state.rebases ?? []).filter((r) => r.to === baseId).flatMap((r) => r.seedTrials));
  return state.trials.filter(
    (t) => t.proposalId === baseId && (t.purpose === 'baseline' || seeded.has(t.id)),
  );
}

/**
 * The base's half of a candidate's held-out confirmation pairs: on each of the candidate's confirmation
 * seeds, the base's decision run there when it has one (a seed the candidate's decision never ran,
 * taken where the design pairs: trial-steps.ts `scheduleConfirmation`), else its 'confirm' re-runs there.
 */
export function confirmHalves(
  state: SessionState,
  candidateId: string,
): { decision: TrialState[]; reRuns: TrialState[] } {
  const base = baseOf(state, candidateId);
  const seeds = new Set(
    state.trials.filter((t) => t.proposalId === candidateId && t.purpose === 'confirm').map((t) => t.seed),
  );
  const held = baseDecisionTrials(state, base);
  const decision = held.filter((t) => seeds.has(t.seed) && t.untilRung === undefined);
  const onDecision = new Set(decision.map((t) => t.seed));
  const heldIds = new Set(held.map((t) => t.id));
  const reRuns = state.trials.filter(
    (t) =>
      t.proposalId === base &&
      t.purpose === 'confirm' &&
      seeds.has(t.seed) &&
      !heldIds.has(t.id) &&
      !onDecision.has(t.seed),
  );
  return { decision, reRuns };
}

/** The base's half of a candidate's held-out confirmation pairs (`confirmHalves`). */
export function baseConfirmTrials(state: SessionState, candidateId: string): TrialState[] {
  const { decision, reRuns } = confirmHalves(state, candidateId);
  return [...decision, ...reRuns];
}

/** A base's decision values at the top rung (default: the current base). */
export function baseValues(state: SessionState, spec: SessionSpec, baseId = currentBase(state).id): number[] {
  const top = String(topRung(spec));
  return baseDecisionTrials(state, baseId)
    .map((t) => t.results[top])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/**
 * A base's values at a lower rung, for what successive halving and the monitor compare with there:
 * every run of the base at that rung (an explore trial's screening runs count: at a lower rung nothing
 * is judged, so no value there is held out). With `seed`, only its runs on that seed: the reference
 * trainer draws a seed's data order and initial weights from the seed alone, so a candidate and its
 * base on one seed share that part of their noise (BENCHMARKS.md "Seed blocks").
 */
export function baseValuesAt(state: SessionState, baseId: string, rung: number, seed?: number): number[] {
  return state.trials
    .filter((t) => t.proposalId === baseId && (seed === undefined || t.seed === seed))
    .map((t) => t.results[String(rung)])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** The trials that ran a base at a rung (the monitor's reference band is built from their curves). */
export function baseRunsAt(state: SessionState, baseId: string, rung: number): TrialState[] {
  return state.trials.filter((t) => t.proposalId === baseId && t.rungRuns[String(rung)]);
}

/**
 * The bases whose curves form the monitor's band at a rung: `level`, the newest base with a run there,
 * gives the band's mean; `spread`, the newest with at least two runs there, its seed-to-seed spread
 * (a re-based base runs one seed below the top: core/rebase.ts `REBASED_LOWER_RUNG_SEEDS`). The same
 * base when it has two. Until the newest base has run the rung, an older base's band is used: laxer
 * (the newer base is better), so a candidate on the newer base is never stopped for being behind a band
 * it should not be held to.
 */
export function bandBases(state: SessionState, rung: number): { level: string; spread: string } {
  const chain = [BASELINE, ...(state.rebases ?? []).map((r) => r.to)];
  const newest = (min: number) => {
    for (let i = chain.length - 1; i >= 0; i--)
      if (baseRunsAt(state, chain[i], rung).length >= min) return chain[i];
    return BASELINE;
  };
  return { level: newest(1), spread: newest(2) };
}
