/**
 * Trials: how one is made, how it moves between rungs, and the held-out seeds a candidate win gets.
 * Pure functions that change the state they are given (a transition's copy, core/transitions.ts):
 * `newTrial`, `cancelPending`, successive halving's `promote`, `afterRung` (what a rung's end means
 * for the trial) and `scheduleConfirmation`. What runs next is scheduler.ts.
 */
import { mean } from '../../stats/summary.ts';
import { baseDecisionTrials, baseOf, baseValuesAt } from './base.ts';
import { designPairs } from './paired.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { BASELINE, proposalOf, type SessionState, type TrialState } from './state.ts';

/** Cancel a concluded or dropped proposal's trials that have not started (returns how many). */
export function cancelPending(state: SessionState, proposalId: string, note: string): number {
  let n = 0;
  for (const t of state.trials) {
    if (t.proposalId !== proposalId || t.status !== 'pending') continue;
    t.status = 'cancelled';
    t.note = note;
    n++;
  }
  return n;
}

export function newTrial(
  state: SessionState,
  proposalId: string,
  seed: number,
  purpose: TrialState['purpose'],
  startRung: number,
): TrialState {
  const t: TrialState = {
    id: `t${state.nextTrial++}`,
    proposalId,
    seed,
    purpose,
    rung: startRung,
    startRung,
    status: 'pending',
    runIds: [],
    results: {},
    rungRuns: {},
    flops: 0,
  };
  state.trials.push(t);
  return t;
}

/**
 * Asynchronous successive halving (ASHA, Li et al. 2020): a trial that finished rung r is promoted once
 * it ranks in the top floor(n/eta) of the n explore trials judged against the same base that have
 * finished rung r so far. Each base's ideas are ranked among themselves: a trial on an earlier base ran
 * a worse config, so when they were ranked together every idea on a new base outranked the old ones
 * and was promoted as soon as it finished its rung, alone (bench/research-efficiency regime (a) with
 * `--no-screen`). Returns the trials promoted now. With `force`, the best awaiting trial that beats its
 * base at its rung is promoted even if n < eta (used when nothing else is left to run), one on the
 * current base first (an older base's win would still have to be carried onto it): ahead of the
 * base's mean there, and ahead of the base's own run on the same seed when it has one. The second
 * condition is the paired reading: in bench/research-efficiency regime (a), WSD and batch x0.5 were
 * promoted against a base mean that one high seed had lifted; on their shared seed both were behind,
 * and both lost at the full budget, one full run each.
 */
export function promote(state: SessionState, spec: SessionSpec, force = false): TrialState[] {
  const top = topRung(spec);
  const promoted: TrialState[] = [];
  const current = state.base ?? BASELINE; // currentBase's id, without needing the proposal
  for (let r = top - 1; r >= 0; r--) {
    const byBase = new Map<string, TrialState[]>();
    for (const t of state.trials) {
      const v = t.results[String(r)];
      if (t.purpose !== 'explore' || typeof v !== 'number' || !Number.isFinite(v)) continue;
      const b = baseOf(state, t.proposalId);
      const cohort = byBase.get(b);
      if (cohort) cohort.push(t);
      else byBase.set(b, [t]);
    }
    for (const finished of byBase.values()) {
      const ranked = [...finished].sort((a, b) => a.results[String(r)] - b.results[String(r)]);
      const k = Math.floor(ranked.length / spec.eta);
      for (const t of ranked.slice(0, k)) {
        if (t.status === 'awaiting' && t.rung === r) {
          t.status = 'pending';
          t.rung = r + 1;
          promoted.push(t);
        }
      }
    }
  }
  if (force && promoted.length === 0) {
    const onCurrent = (t: TrialState) => (baseOf(state, t.proposalId) === current ? 0 : 1);
    const awaiting = state.trials.filter((t) => t.status === 'awaiting');
    awaiting.sort(
      (a, b) =>
        onCurrent(a) - onCurrent(b) ||
        b.rung - a.rung ||
        a.results[String(a.rung)] - b.results[String(b.rung)],
    );
    for (const t of awaiting) {
      const baseId = baseOf(state, t.proposalId);
      const base = baseValuesAt(state, baseId, t.rung);
      const v = t.results[String(t.rung)];
      const sameSeed = baseValuesAt(state, baseId, t.rung, t.seed);
      if (base.length && v < mean(base) && (!sameSeed.length || v < mean(sameSeed))) {
        t.status = 'pending';
        t.rung += 1;
        promoted.push(t);
        break;
      }
    }
  }
  return promoted;
}

