/**
 * The report's one I/O module: reads a session, its runs, journal, findings, the curves of its monitor
 * kills (and their baseline references) and the store's runs comparable with it. Everything after this
 * is pure (build.ts, plots.ts, html.ts, markdown.ts).
 */
import { importanceGroup } from '../analysis/importance.ts';
import { toAnalysisRun, type AnalysisRun } from '../analysis/runs.ts';
import { FlywheelError } from '../errors.ts';
import type { RunRecord, Store } from '../store/base.ts';
import { selectKills } from './kills.ts';
import { sessionMixture } from './mixture-view.ts';
import type { MixtureView, ReportInput } from './model.ts';

/** Optional parts computed elsewhere (the mixture study's analysis), given the session's runs. */
export interface GatherHooks {
  mixture?: (sessionRuns: RunRecord[], allRuns: AnalysisRun[]) => MixtureView | undefined;
}

/** The store's runs in a comparison group (importance.ts) with this session's runs: what its importance speaks about. */
export function comparableWith(all: AnalysisRun[], sessionId: string): AnalysisRun[] {
  const groups = new Set(all.filter((r) => r.sessionId === sessionId).map(importanceGroup));
  return all.filter((r) => groups.has(importanceGroup(r)));
}

export async function gatherReport(
  store: Store,
  sessionId: string,
  hooks: GatherHooks = {},
  now = new Date(),
): Promise<ReportInput> {
  const session = await store.getSession(sessionId);
  if (!session)
    throw new FlywheelError('not_found', `no session with id "${sessionId}" (see: flywheel runs --json)`);
  const [runs, journal, findings, everything] = await Promise.all([
    store.listRuns({ sessionId, fields: 'list', orderBy: 'createdAt' }),
    store.listJournal(sessionId),
    store.listFindings({ sessionId }),
    store.listRuns({ fields: 'list' }),
  ]);
  const curves: ReportInput['curves'] = {};
  const want = new Set(selectKills(runs).shown.flatMap((k) => [k.run.id, ...k.refs.map((r) => r.id)]));
  for (const id of want) curves[id] = await store.getMetrics(id);
  const all = everything.map(toAnalysisRun);
  return {
    session,
    runs,
    journal,
    findings,
    curves,
    comparableRuns: comparableWith(all, sessionId),
    mixture: (hooks.mixture ?? sessionMixture)(runs, all),
    now: now.toISOString(),
  };
}
