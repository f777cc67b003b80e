/**
 * Moving the base (core/base.ts) to a confirmed win. The winner's top-rung runs (its decision seeds and
 * its held-out confirmation) become the new base's seeds as they are: at the full budget a base needs
 * nothing more. Below the top, successive halving's force-promotion and the monitor's reference band
 * compare with the base at that rung, so the new base gets `REBASED_LOWER_RUNG_SEEDS` value(s) at every
 * lower rung that ideas run at (from spec.ts `exploreRung`): the winner's own screening runs count, and
 * the few it lacks are added as base trials that climb from there and stop below the top (`untilRung`),
 * cheapest first, once an idea judged against the new base has started below the top (scheduler.ts
 * `fillerWanted`; then base trials run first, lowest rung first). Not below the explore rung: nothing
 * but a base runs there, and the compute multiplier fits the session's first baseline over every rung,
 * not a re-based one (core/costed-runs.ts). In regime (a) of bench/research-efficiency rung 0 ends
 * inside warmup, and a re-base's two rung-0 runs (0.22 of 24 full runs) were read by nothing. Until
 * the seeds finish, the band falls back to the previous base's (laxer).
 */
import { baseOf, baseValues, baseValuesAt, currentBase } from './base.ts';
import { newTrial } from './trial-steps.ts';
import { exploreRung, topRung, type SessionSpec } from './spec.ts';
import { clashWithBase } from './stack.ts';
import { BASELINE, type ProposalState, type Rebase, type SessionState, type TrialState } from './state.ts';

/** Base values the session's first base runs at every rung: the band's spread needs two curves. */
export const LOWER_RUNG_SEEDS = 2;

/**
 * Base values a re-based base needs at a lower rung: one. Force-promotion reads a mean and the same
 * seed's run; the band takes its level from this run and its spread from the newest base with two runs
 * there (core/base.ts `bandBases`, io/baseline-band.ts): a seed's deviation from its base's mean
 * is the seed's, much the same for nearby configs (README "Research sessions": the noise floor pools
 * across bases). A second seed bought only that spread: 0.33 of a full run per re-base in regime (a)
 * of bench/research-efficiency (BENCHMARKS.md "One lower-rung seed per re-base").
 */
export const REBASED_LOWER_RUNG_SEEDS = 1;

/** Make `win` the session's base (on the draft): the history entry and the lower-rung trials it adds. */
export function rebaseTo(
  state: SessionState,
  spec: SessionSpec,
  win: ProposalState,
  now: string,
): { rebase: Rebase; fillers: TrialState[] } {
  const top = topRung(spec);
  const from = currentBase(state).id;
  const seedTrials = state.trials
    .filter((t) => t.proposalId === win.id && Number.isFinite(t.results[String(top)]))
    .map((t) => t.id);
  const s = win.stats;
  const rebase: Rebase = {
    from,
    to: win.id,
    at: now,
    evidence: {
      delta: s?.delta ?? NaN,
      ci95: s?.ci95 ?? [NaN, NaN],
      n: s?.n ?? 0,
      nBase: baseValues(state, spec, from).length,
      p: s?.adjustedP ?? s?.pValue ?? NaN,
    },
    seedTrials,
  };
  state.rebases = [...(state.rebases ?? []), rebase];
  state.base = win.id;
  const start = exploreRung(spec);
  let need = 0;
  for (let r = start; r < top; r++)
    need = Math.max(need, REBASED_LOWER_RUNG_SEEDS - baseValuesAt(state, win.id, r).length);
  const used = new Set(
    state.trials.filter((t) => t.proposalId === win.id && t.startRung < top).map((t) => t.seed),
  );
  const fillers: TrialState[] = [];
  for (let seed = spec.seedBase; fillers.length < need; seed++) {
    if (used.has(seed)) continue;
    const t = newTrial(state, win.id, seed, 'baseline', start);
    t.untilRung = top - 1;
    t.note = `lower-rung seed of base ${win.id}`;
    fillers.push(t);
  }
  return { rebase, fillers };
}

/**
 * After a re-base (on the draft): the config ideas still being judged against an older base that set a
 * knob the new base has changed. Their comparison can never be carried onto the new base (an
 * alternative, not an addition: core/stack.ts), so they are dropped: inconclusive, waiting trials left
 * or cancelled, running ones end where they are. Found in bench/research-efficiency: a TPE point
 * admitted while the screened stack was judged went on to the full budget and a held-out confirmation
 * (2 of 24 full runs) for a win that was then not carried. Returns each dropped idea with the knobs.
 */
export function dropSuperseded(state: SessionState): Array<{ p: ProposalState; keys: string[] }> {
  const base = currentBase(state).id;
  const out: Array<{ p: ProposalState; keys: string[] }> = [];
  for (const p of state.proposals) {
    if (p.id === BASELINE || p.id === base || p.status !== 'active' || p.study || p.ablationOf) continue;
    if (baseOf(state, p.id) === base) continue;
    const keys = clashWithBase(state, p);
    if (!keys.length) continue;
    p.status = 'dropped';
    p.verdict = 'inconclusive';
    for (const t of state.trials) {
      if (t.proposalId !== p.id || (t.status !== 'pending' && t.status !== 'awaiting')) continue;
      t.status = t.status === 'awaiting' ? 'left' : 'cancelled';
      t.note = `superseded by base ${base}`;
    }
    out.push({ p, keys });
  }
  return out;
}
