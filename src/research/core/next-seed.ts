/**
 * The seeds a candidate's next look needs (conclude.ts asks for them when a look leaves it ahead but
 * undecided): its next decision seed, the base's run of that seed where the design pairs them, and
 * whether a pair is still running, which its look waits for.
 */
import { baseDecisionTrials, baseOf } from './base.ts';
import { designPairs } from './paired.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { DECISION_PURPOSES, proposalOf, type SessionState, type TrialState } from './state.ts';
import { newTrial } from './trial-steps.ts';

/**
 * The trials of a candidate's next look: its next decision seed (`nextSeed`) and, when the design pairs
 * it with its base (core/paired.ts `designPairs`) and the base has not run that seed, the base's run of
 * it at the top rung, as one of the base's decision seeds. A paired look reads only the seeds both
 * ran, so without the base's run the candidate's seed adds nothing to it. Found in regime (a) of
 * bench/research-efficiency at 48 full runs: QK-norm's fourth and fifth seeds on a base of three left
 * its paired contrast where the third had put it (−0.0142 [−0.0222, −0.0063]) while the looks spent
 * the level, two full runs that informed nothing. A look costs two runs from then on, and each adds a
 * pair; the look waits for both (`pairInFlight`).
 */
export function nextSeedTrials(state: SessionState, spec: SessionSpec, id: string): TrialState[] {
  const next = nextSeed(state, spec, id);
  const base = baseOf(state, id);
  if (base === id || !designPairs(state, spec, proposalOf(state, id), base)) return [next];
  if (baseDecisionTrials(state, base).some((t) => t.seed === next.seed)) return [next];
  const pair = newTrial(state, base, next.seed, 'baseline', topRung(spec));
  pair.pairOf = id;
  pair.note = `seed ${next.seed} of ${id}'s paired look`;
  return [next, pair];
}

/**
 * Whether a base run on one of a candidate's decision seeds is still to end at the top rung: the pair
 * of its last look (`nextSeedTrials`), or a base seed that has not reached the top yet. Its look and
 * its verdict wait for it. A re-based base's lower-rung fillers (`untilRung`) are not pairs.
 */
export function pairInFlight(state: SessionState, spec: SessionSpec, id: string): boolean {
  const top = topRung(spec);
  const base = baseOf(state, id);
  if (base === id) return false;
  const seeds = new Set(
    state.trials
      .filter((t) => t.proposalId === id && DECISION_PURPOSES.includes(t.purpose))
      .map((t) => t.seed),
  );
  return baseDecisionTrials(state, base).some(
    (t) =>
      seeds.has(t.seed) &&
      (t.status === 'pending' || t.status === 'running') &&
      (t.untilRung === undefined || t.untilRung >= top),
  );
}

/**
 * One more decision seed at the top rung: the lowest of its base's decision seeds it has not run, so
 * its seeds pair with the base's (core/paired.ts; a re-based base's seeds include its held-out one,
 * rebase.ts), then the lowest seed it has not used.
 */
export function nextSeed(state: SessionState, spec: SessionSpec, id: string): TrialState {
  const used = new Set(state.trials.filter((t) => t.proposalId === id).map((t) => t.seed));
  const base = baseOf(state, id);
  const shared = base === id ? [] : baseDecisionTrials(state, base).map((t) => t.seed);
  let seed = Math.min(...shared.filter((s) => !used.has(s)), Infinity);
  if (!Number.isFinite(seed)) for (seed = spec.seedBase; used.has(seed);) seed++;
  return newTrial(state, id, seed, 'seeds', topRung(spec));
}
