/**
 * Concluding: the engine's statistics, not the researcher, decide what is a win.
 *
 * Decisions are sequential (src/stats/sequential.ts): a candidate is looked at after each of its
 * top-rung decision seeds, against the base it was admitted on (core/base.ts), with the session's pooled
 * noise floor. Each look's p-value is kept; the candidate's sequential p-value (alpha spent over at most
 * `maxSeeds` looks, or a continued test's own number: state.ts `maxSeedsOf`) joins the session's
 * family, adjusted with the session's correction (Holm by default: a false win is expensive, it becomes
 * the base and climbs the size ladder). Then, per candidate:
 *  - passes (adjusted sequential p < alpha, CI below 0): held-out confirmation, paired with its base;
 *    only a confirmed one is a win;
 *  - not ahead of its base (futility): stopped, a loss at one seed (as before), else inconclusive;
 *  - ahead but undecided: one more seed, up to `maxSeeds`; then inconclusive.
 * Each decision uses the family as it stands at that moment.
 * A look is paired where the design pairs it (core/paired.ts: a config change on the reference trainer,
 * from its third seed shared with the base), else on seed blocks when the session's runs show a seed
 * effect (stats/seed-blocks.ts), else unpaired against the noise floor.
 */
import { adjustPValues } from '../../stats/multiple.ts';
import { judgeChange, type Judgement, type SeedBlocked } from '../../stats/judge.ts';
import type { PairedContrast } from '../../stats/paired-seeds.ts';
import { isSeedOnlyChange } from '../../stats/seed-only.ts';
import {
  onePerSeed,
  pooledWithin,
  seedBlockedContrast,
  seedRunKey,
  type SeedObs,
} from '../../stats/seed-blocks.ts';
import { sequentialP } from '../../stats/sequential.ts';
import { mean, sampleStd } from '../../stats/summary.ts';
import { configHash } from '../../config/resolve.ts';
import { baseDecisionTrials, baseOf, baseValues, confirmHalves, currentBase, isBaseId } from './base.ts';
import { pairedOf } from './paired.ts';
import { nextSeedTrials, pairInFlight } from './next-seed.ts';
import { scheduleConfirmation } from './trial-steps.ts';
import { topRung, type SessionSpec } from './spec.ts';
import {
  BASELINE,
  DECISION_PURPOSES,
  maxSeedsOf,
  proposalOf,
  valuesAt,
  type ProposalState,
  type SessionState,
  type TrialPurpose,
  type TrialState,
} from './state.ts';

/** The trials whose results the session's statistics use (ablation and other measurement runs are not). */
export const JUDGED_PURPOSES: TrialPurpose[] = ['baseline', 'explore', 'seeds', 'confirm'];

export interface Conclusion {
  proposal: ProposalState;
  judgement: Judgement;
  newTrials: TrialState[];
  /** What happened: confirmation scheduled, one more decision seed, or a verdict. */
  step: 'confirm' | 'seed' | 'verdict';
  /** Stopped for not being ahead of its base (no statistical claim: no finding). */
  futile?: boolean;
}

/** Candidate values used for the decision (explore + seeds trials), and held-out confirmation values. */
export function candidateValues(state: SessionState, spec: SessionSpec, id: string) {
  return {
    decision: valuesAt(state, id, topRung(spec), DECISION_PURPOSES),
    confirm: valuesAt(state, id, topRung(spec), ['confirm']),
  };
}

/** The current base's decision seeds at the top rung (confirmation re-runs are kept apart). */
export function baselineValues(state: SessionState, spec: SessionSpec): number[] {
  return baseValues(state, spec);
}

/**
 * The session's noise floor: the within-config standard deviation pooled over every config (bases and
 * candidates) with >= 2 top-rung results, and its degrees of freedom sum(n_i - 1), plus what earlier
 * sessions of the same config family measured (`spec.historyNoise`, setup.ts). Far steadier than the
 * baseline's own 3-seed sd.
 *
 * One run per config and seed (stats/seed-blocks.ts `onePerSeed`): a config is its hash, so the
 * history's runs join the session's groups, and a run the history holds on a config and seed the
 * session ran itself adds nothing (core/noise-history.ts says why). What the history adds is capped at
 * its own capped df. A spec written before the history kept its runs pools its summary sd and df.
 */
