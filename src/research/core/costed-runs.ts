/**
 * A session's runs as the compute multiplier reads them (src/analysis/multiplier.ts): `{id, flops,
 * valBpb}`, compute being the tokens a result stands for times FLOPs per token.
 *
 * The baseline is run to completion at every rung (successive halving never leaves it behind), each
 * rung a separate fully-decayed run at its own budget (a WSD rung resumes from the shared stable-phase
 * checkpoint and decays at its own budget), so with >= 3 rungs the baseline's L(C) has >= 3 budgets.
 * Compute counts the whole budget of a result, including tokens trained before a resumed checkpoint.
 * A candidate is charged its own cost per token (a FLOP-matched change gets the baseline's FLOPs).
 */
import { computeMultiplier, type CostedRun, type MultiplierOutcome } from '../../analysis/multiplier.ts';
import { runCost } from './run-cost.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { BASELINE, proposalOf, type SessionState } from './state.ts';

/** Every baseline result at every rung (decision and confirmation seeds alike). */
export function baselineCostedRuns(state: SessionState, spec: SessionSpec, perToken: number): CostedRun[] {
  const out: CostedRun[] = [];
  for (const t of state.trials.filter((x) => x.proposalId === BASELINE)) {
    for (const [rung, v] of Object.entries(t.results)) {
      if (!Number.isFinite(v)) continue;
      const tokens = spec.rungTokens[Number(rung)];
      out.push({ id: t.rungRuns[rung] ?? `${t.id}@${rung}`, flops: tokens * perToken, valBpb: v });
    }
  }
  return out;
}

/** A candidate's top-rung results (decision and confirmation seeds). */
export function candidateCostedRuns(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
  perToken: number,
): CostedRun[] {
  const top = String(topRung(spec));
  const flops = spec.rungTokens[topRung(spec)] * perToken * runCost(proposalOf(state, proposalId).cost);
  return state.trials
    .filter((t) => t.proposalId === proposalId && Number.isFinite(t.results[top]))
    .map((t) => ({ id: t.rungRuns[top] ?? `${t.id}@${top}`, flops, valBpb: t.results[top] }));
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
