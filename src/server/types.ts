/**
 * The JSON shapes of the HTTP API. The web app imports these as types only, so a change here is a
 * type error on both sides of the wire.
 */
import type {
  Artifact,
  FeedItem,
  FindingRecord,
  JournalEntry,
  MetricPoint,
  RunRecord,
  RunStatus,
  SessionRecord,
  StoredEvent,
} from '../store/base.ts';
import type { Scalar } from './run-query.ts';

export type {
  FeedItem,
  FindingRecord,
  JournalEntry,
  MetricPoint,
  RunRecord,
  RunStatus,
  SessionRecord,
  Scalar,
};

/** A row of the runs table: small on purpose (10k of them travel at once). */
export interface RunListItem {
  id: string;
  status: RunStatus;
  statusReason?: string;
  stopRule?: string;
  preset?: string;
  seed: number;
  configHash: string;
  sessionId?: string;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  valBpb?: number;
  tokens?: number;
  flops?: number;
  params?: number;
  wallSeconds?: number;
  tokPerSec?: number;
  /** Values of the listed config keys (`RunsResponse.keys`), flattened: `{"model.depth": 4}`. */
  config: Record<string, Scalar>;
  tags?: Record<string, string>;
}

export interface RunsResponse<T = RunListItem> {
  total: number; // matching runs before pagination
  offset: number;
  limit: number;
  /** Config keys carried in each item's `config`: those that vary among the matching runs, or `?keys=`. */
  keys: string[];
  /** Config keys with one value across all matching runs (when `keys` were computed, not given). */
  constants?: Record<string, Scalar>;
  runs: T[]; // RunListItem, or RunRecord with ?fields=full
}

/** Why and how a run stopped, gathered from its status, stop rule and stop/monitor events. */
export interface StopInfo {
  reason?: string;
  rule?: string;
  requestedBy?: string; // 'dashboard' | 'monitor' | 'user' ...
  requestedAt?: string;
  evidence?: unknown;
}

export interface RunDetail {
  run: RunRecord;
  stop?: StopInfo;
  events: StoredEvent[]; // the rare ones: start, eval, end, stop, monitor, hung, malformed (bounded)
  artifacts: Artifact[];
  counts: { train: number; eval: number };
  live: boolean; // queued or running
  /** Whether this server could signal the trainer (same host, pid alive). */
  stoppable: boolean;
}

export interface MetricsResponse {
  runId: string;
  maxPoints: number;
  counts: { train: number; eval: number }; // before downsampling
  train: MetricPoint[];
  eval: MetricPoint[];
}

export interface StopResponse {
  runId: string;
  signalled: boolean; // SIGTERM reached the trainer
  status: RunStatus;
  message: string;
}

export interface CompareRun {
  id: string;
  configHash: string;
  seed: number;
  status: RunStatus;
  label: string;
  valBpb?: number;
  values: (number | null)[]; // y on the shared grid
}

export interface CompareResponse {
  x: string;
  y: string;
  kind: 'train' | 'eval';
  maxPoints: number;
  grid: number[];
  runs: CompareRun[];
  /** Runs sharing a configHash (differing only by seed): drawn as mean ± std. */
  groups: Array<{ configHash: string; runIds: string[]; label: string }>;
  /** Points read before alignment, for the record. */
  pointsIn: number;
}

export interface SessionListItem {
  id: string;
  status: SessionRecord['status'];
  statusReason?: string;
  researcher: string;
  executor: string;
  parallel: number;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  control?: SessionRecord['control'];
  summary: Record<string, unknown>;
}

export interface RungView {
  rung: number;
  budget?: number; // tokens (or the run's budget in its own unit) of this rung
  runs: Array<{
    id: string;
    status: RunStatus;
    valBpb?: number;
    proposal?: string;
    promoted: boolean; // the same trial ran at a higher rung
    killed?: string; // the monitor rule that stopped it
  }>;
}

export interface BurnPoint {
  t: number; // seconds since the session started
  flops: number; // cumulative compute of finished + running runs
  seconds: number; // cumulative run wall seconds
}

export interface BestPoint {
  t: number; // seconds since the session started
  valBpb: number;
  lo?: number; // 95 % CI of the best estimate, when known
  hi?: number;
  label?: string;
  runIds?: string[];
}

export interface SessionView {
  session: SessionRecord;
  budget: { flops?: number; seconds?: number };
  burn: BurnPoint[];
  rungs: RungView[];
  best: BestPoint[];
  runs: RunListItem[];
  keys: string[];
  findings: FindingRecord[];
  journalCount: number;
}

export interface JournalResponse {
  sessionId: string;
  entries: JournalEntry[];
}
