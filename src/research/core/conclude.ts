/**
 * Concluding: the engine's statistics, not the researcher, decide what is a win.
 *
 * Every proposal with >= candidateSeeds top-rung results is compared with the baseline's top-rung
 * seeds (Welch + bootstrap CI, src/stats/judge.ts). The p-values of all proposals compared so far in
 * the session form one family, adjusted with the session's correction (Holm by default: a false win is
 * expensive, it climbs the size ladder). A proposal that passes is re-run on held-out seeds; only a
 * confirmed one is a win. Decisions are sequential: each uses the family as it stands at that moment.
 */
import { adjustPValues } from '../../stats/multiple.ts';
import { judgeChange, type Judgement } from '../../stats/judge.ts';
import { isSeedOnlyChange } from '../../stats/seed-only.ts';
import { mean, sampleStd } from '../../stats/summary.ts';
import { scheduleConfirmation } from './scheduler.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { BASELINE, valuesAt, type ProposalState, type SessionState, type TrialState } from './state.ts';

export interface Conclusion {
  proposal: ProposalState;
  judgement: Judgement;
  newTrials: TrialState[];
}

/** Candidate values used for the decision (explore + seeds trials), and held-out confirmation values. */
export function candidateValues(state: SessionState, spec: SessionSpec, id: string) {
  return {
    decision: valuesAt(state, id, topRung(spec), ['explore', 'seeds']),
    confirm: valuesAt(state, id, topRung(spec), ['confirm']),
  };
}

/** The baseline's decision seeds at the top rung (confirmation re-runs are kept apart). */
export function baselineValues(state: SessionState, spec: SessionSpec): number[] {
  return valuesAt(state, BASELINE, topRung(spec), ['baseline']);
}

/**
 * The session's noise floor: the within-config standard deviation pooled over every config (baseline
 * and candidates) with >= 2 top-rung results, and its degrees of freedom sum(n_i - 1). Far steadier
 * than the baseline's own 3-seed sd.
 */
export function pooledNoise(state: SessionState, spec: SessionSpec): { sd: number; df: number } | undefined {
  let ss = 0;
  let df = 0;
  for (const p of state.proposals) {
    const v = valuesAt(state, p.id, topRung(spec));
    if (v.length < 2) continue;
    const m = mean(v);
    ss += v.reduce((a, x) => a + (x - m) ** 2, 0);
    df += v.length - 1;
  }
  return df >= 2 ? { sd: Math.sqrt(ss / df), df } : undefined;
}

/** Baseline values on the seeds of a candidate's confirmation trials (the paired re-run). */
function confirmBaselineValues(state: SessionState, spec: SessionSpec, id: string): number[] {
  const seeds = new Set(
    state.trials.filter((t) => t.proposalId === id && t.purpose === 'confirm').map((t) => t.seed),
  );
  return state.trials
    .filter((t) => t.proposalId === BASELINE && t.purpose === 'confirm' && seeds.has(t.seed))
    .map((t) => t.results[String(topRung(spec))])
    .filter((v): v is number => Number.isFinite(v));
}

/** Judge every active proposal that has enough seeds; returns what changed. */
export function concludeReady(state: SessionState, spec: SessionSpec): Conclusion[] {
  const base = baselineValues(state, spec);
  if (base.length < spec.baselineSeeds) return [];
  const family = state.proposals.filter(
    (p) => p.id !== BASELINE && candidateValues(state, spec, p.id).decision.length >= spec.candidateSeeds,
  );
  if (family.length === 0) return [];
  const noise = pooledNoise(state, spec);
  const raw = family.map(
    (p) =>
      judgeChange({
        baseline: base,
        candidate: candidateValues(state, spec, p.id).decision,
        alpha: spec.alpha,
        noise,
      }).pValue,
  );
  const adjusted = adjustPValues(raw, spec.correction);
  const out: Conclusion[] = [];
  family.forEach((p, i) => {
    if (p.status !== 'active') return;
    const confirmSeeds = new Set(
      state.trials.filter((t) => t.proposalId === p.id && t.purpose === 'confirm').map((t) => t.seed),
    );
    const running = state.trials.some(
      (t) =>
        t.purpose !== 'ladder' && // the size ladder never holds a verdict back
        (t.proposalId === p.id || (t.proposalId === BASELINE && confirmSeeds.has(t.seed))) &&
        (t.status === 'pending' || t.status === 'running'),
    );
    if (running) return;
    const { decision, confirm } = candidateValues(state, spec, p.id);
    const j = judgeChange({
      baseline: base,
      candidate: decision,
      confirm,
      confirmBaseline: confirmBaselineValues(state, spec, p.id),
      noise,
      alpha: spec.alpha,
      adjustedP: adjusted[i],
      minSeeds: spec.candidateSeeds,
      minConfirm: spec.confirmSeeds,
      noiseOnly: isSeedOnlyChange(p.change, spec.noiseKeys),
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
    let newTrials: TrialState[] = [];
    if (j.verdict === 'pending') {
      const hasConfirm = state.trials.some((t) => t.proposalId === p.id && t.purpose === 'confirm');
      if (!hasConfirm && decision.length >= spec.candidateSeeds)
        newTrials = scheduleConfirmation(state, spec, p.id);
      else if (hasConfirm) {
        // confirmation trials ended without a usable value (failed / cut by the deadline)
        p.status = 'concluded';
        p.verdict = 'inconclusive';
      }
    } else {
      p.status = 'concluded';
      p.confirmed = j.verdict === 'win';
    }
    out.push({ proposal: p, judgement: j, newTrials });
  });
  return out;
}

/** The confirmed wins, best (lowest mean val bpb) first: the one rule for "best win" (summary, digest, stack). */
export function confirmedWins(state: SessionState): ProposalState[] {
  const wins = state.proposals.filter(
    (p) => p.id !== BASELINE && p.verdict === 'win' && p.confirmed && p.stats,
  );
  return wins.sort((a, b) => a.stats!.mean - b.stats!.mean);
}

/** The best confirmed win (lowest mean val bpb), if any. */
export function bestWin(state: SessionState): ProposalState | undefined {
  return confirmedWins(state)[0];
}
