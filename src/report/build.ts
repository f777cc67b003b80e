/**
 * ReportInput -> ReportModel, pure. Reads the session's stored state and summary (research/core/state.ts,
 * research/summary.ts) defensively: a report is also asked of an old, interrupted or foreign session,
 * and a missing part becomes an omitted section, never an exception.
 */
import { knobImportance } from '../analysis/importance.ts';
import type { SessionState } from '../research/core/state.ts';
import type { SessionSummary } from '../research/summary.ts';
import type { AttributionEntry, FindingRecord, JournalEntry, RunRecord } from '../store/base.ts';
import { killViews } from './kills.ts';
import type { ChangeItem, JournalItem, LadderView, ReportInput, ReportModel, WinView } from './model.ts';
import { progressPoints, rungBands } from './progress.ts';

export const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const interval = (v: unknown): [number, number] | undefined =>
  Array.isArray(v) && v.length === 2 && v.every((x) => num(x) !== undefined)
    ? [v[0] as number, v[1] as number]
    : undefined;
const multiplierOf = (v: unknown) => {
  const o = (v ?? {}) as { value?: unknown; ci95?: unknown };
  const value = num(o.value);
  const ci95 = interval(o.ci95);
  return value !== undefined && ci95 ? { value, ci95 } : undefined;
};

/** Journal kinds the report lists: the decisions (more seeds, a confirmation run is one). Results are
 * in the charts; LLM calls are summed under cost. */
const LISTED = new Set([
  'session',
  'baseline',
  'proposal',
  'rejection',
  'schedule',
  'promotion',
  'kill',
  'conclusion',
  'finding',
  'note',
]);
const MAX_JOURNAL = 400;

/** A change as key/value rows: config keys as set, code edits by file with their size. */
export function changeItems(change: unknown): ChangeItem[] {
  const c = (change ?? {}) as { kind?: unknown; set?: unknown; edits?: unknown };
  const out: ChangeItem[] = [];
  if (Array.isArray(c.edits))
    for (const e of c.edits as { file?: unknown; search?: unknown; replace?: unknown }[])
      out.push({
        key: `code: ${str(e?.file)}`,
        value: `edit: ${str(e?.search).split('\n').length} line(s) replaced by ${str(e?.replace).split('\n').length}`,
      });
  if (c.set && typeof c.set === 'object')
    for (const [k, v] of Object.entries(c.set as Record<string, unknown>))
      out.push({ key: k, value: JSON.stringify(v) ?? '' });
  return out;
}

function llmCost(summary: Partial<SessionSummary>, journal: JournalEntry[]): ReportModel['llm'] {
  const s = summary.llm;
  if (s && num(s.calls) !== undefined)
    return {
      calls: s.calls,
      inputTokens: s.inputTokens ?? 0,
      outputTokens: s.outputTokens ?? 0,
      costUsd: s.costUsd ?? 0,
    };
  const calls = journal.filter((e) => e.kind === 'llm');
  if (!calls.length) return null;
  const sum = (k: string) => calls.reduce((a, e) => a + (num(e.data?.[k]) ?? 0), 0);
  return {
    calls: calls.length,
    inputTokens: sum('inputTokens'),
    outputTokens: sum('outputTokens'),
    costUsd: sum('costUsd'),
  };
}

