/** Typed calls to the Flywheel API (same origin; the auth cookie, if any, travels by itself). */
import type { ImportanceReport } from '../../src/analysis/importance.ts';
import type {
  CompareResponse,
  FindingRecord,
  JournalResponse,
  MetricsResponse,
  RunDetail,
  RunsResponse,
  SessionListItem,
  SessionView,
  StopResponse,
} from '../../src/server/types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Set when the server answered 401: the app shows the token prompt. */
export const authState = { needed: false, listeners: new Set<() => void>() };

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...init,
    headers: { accept: 'application/json', ...init?.headers },
  });
  if (!res.ok) {
    let code = 'http';
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { error?: { code: string; message: string } };
      if (body.error) ({ code, message } = body.error);
    } catch {
      /* not JSON */
    }
    if (res.status === 401) {
      authState.needed = true;
      authState.listeners.forEach((f) => f());
    }
    throw new ApiError(res.status, code, message);
  }
  return (await res.json()) as T;
}

const post = <T>(path: string, body?: unknown) =>
  api<T>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

export const getRuns = (query: string) => api<RunsResponse>(`/api/runs?${query}`);
export const getRun = (id: string) => api<RunDetail>(`/api/runs/${encodeURIComponent(id)}`);
export const getMetrics = (id: string, maxPoints: number) =>
  api<MetricsResponse>(`/api/runs/${encodeURIComponent(id)}/metrics?maxPoints=${maxPoints}`);
export const stopRun = (id: string) => post<StopResponse>(`/api/runs/${encodeURIComponent(id)}/stop`);
export const compare = (q: { ids: string[]; x: string; y: string; maxPoints: number }) =>
  post<CompareResponse>('/api/compare', q);
export const getSessions = () => api<{ sessions: SessionListItem[] }>('/api/sessions');
export const getSession = (id: string) => api<SessionView>(`/api/sessions/${encodeURIComponent(id)}`);
export const getJournal = (id: string, afterSeq = 0) =>
  api<JournalResponse>(
    `/api/sessions/${encodeURIComponent(id)}/journal${afterSeq ? `?afterSeq=${afterSeq}` : ''}`,
  );
export const getImportance = (id: string) =>
  api<ImportanceReport>(`/api/sessions/${encodeURIComponent(id)}/importance`);
/** The session's report page (self-contained HTML, made on the fly by the server). */
export const reportHref = (id: string) => `/api/sessions/${encodeURIComponent(id)}/report.html`;
export const getFindings = () => api<{ findings: FindingRecord[] }>('/api/findings');
export const controlSession = (id: string, action: 'pause' | 'resume' | 'stop') =>
  post<SessionListItem>(`/api/sessions/${encodeURIComponent(id)}/${action}`);