export function pooledNoise(state: SessionState, spec: SessionSpec): { sd: number; df: number } | undefined {
  const own = onePerSeed(noiseObs(state, spec));
  const w = pooledWithin(own);
  let ss = w.df > 0 ? w.sd ** 2 * w.df : 0;
  let df = w.df;
  const h = spec.historyNoise;
  if (h?.runs) {
    const mine = new Set(own.map(seedRunKey));
    const theirs = h.runs.filter((o) => !mine.has(seedRunKey(o)));
    const all = pooledWithin([...own, ...theirs]);
    const addDf = all.df - df;
    if (addDf > 0) {
      const addSs = Math.max(0, all.sd ** 2 * all.df - ss);
      const take = Math.min(addDf, h.df);
      ss += (addSs * take) / addDf;
      df += take;
    }
  } else if (h) {
    ss += h.sd ** 2 * h.df;
    df += h.df;
  }
  return df >= 2 ? { sd: Math.sqrt(ss / df), df } : undefined;
}

/**
 * Every config's top-rung runs of the judged purposes with their seeds, grouped as the seed-blocked
 * test groups them (`seedGroup`). Ablation arms are measurements of a win, not configs of the family.
 */
function noiseObs(state: SessionState, spec: SessionSpec): SeedObs[] {
  const top = String(topRung(spec));
  const judged = new Set<string>(JUDGED_PURPOSES);
  const out: SeedObs[] = [];
  for (const p of state.proposals) {
    if (p.ablationOf) continue;
    const group = seedGroup(p);
    for (const t of state.trials) {
      const v = t.results[top];
      if (t.proposalId !== p.id || !judged.has(t.purpose) || typeof v !== 'number' || !Number.isFinite(v))
        continue;
      out.push({ group, seed: t.seed, value: v });
    }
  }
  return out;
}

/**
 * Every config's top-rung decision runs with their seeds, for the seed-blocked contrast
 * (stats/seed-blocks.ts): a base's decision seeds (base.ts), every other idea's explore and extra
 * seeds. Held-out runs stay out (confirmations, and a base's re-runs on them), unless `confirmOf`
 * names a candidate whose confirmation and its base's paired re-runs are to be added (the all-seeds
 * test after the confirmation). Ablation arms are measurements of a win, not configs of the family.
 * Earlier sessions' runs of the family (`spec.historySeedRuns`) join as groups of their own.
 */
function seedObs(state: SessionState, spec: SessionSpec, confirmOf?: string): SeedObs[] {
  const top = String(topRung(spec));
  const confirmSeeds = new Set(
    state.trials.filter((t) => t.proposalId === confirmOf && t.purpose === 'confirm').map((t) => t.seed),
  );
  const confirmBase = confirmOf ? baseOf(state, confirmOf) : undefined;
  const out: SeedObs[] = [];
  for (const p of state.proposals) {
    if (p.ablationOf) continue;
    const group = seedGroup(p);
    const held = isBaseId(state, p.id)
      ? new Set(baseDecisionTrials(state, p.id).map((t) => t.id))
      : undefined;
    for (const t of state.trials) {
      if (t.proposalId !== p.id) continue;
      const v = t.results[top];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      const decision = held ? held.has(t.id) : t.purpose === 'explore' || t.purpose === 'seeds';
      const confirm =
        t.purpose === 'confirm' && (p.id === confirmOf || (p.id === confirmBase && confirmSeeds.has(t.seed)));
      if (decision || confirm) out.push({ group, seed: t.seed, value: v });
    }
  }
  return [...out, ...spec.historySeedRuns];
}

/**
 * A proposal's group in the seed-blocked fit: its config's hash, so an earlier session's run of the same
 * config on the same seed is the same observation (stats/seed-blocks.ts); an agent's code keeps its own.
 */
export function seedGroup(p: Pick<ProposalState, 'id' | 'config' | 'change'>): string {
  return p.id === BASELINE || p.change.kind === 'config' ? configHash(p.config) : `code:${p.id}`;
}

/**
 * Base values on the seeds of a candidate's confirmation trials (the paired re-run, base.ts
 * `confirmHalves`), and whether they are its base's decision runs (then they are no new base values).
 */
