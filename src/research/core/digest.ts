/**
 * The digest a researcher reads before proposing: bounded in size however many runs exist (recent
 * results, findings and tried ideas are capped), so an LLM's context stays small.
 */
import type { TrainConfig } from '../../config/train-config.ts';
import { describeScale } from '../../analysis/scale-words.ts';
import type { Change, Digest, Estimate, ResultSummary, WinAtScale } from '../../researchers/base.ts';
import type { FindingRecord, TriedIdea } from '../../store/base.ts';
import { mean, sampleStd } from '../../stats/summary.ts';
import { account } from './accounting.ts';
import { baseOf, baseValuesAt, currentBase } from './base.ts';
import { baselineValues, bestWin, confirmedWins } from './conclude.ts';
import { describeLadder } from './ladder.ts';
import { multiplierOf } from './costed-runs.ts';
import type { SessionSpec } from './spec.ts';
import { BASELINE, valuesAt, type ProposalState, type SessionState } from './state.ts';

export const DIGEST_LIMITS = { recent: 24, findings: 20, tried: 120, rejected: 10, reopened: 10 };

const est = (v: number[]): Estimate | undefined =>
  v.length ? { mean: mean(v), std: v.length > 1 ? sampleStd(v) : 0, n: v.length } : undefined;

/** The summary of one proposal at the highest rung any of its trials reached. */
export function resultOf(state: SessionState, spec: SessionSpec, p: ProposalState): ResultSummary {
  // its runs at the session's size (a size ladder's runs are reported apart: `wins`)
  const trials = state.trials.filter((t) => t.proposalId === p.id && t.purpose !== 'ladder');
  let rung = 0;
  for (const t of trials) for (const r of Object.keys(t.results)) rung = Math.max(rung, Number(r));
  const values = valuesAt(state, p.id, rung);
  const base = baseValuesAt(state, baseOf(state, p.id), rung);
  const running = trials.some((t) => t.status === 'running' || t.status === 'pending');
  const killed = trials.find((t) => t.status === 'killed');
  const failed = trials.length > 0 && trials.every((t) => t.status === 'failed');
  const status: ResultSummary['status'] = running
    ? 'running'
    : killed
      ? 'stopped'
      : failed
        ? 'failed'
        : 'completed';
  return {
    proposalId: p.id,
    title: p.title,
    change: p.change,
    source: p.source,
    rung,
    status,
    valBpb: est(values),
    delta: values.length && base.length ? mean(values) - mean(base) : undefined,
    ci95: p.stats?.ci95,
    pValue: p.stats?.pValue,
    verdict: p.verdict,
    stopRule: killed?.stopRule,
    runIds: trials.flatMap((t) => t.runIds),
  };
}

/** The best's compute multiplier for the digest, when the session's runs can measure it. */
function worth(state: SessionState, spec: SessionSpec, id: string, perToken: number) {
  const m = multiplierOf(state, spec, id, perToken);
  if (!m.ok || !Number.isFinite(m.value) || !m.ci95.every(Number.isFinite)) return {};
  return { computeMultiplier: { value: m.value, ci95: m.ci95, text: m.text } };
}

const isChange = (c: unknown): c is Change =>
  typeof c === 'object' &&
  c !== null &&
  ((c as Change).kind === 'config' || (c as Change).kind === 'code') &&
  typeof (c as { set?: unknown }).set === 'object';

/** The session's confirmed wins with their multipliers and, for the one that climbed, its ladder. */
function winsAtScale(state: SessionState, spec: SessionSpec, perToken: number): WinAtScale[] {
  return confirmedWins(state).map((p) => {
    const l =
      state.ladder?.proposalId === p.id && state.ladder.status !== 'skipped' ? state.ladder : undefined;
    return {
      proposalId: p.id,
      title: p.title,
      delta: p.stats!.delta,
      ...worth(state, spec, p.id, perToken),
      ...(l
        ? {
            ladder: l.entries.map((e) => ({
              params: e.params,
              tokens: e.tokens,
              delta: e.delta,
              ci95: e.ci95,
              verdict: e.verdict,
            })),
            ladderText: describeLadder(l.entries),
          }
        : {}),
    };
  });
}

/** The current base at every rung it has run: its mean, and its value on the session's first seed. */
function baseAtRungs(state: SessionState, spec: SessionSpec): NonNullable<Digest['baseAtRungs']> {
  const id = currentBase(state).id;
  return spec.rungTokens.flatMap((_, rung) => {
    const v = baseValuesAt(state, id, rung);
    if (!v.length) return [];
    const first = state.trials
      .filter((t) => t.proposalId === id && t.seed === spec.seedBase && t.purpose !== 'ladder')
      .map((t) => t.results[String(rung)])
      .find((x) => Number.isFinite(x));
    return [{ rung, mean: mean(v), n: v.length, ...(Number.isFinite(first) ? { firstSeed: first } : {}) }];
  });
}

export function buildDigest(
  sessionId: string,
  state: SessionState,
  spec: SessionSpec,
  baseConfig: TrainConfig,
  findings: FindingRecord[],
  ideas: TriedIdea[],
  baseFlopsPerToken: number,
  secondsUsed: number,
): Digest {
  const ps = state.proposals.filter((p) => p.id !== BASELINE && !p.ablationOf); // arms: in the journal, not ideas
  const results = ps.map((p) => resultOf(state, spec, p));
  const bestP = bestWin(state);
  const tried = new Map<string, string>();
  for (const p of ps) tried.set(p.key, p.title);
  for (const i of ideas) if (!tried.has(i.key)) tried.set(i.key, i.title);
  return {
    sessionId,
    goal: 'valBpb',
    baselineConfig: baseConfig,
    baseline: est(baselineValues(state, spec)),
    noiseFloor: spec.rungTokens.map((tokens, rung) => {
      const v = valuesAt(state, BASELINE, rung);
      return { rung, budgetTokens: tokens, std: v.length > 1 ? sampleStd(v) : 0, n: v.length };
    }),
    baseAtRungs: baseAtRungs(state, spec),
    best: bestP
      ? {
          ...resultOf(state, spec, bestP),
          confirmed: true,
          ...worth(state, spec, bestP.id, baseFlopsPerToken),
        }
      : undefined,
    wins: winsAtScale(state, spec, baseFlopsPerToken),
    recent: results.slice(-DIGEST_LIMITS.recent).reverse(),
    findings: findings.slice(0, DIGEST_LIMITS.findings).map((f) => ({
      id: f.id,
      title: f.title,
      statement: f.statement,
      effect: f.effect,
      ci95: f.ci95,
      runIds: f.runIds.slice(0, 8),
      sessionId: f.sessionId,
      // what the win is worth beyond its session, in numbers and in words (analysis/scale-words.ts)
      ...(isChange(f.change) ? { change: f.change } : {}),
      ...(f.scale ? { scale: f.scale, scaleText: describeScale(f.scale) } : {}),
    })),
    tried: [...tried.entries()].slice(-DIGEST_LIMITS.tried).map(([key, title]) => ({ key, title })),
    rejected: state.rejected.slice(-DIGEST_LIMITS.rejected),
    searchSpace: spec.searchSpace,
    budget: {
      usedFlops: account(state, spec, baseFlopsPerToken).usedFlops,
      totalFlops: spec.budgetFlops,
      usedSeconds: secondsUsed,
      totalSeconds: spec.budgetSeconds,
    },
  };
}