function compute(runs: RunRecord[], summary: Partial<SessionSummary>, spec: Record<string, unknown>) {
  const hoursByDevice: Record<string, number> = {};
  let runSeconds = 0;
  let flops = 0;
  for (const r of runs) {
    const s = r.summary;
    const wall =
      num(s.wallSeconds) ??
      (r.startedAt && r.endedAt ? Math.max(0, (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000) : 0);
    runSeconds += wall;
    flops += num(s.flops) ?? 0;
    const device = (r.device ?? 'cpu').split(':')[0].toLowerCase();
    hoursByDevice[device] = (hoursByDevice[device] ?? 0) + wall / 3600;
  }
  return {
    flops: num(summary.computeUsed) ?? flops,
    budgetFlops: num(summary.budget?.flops) ?? num(spec.budgetFlops),
    budgetSeconds: num(summary.budget?.seconds) ?? num(spec.budgetSeconds),
    sessionSeconds: num(summary.computeUsedSeconds),
    runSeconds,
    hoursByDevice,
  };
}

function winsOf(summary: Partial<SessionSummary>, findings: FindingRecord[], sessionId: string): WinView[] {
  const wins = Array.isArray(summary.wins) ? summary.wins : [];
  const best = summary.best;
  return wins
    .filter((w) => num(w.delta) !== undefined && interval(w.ci95))
    .map((w) => {
      const f = findings.find((x) => x.id === `${sessionId}-${w.proposalId}`);
      const fromBest = best?.proposalId === w.proposalId ? multiplierOf(best.computeMultiplier) : undefined;
      return {
        proposalId: w.proposalId,
        title: str(w.title),
        delta: w.delta,
        ci95: w.ci95,
        multiplier: fromBest ?? multiplierOf(f?.scale?.computeMultiplier),
      };
    });
}

/** The best's size ladder: from the summary, else from the best's finding. */
function ladderOf(summary: Partial<SessionSummary>, bestFinding?: FindingRecord): LadderView | null {
  const best = summary.best;
  const raw = (Array.isArray(best?.ladder) ? best.ladder : bestFinding?.scale?.ladder) as
    unknown[] | undefined;
  if (!best || !raw?.length) return null;
  const rungs = raw
    .map((x) => (x ?? {}) as Record<string, unknown>)
    .filter((x) => num(x.params) !== undefined)
    .map((x) => ({
      params: x.params as number,
      tokens: num(x.tokens) ?? 0,
      delta: num(x.delta) ?? null,
      ci95: interval(x.ci95) ?? null,
      multiplier: multiplierOf(x.computeMultiplier) ?? null,
      verdict: str(x.verdict) || 'pending',
    }));
  return rungs.length ? { title: best.title, rungs } : null;
}

function attributionOf(
  summary: Partial<SessionSummary>,
  bestFinding?: FindingRecord,
): ReportModel['attribution'] {
  const best = summary.best as (SessionSummary['best'] & { attribution?: unknown }) | null | undefined;
  const raw = (Array.isArray(best?.attribution) ? best.attribution : bestFinding?.scale?.attribution) as
    unknown[] | undefined;
  if (!best || !raw?.length) return null;
  const entries: AttributionEntry[] = raw
    .map((x) => (x ?? {}) as Record<string, unknown>)
    .filter((x) => num(x.delta) !== undefined && interval(x.ci95))
    .map((x) => ({ key: str(x.key), value: x.value, delta: x.delta as number, ci95: interval(x.ci95)! }));
  return entries.length ? { title: best.title, entries } : null;
}

function journalItems(journal: JournalEntry[]): { items: JournalItem[]; omitted: number } {
  const listed = journal.filter((e) => LISTED.has(e.kind));
  return {
    items: listed.slice(0, MAX_JOURNAL).map((e) => ({
      seq: e.seq,
      ts: e.ts,
      kind: e.kind,
      title: str(e.title),
      body: e.body === undefined ? undefined : str(e.body),
      proposalId: e.proposalId,
      runIds: Array.isArray(e.runIds) ? e.runIds.map(str) : [],
    })),
    omitted: Math.max(0, listed.length - MAX_JOURNAL),
  };
}

export function buildReport(input: ReportInput): ReportModel {
  const { session, runs, journal, findings } = input;
  const state = (session.state ?? {}) as Partial<SessionState>;
  const summary = (session.summary ?? {}) as Partial<SessionSummary>;
  const spec = session.spec ?? {};
  const proposals = Array.isArray(state.proposals) ? state.proposals : [];
  const titles = new Map(proposals.map((p) => [p.id, str(p.title)]));
  const best = summary.best ?? null;
  const bestFinding = best ? findings.find((f) => f.id === `${session.id}-${best.proposalId}`) : undefined;
  const rungTokens = (
    Array.isArray(summary.rungTokens)
      ? summary.rungTokens
      : Array.isArray(spec.rungTokens)
        ? spec.rungTokens
        : []
  )
    .map(num)
    .filter((x): x is number => x !== undefined);
  const kills = killViews(runs, journal, input.curves, titles);
  const { items, omitted } = journalItems(journal);
  const base = summary.baseline;
  return {
    generatedAt: input.now,
    session: {
      id: session.id,
      status: session.status,
      statusReason: session.statusReason,
      researcher: session.researcher,
      executor: session.executor,
      parallel: session.parallel,
      createdAt: session.createdAt,
      endedAt: session.endedAt,
      rungTokens,
    },
    headline: {
      baseline:
        base && num(base.valBpb) !== undefined
          ? { valBpb: base.valBpb as number, std: num(base.std), n: base.n ?? 0, tokens: num(base.tokens) }
          : undefined,
      best:
        best && num(best.valBpb) !== undefined
          ? {
              title: str(best.title),
              proposalId: best.proposalId,
              valBpb: best.valBpb,
              delta: num(best.delta),
              ci95: interval(best.ci95),
              n: best.n ?? 0,
              verdict: str(best.verdict),
              confirmed: Boolean(best.confirmed),
              multiplier: multiplierOf(best.computeMultiplier),
              multiplierReason: best.computeMultiplierReason,
              change: changeItems(best.change),
            }
          : undefined,
      significant: Boolean(summary.significant),
      runs: Object.fromEntries(
        Object.entries(summary.runs ?? {}).filter(([, v]) => num(v) !== undefined),
      ) as Record<string, number>,
      monitorStops: num(summary.monitorStops) ?? kills.all,
      savedShare: num(summary.computeSavedByMonitor),
    },
    compute: compute(runs, summary, spec),
    llm: llmCost(summary, journal),
    proposals: proposals
      .filter((p) => p.id !== 'baseline')
      .map((p) => ({
        id: p.id,
        title: str(p.title),
        hypothesis: str(p.hypothesis),
        source: str(p.source),
        change: changeItems(p.change),
        expectedEffect: num(p.expectedEffect),
        verdict: p.verdict ?? (p.status === 'active' ? 'open' : str(p.status)),
        confirmed: Boolean(p.confirmed),
        delta: num(p.stats?.delta),
        ci95: interval(p.stats?.ci95),
        n: num(p.stats?.n),
        pValue: num(p.stats?.adjustedP) ?? num(p.stats?.pValue),
      })),
    rejected: (Array.isArray(state.rejected) ? state.rejected : []).map((r) => ({
      title: str(r.title),
      reason: str(r.reason),
    })),
    journal: items,
    journalOmitted: omitted,
    findings: findings.map((f) => ({
      title: str(f.title),
      statement: str(f.statement),
      effect: num(f.effect),
      ci95: interval(f.ci95),
      n: num(f.n),
      confirmed: Boolean(f.confirmed),
    })),
    progress: progressPoints(runs, titles),
    rungs: rungBands(state, summary, rungTokens, titles),
    kills: kills.views,
    killsOmitted: kills.all - kills.views.length,
    wins: winsOf(summary, findings, session.id),
    ladder: ladderOf(summary, bestFinding),
    attribution: attributionOf(summary, bestFinding),
    importance: knobImportance(input.comparableRuns, { resamples: 200 }),
    mixture: input.mixture ?? null,
  };
}