function confirmBaseline(state: SessionState, spec: SessionSpec, id: string) {
  const { decision, reRuns } = confirmHalves(state, id);
  const values = [...decision, ...reRuns]
    .map((t) => t.results[String(topRung(spec))])
    .filter((v): v is number => Number.isFinite(v));
  return { values, inBaseline: decision.length > 0 };
}

/**
 * A base is ready to judge against once it has its own mean from enough top-rung seeds: the baseline's
 * `baselineSeeds` (2 when earlier sessions' noise floor covers the noise, setup.ts), a re-based winner
 * the >= 2 it already has.
 */
function baseReady(state: SessionState, spec: SessionSpec, baseId: string): number[] | undefined {
  const v = baseValues(state, spec, baseId);
  return v.length >= (baseId === BASELINE ? spec.baselineSeeds : 2) ? v : undefined;
}

/**
 * What a candidate's decision is judged on besides the unpaired test, for its looks and its verdict
 * alike: paired seeds where the design pairs them (core/paired.ts), else the seed-blocked fit when the
 * session's runs show a seed effect (stats/seed-blocks.ts); `blocked` undefined leaves it unpaired.
 */
function decisionContrast(
  state: SessionState,
  spec: SessionSpec,
  obs: SeedObs[],
  p: ProposalState,
  baseId: string,
): { paired?: PairedContrast; blocked?: SeedBlocked } {
  const paired = pairedOf(state, spec, p, baseId);
  return {
    paired,
    blocked: paired ?? seedBlockedContrast(obs, seedGroup(p), seedGroup(proposalOf(state, baseId))),
  };
}

/** Take a look at every proposal whose decision-seed count is new (one raw test per count, kept). */
function takeLooks(
  state: SessionState,
  spec: SessionSpec,
  noise: { sd: number; df: number } | undefined,
  obs: SeedObs[],
) {
  for (const p of state.proposals) {
    if (p.id === BASELINE || p.status !== 'active') continue;
    const baseId = baseOf(state, p.id);
    const base = baseReady(state, spec, baseId);
    const { decision } = candidateValues(state, spec, p.id);
    if (!base || decision.length === 0 || (p.looks ?? []).some((l) => l.n === decision.length)) continue;
    if (pairInFlight(state, spec, p.id)) continue; // the look reads the pair once both have run
    const { blocked } = decisionContrast(state, spec, obs, p, baseId);
    const j = judgeChange({ baseline: base, candidate: decision, noise, alpha: spec.alpha, blocked });
    if (!Number.isFinite(j.pValue)) continue; // one seed and no noise floor yet: wait
    const look = {
      n: decision.length,
      p: j.pValue,
      delta: j.delta,
      nBase: base.length,
      ...(j.onBlocks ? { blocked: true } : {}),
    };
    // the sequential p-value after this look depends on this and earlier looks only: computed once
    const seqP = sequentialP([...(p.looks ?? []), look], maxSeedsOf(spec, p));
    p.looks = [...(p.looks ?? []), { ...look, seqP }];
  }
}

