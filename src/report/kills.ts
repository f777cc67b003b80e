/**
 * Monitor kills as the report shows them (pure): which killed runs get a panel (the first MAX_KILLS),
 * which baseline runs of the same rung are drawn beside them as the reference, and each curve thinned
 * to at most MAX_POINTS points (the kill point and the last point always kept).
 */
import type { JournalEntry, MetricPoint, RunRecord } from '../store/base.ts';
import type { KillView } from './model.ts';
import { rungIndex } from './progress.ts';

export const MAX_KILLS = 6;
const MAX_POINTS = 400;
const REFERENCES = 3;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Killed runs to draw and their reference runs; `gather.ts` reads the curves of exactly these. */
export function selectKills(runs: RunRecord[]): {
  shown: { run: RunRecord; refs: RunRecord[] }[];
  all: number;
} {
  const rungOf = rungIndex(runs);
  const killed = runs
    .filter((r) => r.stopRule)
    .sort((a, b) => Date.parse(a.endedAt ?? a.createdAt) - Date.parse(b.endedAt ?? b.createdAt));
  const baselines = runs.filter(
    (r) => r.tags?.purpose === 'baseline' && r.status !== 'failed' && !r.stopRule,
  );
  return {
    all: killed.length,
    shown: killed.slice(0, MAX_KILLS).map((run) => ({
      run,
      refs: baselines.filter((b) => rungOf(b) === rungOf(run)).slice(0, REFERENCES),
    })),
  };
}

function thin(points: [number, number][]): [number, number][] {
  if (points.length <= MAX_POINTS) return points;
  const stride = Math.ceil(points.length / MAX_POINTS);
  const out = points.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]);
  return out;
}

const series = (pts: MetricPoint[] | undefined, y: string): [number, number][] =>
  thin(
    (pts ?? [])
      .map((p) => [num(p.tokens), num(p[y])] as const)
      .filter((q): q is [number, number] => q[0] !== undefined && q[1] !== undefined),
  );

/** Where the rule decided: its evidence's tokens (or its last eval's), the "(tokens N)" of its message, else the run's end. */
function decidedAt(evidence: Record<string, unknown>, message: string, run: RunRecord): number | undefined {
  const evals = Array.isArray(evidence.evals) ? (evidence.evals as { tokens?: unknown }[]) : [];
  return (
    num(evidence.tokens) ??
    num(evals[evals.length - 1]?.tokens) ??
    num(Number(/\(tokens (\d+)\)/.exec(message)?.[1])) ??
    num(run.summary.tokens)
  );
}

export function killViews(
  runs: RunRecord[],
  journal: JournalEntry[],
  curves: Record<string, { train: MetricPoint[]; eval: MetricPoint[] }>,
  titles: Map<string, string>,
): { views: KillView[]; all: number } {
  const rungOf = rungIndex(runs);
  const { shown, all } = selectKills(runs);
  const views = shown.map(({ run, refs }) => {
    const entry = journal.find((e) => e.kind === 'kill' && (e.runIds ?? []).includes(run.id));
    const train = series(curves[run.id]?.train, 'loss');
    const evidence = (entry?.data?.evidence ?? {}) as Record<string, unknown>;
    const p = run.tags?.proposal;
    const message = entry?.title ?? run.statusReason ?? '';
    return {
      runId: run.id,
      proposalId: p,
      title: (p && titles.get(p)) ?? p ?? run.id,
      rule: String(entry?.data?.rule ?? run.stopRule),
      message,
      rung: rungOf(run),
      killTokens: decidedAt(evidence, message, run) ?? train[train.length - 1]?.[0],
      train,
      eval: series(curves[run.id]?.eval, 'valLoss'),
      reference: refs.map((r) => series(curves[r.id]?.train, 'loss')).filter((s) => s.length > 0),
    };
  });
  return { views, all };
}
