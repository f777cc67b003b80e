/**
 * The session's progress as the report plots it (pure): each result against the session's cumulative
 * FLOPs when it arrived, and each rung's baseline band with the candidates measured there.
 */
import type { SessionState } from '../research/core/state.ts';
import type { SessionSummary } from '../research/summary.ts';
import { mean, sampleStd } from '../stats/summary.ts';
import type { RunRecord } from '../store/base.ts';
import type { ProgressPoint, RungBand } from './model.ts';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A run's rung: the engine's `rung` tag, else the rank of its token budget among the session's runs. */
export function rungIndex(runs: RunRecord[]): (r: RunRecord) => number {
  const budgets = [...new Set(runs.map((r) => r.config.budget?.tokens ?? 0))].sort((a, b) => a - b);
  return (r) => {
    const t = Number(r.tags?.rung);
    return Number.isInteger(t) && t >= 0 ? t : Math.max(0, budgets.indexOf(r.config.budget?.tokens ?? 0));
  };
}

/** A result the engine counts: the run reached its rung's budget (completed, or stopped there without a rule). */
export const reachedRung = (r: RunRecord) =>
  (r.status === 'completed' || (r.status === 'stopped' && !r.stopRule)) &&
  num(r.summary.valBpb) !== undefined;

export function progressPoints(runs: RunRecord[], titles: Map<string, string>): ProgressPoint[] {
  const rungOf = rungIndex(runs);
  const ended = runs
    .filter((r) => r.endedAt && Number.isFinite(Date.parse(r.endedAt)))
    .sort((a, b) => Date.parse(a.endedAt!) - Date.parse(b.endedAt!));
  const out: ProgressPoint[] = [];
  let flops = 0;
  for (const r of ended) {
    flops += num(r.summary.flops) ?? 0;
    if (!reachedRung(r)) continue;
    const p = r.tags?.proposal ?? '';
    out.push({
      flops,
      valBpb: r.summary.valBpb as number,
      rung: rungOf(r),
      runId: r.id,
      label: p === 'baseline' ? 'baseline' : (titles.get(p) ?? p),
    });
  }
  return out;
}

/** Best (lowest) val bpb so far within each rung, as step points over cumulative FLOPs. */
export function bestSoFar(points: ProgressPoint[]): Map<number, { flops: number; valBpb: number }[]> {
  const out = new Map<number, { flops: number; valBpb: number }[]>();
  for (const p of points) {
    const line = out.get(p.rung) ?? [];
    const last = line[line.length - 1];
    if (!last || p.valBpb < last.valBpb) line.push({ flops: p.flops, valBpb: p.valBpb });
    out.set(p.rung, line);
  }
  const end = points.length ? points[points.length - 1].flops : 0;
  for (const line of out.values()) line.push({ flops: end, valBpb: line[line.length - 1].valBpb });
  return out;
}

export function rungBands(
  state: Partial<SessionState>,
  summary: Partial<SessionSummary>,
  rungTokens: number[],
  titles: Map<string, string>,
): RungBand[] {
  const trials = Array.isArray(state.trials) ? state.trials : [];
  const verdicts = new Map(
    (state.proposals ?? []).map((p) => [p.id, p.verdict ?? (p.status === 'active' ? 'open' : p.status)]),
  );
  const floor = Array.isArray(summary.noiseFloor) ? summary.noiseFloor : [];
  const rungs = Math.max(
    rungTokens.length,
    ...trials.flatMap((t) => Object.keys(t.results ?? {}).map((k) => Number(k) + 1)),
    0,
  );
  const out: RungBand[] = [];
  for (let r = 0; r < rungs; r++) {
    const key = String(r);
    const base = trials
      .filter((t) => t.proposalId === 'baseline')
      .map((t) => t.results?.[key])
      .filter((v): v is number => num(v) !== undefined);
    const f = floor.find((x) => x.rung === r);
    const baseline =
      f && num(f.valBpb) !== undefined
        ? { mean: f.valBpb as number, std: num(f.std) ?? 0, n: f.n }
        : base.length
          ? { mean: mean(base), std: base.length > 1 ? sampleStd(base) : 0, n: base.length }
          : undefined;
    const candidates = trials
      .filter((t) => t.proposalId !== 'baseline' && num(t.results?.[key]) !== undefined)
      .map((t) => ({
        proposalId: t.proposalId,
        title: titles.get(t.proposalId) ?? t.proposalId,
        verdict: verdicts.get(t.proposalId) ?? 'open',
        valBpb: t.results[key],
        runId: t.rungRuns?.[key] ?? t.runIds?.[t.runIds.length - 1] ?? '',
      }));
    if (baseline || candidates.length) out.push({ rung: r, tokens: rungTokens[r], baseline, candidates });
  }
  return out;
}
