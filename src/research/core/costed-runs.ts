/**
 * A session's runs as the compute multiplier reads them (src/analysis/multiplier.ts): `{id, flops,
 * valBpb}`, compute being the tokens a result stands for times FLOPs per token.
 *
 * The baseline is run to completion at every rung (successive halving never leaves it behind), each
 * rung a separate fully-decayed run at its own budget (a WSD rung resumes from the shared stable-phase
 * checkpoint and decays at its own budget), so with >= 3 rungs the baseline's L(C) has >= 3 budgets.
 * Compute counts the whole budget of a result, including tokens trained before a resumed checkpoint.
 * A candidate is charged its own cost per token (a FLOP-matched change gets the baseline's FLOPs).
 *
 * Every value is on one eval slice, the top rung's: a lower rung's final eval is capped for ranking
 * (spec.ts `LOWER_RUNG_FINAL_EVAL`), and a smaller slice is another sample whose level differs (0.02 to
 * 0.06 bpb lower on the default corpus: BENCHMARKS.md "The compute multiplier on one eval slice"). A
 * base's lower-rung run also scores the top's size (`TrialState.lawResults`; a run of agent code is scored
 * at both by the judge, judge/apply.ts); where it did not (a trainer of your own, a run from before), its
 * ranking value stands in and the multiplier says so.
 */
import { computeMultiplier, type CostedRun, type MultiplierOutcome } from '../../analysis/multiplier.ts';
import { runCost } from './run-cost.ts';
import { rungFinalEval, topRung, type SessionSpec } from './spec.ts';
import { BASELINE, proposalOf, type SessionState } from './state.ts';

/** Every baseline result at every rung (decision and confirmation seeds alike). */
export function baselineCostedRuns(state: SessionState, spec: SessionSpec, perToken: number): CostedRun[] {
  return baseCostedRuns(state, spec, BASELINE, perToken);
}

/**
 * Every result of base `baseId` at every rung, each on the top rung's eval slice where it has one:
 * its `lawResults` value below the top, else its ranking value, marked with the smaller eval size. A
 * rung where some run has the top's slice keeps only those: a re-based winner's own run there (from
 * before it was a base, scored for ranking only) would put another slice's level into the fit beside
 * the lower-rung seed its re-base added.
 */
export function baseCostedRuns(
  state: SessionState,
  spec: SessionSpec,
  baseId: string,
  perToken: number,
): CostedRun[] {
  const top = topRung(spec);
  const full = proposalOf(state, baseId).config.train.finalEvalTokensPerDomain;
  const out: CostedRun[] = [];
  for (const t of state.trials.filter((x) => x.proposalId === baseId && x.purpose !== 'ladder')) {
    for (const [rung, v] of Object.entries(t.results)) {
      if (!Number.isFinite(v)) continue;
      const law = Number(rung) < top ? t.lawResults?.[rung] : v;
      const tokens = spec.rungTokens[Number(rung)];
      out.push({
        id: t.rungRuns[rung] ?? `${t.id}@${rung}`,
        flops: tokens * perToken,
        valBpb: law ?? v,
        evalTokensPerDomain: law === undefined ? rungFinalEval(full, Number(rung), top) : full,
      });
    }
  }
  const onTop = new Set(out.filter((r) => r.evalTokensPerDomain === full).map((r) => r.flops));
  return out.filter((r) => r.evalTokensPerDomain === full || !onTop.has(r.flops));
}

/** A candidate's top-rung results (decision and confirmation seeds). */
export function candidateCostedRuns(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
  perToken: number,
): CostedRun[] {
  const top = String(topRung(spec));
  const p = proposalOf(state, proposalId);
  const flops = spec.rungTokens[topRung(spec)] * perToken * runCost(p.cost);
  const evalTokensPerDomain = p.config.train.finalEvalTokensPerDomain;
  return state.trials
    .filter((t) => t.proposalId === proposalId && Number.isFinite(t.results[top]))
    .map((t) => ({
      id: t.rungRuns[top] ?? `${t.id}@${top}`,
      flops,
      valBpb: t.results[top],
      evalTokensPerDomain,
    }));
}

/**
 * A proposal's compute multiplier against the session's baseline (seeded: the same state always gives
 * the same interval), or why there is none. In words: "worth 1.23× compute [1.15, 1.31]".
 */
export function multiplierOf(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
  perToken: number,
): MultiplierOutcome {
  return computeMultiplier(
    baselineCostedRuns(state, spec, perToken),
    candidateCostedRuns(state, spec, proposalId, perToken),
    { resamples: 400, seed: 0 },
  );
}

/** The multiplier as a clause for a journal entry or a finding: ", worth 1.23× compute [1.15, 1.31]", or ''. */
export function multiplierClause(m: MultiplierOutcome): string {
  return m.ok && Number.isFinite(m.value) ? `, ${m.text}` : '';
}