/** Judge every active proposal that has had a look; returns what changed. */
export function concludeReady(state: SessionState, spec: SessionSpec): Conclusion[] {
  const noise = pooledNoise(state, spec);
  // every candidate's decision fit reads the same runs (what a pass changes has no result yet)
  const obs = seedObs(state, spec);
  takeLooks(state, spec, noise, obs);
  const family = state.proposals.filter((p) => p.id !== BASELINE && (p.looks ?? []).length > 0);
  if (family.length === 0) return [];
  const adjusted = adjustPValues(
    family.map((p) => {
      const looks = p.looks ?? [];
      return looks[looks.length - 1]?.seqP ?? sequentialP(looks, maxSeedsOf(spec, p));
    }),
    spec.correction,
  );
  const out: Conclusion[] = [];
  family.forEach((p, i) => {
    if (p.status !== 'active') return;
    const baseId = baseOf(state, p.id);
    const base = baseReady(state, spec, baseId);
    if (!base) return;
    const confirmSeeds = new Set(
      state.trials.filter((t) => t.proposalId === p.id && t.purpose === 'confirm').map((t) => t.seed),
    );
    const running = state.trials.some(
      (t) =>
        t.purpose !== 'ladder' && // the size ladder never holds a verdict back
        (t.proposalId === p.id || (t.proposalId === baseId && confirmSeeds.has(t.seed))) &&
        (t.status === 'pending' || t.status === 'running'),
    );
    if (running || pairInFlight(state, spec, p.id)) return;
    const { decision, confirm } = candidateValues(state, spec, p.id);
    const noiseOnly = isSeedOnlyChange(p.change, spec.noiseKeys);
    // the all-seeds test is of the decision's kind (the judge scales its p by the decision's adjustment)
    const { paired, blocked } = decisionContrast(state, spec, obs, p, baseId);
    const blockedAll = !hasConfirmRuns(state, p.id)
      ? undefined
      : paired
        ? pairedOf(state, spec, p, baseId, true)
        : seedBlockedContrast(seedObs(state, spec, p.id), seedGroup(p), seedGroup(proposalOf(state, baseId)));
    const held = confirmBaseline(state, spec, p.id);
    const j = judgeChange({
      baseline: base,
      candidate: decision,
      confirm,
      confirmBaseline: held.values,
      confirmBaselineInBaseline: held.inBaseline,
      noise,
      alpha: spec.alpha,
      adjustedP: adjusted[i],
      lookP: (p.looks ?? []).filter((l) => !l.carried).at(-1)?.p, // an earlier session's looks are not read
      minSeeds: 1,
      minConfirm: spec.confirmSeeds,
      noiseOnly,
      blocked,
      blockedAll,
    });
    p.stats = {
      delta: j.delta,
      ci95: j.ci95,
      pValue: j.pValue,
      adjustedP: adjusted[i],
      n: decision.length,
      mean: mean(decision),
      std: decision.length > 1 ? sampleStd(decision) : 0,
    };
    p.verdict = j.verdict;
    const hasConfirm = confirmSeeds.size > 0;
    const done = (verdict: ProposalState['verdict'], futile = false): void => {
      p.status = 'concluded';
      p.verdict = verdict;
      p.confirmed = verdict === 'win';
      out.push({ proposal: p, judgement: j, newTrials: [], step: 'verdict', futile });
    };
    if (j.verdict === 'win' || j.verdict === 'loss') return done(j.verdict);
    if (hasConfirm) return done('inconclusive'); // the confirmation ran (or failed to give a value)
    if (j.verdict === 'pending') {
      const newTrials = scheduleConfirmation(state, spec, p.id);
      out.push({ proposal: p, judgement: j, newTrials, step: 'confirm' });
      return;
    }
    // undecided at this look: futility, one more seed, or out of looks
    if (noiseOnly) return done('inconclusive');
    if (!(j.delta < 0)) {
      j.reasons.push(`not ahead of its base after ${decision.length} seed(s): stopped (futility)`);
      return done(decision.length === 1 ? 'loss' : 'inconclusive', true);
    }
    if (decision.length >= maxSeedsOf(spec, p)) return done('inconclusive');
    p.verdict = 'pending';
    out.push({ proposal: p, judgement: j, newTrials: nextSeedTrials(state, spec, p.id), step: 'seed' });
  });
  return out;
}

const hasConfirmRuns = (state: SessionState, id: string) =>
  state.trials.some((t) => t.proposalId === id && t.purpose === 'confirm');

/** The confirmed wins, best (lowest mean val bpb) first. */
export function confirmedWins(state: SessionState): ProposalState[] {
  const wins = state.proposals.filter(
    (p) => p.id !== BASELINE && p.verdict === 'win' && p.confirmed && p.stats,
  );
  return wins.sort((a, b) => a.stats!.mean - b.stats!.mean);
}

/**
 * The best confirmed win: the one rule for "best win" (summary, digest). Wins on different bases do
 * not compare by their means, so it is the current base when the session re-based, unless a win
 * judged against that base did not move it (a code change), and otherwise the best confirmed win.
 */
export function bestWin(state: SessionState): ProposalState | undefined {
  const base = currentBase(state);
  if (base.id === BASELINE) return confirmedWins(state)[0];
  const onBase = confirmedWins(state).filter((p) => baseOf(state, p.id) === base.id);
  return onBase[0] ?? base.proposal;
}
