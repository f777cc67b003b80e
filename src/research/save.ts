/**
 * Writing a session down: its state and the summary built from it and its runs, in one store update,
 * then the summary to the live view. The session calls this one save at a time (session.ts `persist`).
 */
import type { Researcher } from '../researchers/base.ts';
import type { SessionStatus, Store } from '../store/base.ts';
import type { SessionState } from './core/state.ts';
import type { SessionSpec } from './core/spec.ts';
import { summarize, type SessionSummary } from './summary.ts';
import type { SessionView } from './view.ts';

/** What a save writes to and reads from (a session's own deps). */
export interface SaveDeps {
  store: Store;
  researcher: Researcher;
  view?: SessionView;
}

/**
 * Save `state` and its summary, which shows `shown` as the session's status; `status`, when given, is
 * also written as the record's status.
 */
export async function saveSession(
  deps: SaveDeps,
  id: string,
  spec: SessionSpec,
  state: SessionState,
  shown: SessionStatus,
  status: SessionStatus | undefined,
  baseFlopsPerToken: number,
): Promise<SessionSummary> {
  const runs = await deps.store.listRuns({ sessionId: id, fields: 'list' });
  const summary = summarize(id, shown, state, spec, runs, baseFlopsPerToken);
  summary.llm = deps.researcher.usage?.() ?? null;
  await deps.store.updateSession(id, {
    state: state as unknown as Record<string, unknown>,
    summary: summary as unknown as Record<string, unknown>,
    ...(status ? { status } : {}),
  });
  deps.view?.setSummary(summary);
  return summary;
}