/**
 * Bookkeeping after a trial's run ended with a result at its rung: base seeds continue to the next rung
 * (a re-based winner's lower-rung fillers stop at their `untilRung`); explore trials wait for promotion;
 * a study point is done after its one measurement (at the study rung, spec.ts `studyRung`, or the top);
 * a top-rung result is done, and conclude.ts decides what it means (a verdict, one more seed, or the
 * held-out confirmation). Returns new trials created (none: kept for the callers' journal).
 */
export function afterRung(state: SessionState, spec: SessionSpec, t: TrialState): TrialState[] {
  const top = topRung(spec);
  if (t.purpose === 'baseline' && t.untilRung !== undefined && t.rung >= t.untilRung) {
    t.status = 'done';
    return [];
  }
  if (t.rung < top && (t.purpose === 'baseline' || t.purpose === 'explore')) {
    if (t.purpose === 'baseline') {
      t.status = 'pending';
      t.rung += 1;
    } else t.status = 'awaiting';
    return [];
  }
  t.status = 'done';
  return [];
}

/**
 * Held-out confirmation: seeds the candidate has not run, for the candidate AND its base (paired), so
 * the confirmation does not lean on the same base draw the decision did. Where the design pairs the
 * candidate with its base (core/paired.ts `designPairs`), a base decision seed the candidate never ran
 * is taken first: its base run exists, so the pair costs one run. Else fresh seeds that neither the base's
 * decision nor the candidate used, re-run for the base too; a base's confirmation seeds are shared
 * between its candidates.
 *
 * Why the first is held out enough: a run's noise on a seed-pairing trainer is mostly the seed's (its
 * data order and initial weights, shared by every config on that seed: BENCHMARKS.md "Paired seeds on
 * the stacked base", base sd 0.0032 against 0.0007-0.0022 for a change's differences), and that part
 * cancels in the pair. What the base run brings from the decision is its own remainder, a third of it
 * in the decision's base mean of three seeds; the candidate's run is fresh. Measured under no effect
 * (stats/judge.test.ts, 4000 comparisons each way): no false win either way where seeds pair; 0.3 %
 * against 0.18 % where no draw is shared, the case it is not used for. A candidate that passes after
 * two seeds (stats/sequential.ts `MIN_PASS_SEEDS`) on a base of three always leaves one such seed: in
 * regime (a) of bench/research-efficiency the screened stack passes so, and its confirmation now
 * costs one of a 24-run session's full runs instead of two (BENCHMARKS.md "Held-out pairs on the
 * base's seeds").
 */
export function scheduleConfirmation(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
): TrialState[] {
  const top = topRung(spec);
  const mine = new Set(state.trials.filter((t) => t.proposalId === proposalId).map((t) => t.seed));
  const base = baseOf(state, proposalId);
  const baseDecision = baseDecisionTrials(state, base);
  const out: TrialState[] = [];
  const paired = designPairs(state, spec, proposalOf(state, proposalId), base);
  const atTop = (t: TrialState) => t.rung === top && t.status !== 'cancelled' && t.untilRung === undefined;
  const unused = paired
    ? [...new Set(baseDecision.filter(atTop).map((t) => t.seed))]
        .filter((s) => !mine.has(s))
        .sort((a, b) => a - b)
    : [];
  let picked = 0;
  for (const seed of unused.slice(0, spec.confirmSeeds)) {
    out.push(newTrial(state, proposalId, seed, 'confirm', top));
    picked++;
  }
  const decisionSeeds = new Set(baseDecision.map((t) => t.seed));
  for (let seed = spec.seedBase + 10_000; picked < spec.confirmSeeds; seed++) {
    if (mine.has(seed) || decisionSeeds.has(seed)) continue;
    out.push(newTrial(state, proposalId, seed, 'confirm', top));
    if (!state.trials.some((t) => t.proposalId === base && t.seed === seed))
      out.push(newTrial(state, base, seed, 'confirm', top));
    picked++;
  }
  return out;
}
