/**
 * The session's summary: what `research --json` prints and what the session record keeps.
 *
 * best: summary-best.ts picks it and states its evidence, multiplier and size ladder.
 * significant: true only for a confirmed win, whose CI excludes 0 by construction.
 *
 * baseline: the session's current base (core/base.ts): the baseline, or after a re-base the confirmed
 * win it moved to, with its own top-rung decision seeds (n, std), its change and full config (the next
 * session starts from it, setup.ts `rememberedStart`). rebases: how many times the base moved;
 * rebaseHistory: each move with its evidence. A best's delta and ci95 are against the base it was
 * judged against (`best.base`). openTests: the tests this session continued from the last session on
 * its base, and those it leaves open for the next (core/open-tests.ts).
 */
import { mean, sampleStd } from '../stats/summary.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Change } from '../researchers/base.ts';
import type { RunRecord } from '../store/base.ts';
import { account } from './core/accounting.ts';
import { baseValuesAt, currentBase } from './core/base.ts';
import { baselineValues } from './core/conclude.ts';
import { topRung, type SessionSpec } from './core/spec.ts';
import { BASELINE, type SessionState } from './core/state.ts';
import { sessionBest, winWorth, type BestSummary } from './summary-best.ts';

export interface SessionSummary {
  sessionId: string;
  status: string;
  researcher: string;
  baseline: {
    valBpb: number | null;
    std: number | null;
    n: number;
    rung: number;
    tokens: number;
    proposalId: string; // 'baseline', or the confirmed win the session re-based onto
    title: string;
    change: Change;
    config: TrainConfig;
  };
  rebases: number;
  rebaseHistory: Array<{
    from: string;
    to: string;
    at: string;
    delta: number;
    ci95: [number, number];
    n: number;
  }>;
  openTests: {
    continued: Array<{ proposalId: string; title: string; from: string }>;
    leftOpen: Array<{ proposalId: string; title: string; seeds: number; passed?: true }>;
  };
  noiseFloor: Array<{ rung: number; tokens: number; valBpb: number | null; std: number | null; n: number }>;
  best: BestSummary | null;
  significant: boolean;
  runs: { completed: number; stopped: number; failed: number; diverged: number; lost: number; total: number };
  monitorStops: number;
  leftBehind: number;
  computeUsed: number; // training FLOPs of all runs
  computeUsedSeconds: number; // wall seconds of the session
  computeSavedByMonitor: number; // 0..1, see accounting.ts
  savedFlops: number;
  budget: { seconds: number | null; flops: number | null };
  proposals: {
    total: number;
    rejected: number;
    wins: number;
    losses: number;
    inconclusive: number;
    open: number;
    /** Study points (measured once, at the study rung or, the best guess, at the top; never judged; README "Research sessions: the screening study"). */
    studyPoints: number;
  };
  rungTokens: number[];
  /** Confirmed wins (README "What a win is worth"): Δ ± CI, and the compute multiplier ± CI when measurable. */
  wins: Array<{
    proposalId: string;
    title: string;
    delta: number;
    ci95: [number, number];
    computeMultiplier?: { value: number; ci95: [number, number]; text: string };
  }>;
  /** The researcher's own cost (LLM calls, tokens, dollars); zeros for the offline researcher. */
  llm?: { calls: number; inputTokens: number; outputTokens: number; costUsd: number } | null;
}

export function summarize(
  sessionId: string,
  status: string,
  state: SessionState,
  spec: SessionSpec,
  runs: RunRecord[],
  baseFlopsPerToken: number,
): SessionSummary {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const count = (s: string) => runs.filter((r) => r.status === s).length;
  const top = topRung(spec);
  const cur = currentBase(state);
  const base = baselineValues(state, spec);
  const acct = account(state, spec, baseFlopsPerToken);
  const best = sessionBest(state, spec, byId, baseFlopsPerToken);
  const ps = state.proposals.filter((p) => p.id !== BASELINE && !p.ablationOf); // arms are measurements
  return {
    sessionId,
    status,
    researcher: spec.researcher,
    baseline: {
      valBpb: base.length ? mean(base) : null,
      std: base.length > 1 ? sampleStd(base) : null,
      n: base.length,
      rung: top,
      tokens: spec.rungTokens[top],
      proposalId: cur.id,
      title: cur.proposal.title,
      change: cur.proposal.change,
      config: cur.config,
    },
    rebases: (state.rebases ?? []).length,
    rebaseHistory: (state.rebases ?? []).map((r) => ({
      from: r.from,
      to: r.to,
      at: r.at,
      delta: r.evidence.delta,
      ci95: r.evidence.ci95,
      n: r.evidence.n,
    })),
    openTests: {
      continued: state.proposals.flatMap((p) =>
        p.continues
          ? [{ proposalId: p.id, title: p.title, from: `${p.continues.session}/${p.continues.proposalId}` }]
          : [],
      ),
      leftOpen: state.proposals.flatMap((p) =>
        p.openAtEnd
          ? [
              {
                proposalId: p.id,
                title: p.title,
                seeds: p.looks?.[p.looks.length - 1]?.n ?? 0,
                ...(p.passedAtEnd ? { passed: true as const } : {}),
              },
            ]
          : [],
      ),
    },
    noiseFloor: spec.rungTokens.map((tokens, rung) => {
      const v = baseValuesAt(state, cur.id, rung);
      return {
        rung,
        tokens,
        valBpb: v.length ? mean(v) : null,
        std: v.length > 1 ? sampleStd(v) : null,
        n: v.length,
      };
    }),
    best,
    significant: Boolean(best && best.confirmed && best.verdict === 'win' && best.ci95 && best.ci95[1] < 0),
    // `failed` counts every run that ended without a usable result (failed, diverged or lost);
    // `diverged` and `lost` break it down.
    runs: {
      completed: count('completed'),
      stopped: count('stopped'),
      failed: count('failed') + count('diverged') + count('lost'),
      diverged: count('diverged'),
      lost: count('lost'),
      total: runs.length,
    },
    monitorStops: state.trials.filter((t) => t.status === 'killed').length,
    leftBehind: state.trials.filter((t) => t.status === 'left').length,
    computeUsed: acct.usedFlops,
    computeUsedSeconds: state.secondsUsed,
    computeSavedByMonitor: acct.savedShare,
    savedFlops: acct.savedFlops,
    budget: { seconds: spec.budgetSeconds ?? null, flops: spec.budgetFlops ?? null },
    proposals: {
      total: ps.length,
      rejected: state.rejected.length,
      wins: ps.filter((p) => p.verdict === 'win').length,
      losses: ps.filter((p) => p.verdict === 'loss').length,
      inconclusive: ps.filter((p) => p.verdict === 'inconclusive').length,
      open: ps.filter((p) => p.status === 'active').length,
      studyPoints: ps.filter((p) => p.study).length,
    },
    rungTokens: spec.rungTokens,
    wins: ps
      .filter((p) => p.verdict === 'win' && p.stats)
      .map((p) => ({
        proposalId: p.id,
        title: p.title,
        delta: p.stats!.delta,
        ci95: p.stats!.ci95,
        ...winWorth(state, spec, p.id, baseFlopsPerToken),
      })),
  };
}
