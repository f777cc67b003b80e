/**
 * The store contract. Every backend (sqlite.ts over better-sqlite3, postgres.ts over pg, both via
 * Kysely) implements `Store` and must pass the shared suite in `store-suite.ts`.
 *
 * Guarantees a backend must give:
 * - Durability: a call that resolved is on disk (SQLite WAL, synchronous=NORMAL is acceptable).
 * - Concurrency: many processes may write to one store at once (SQLite: WAL + busy timeout and
 *   retry); no write is lost, none is duplicated.
 * - Immutability: once a run reaches a terminal status (completed, stopped, diverged, failed, lost)
 *   `updateRun`/`finishRun` on it throw FlywheelError('conflict'); metrics and events for it may still
 *   be appended only while `status` is queued/running (late lines after the end are dropped, not an error).
 * - Metric points are stored compactly (chunks of many points per row), and returned ordered by
 *   insertion order within a run and kind.
 */
import type { TrainConfig } from '../config/train-config.ts';

export const RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'stopped',
  'diverged',
  'failed',
  'lost',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  'completed',
  'stopped',
  'diverged',
  'failed',
  'lost',
]);
export const isTerminal = (s: RunStatus) => TERMINAL_STATUSES.has(s);

/** Numbers a finished run is judged by. All optional: a failed run may have none. */
export interface RunSummary {
  valBpb?: number;
  valLoss?: number;
  valBpbByDomain?: Record<string, number>;
  tokens?: number;
  flops?: number;
  steps?: number;
  tokPerSec?: number;
  mfu?: number;
  trainSeconds?: number; // seconds inside the training loop
  wallSeconds?: number; // process start to exit, as seen by the orchestrator
  params?: number;
  flopsPerToken?: number;
  bestCheckpoint?: string;
  stableCheckpoint?: string; // wsd: checkpoint at the start of the warmdown (for promotion)
  lastEvalTokens?: number;
  [k: string]: unknown;
}

/** Where a run's code and environment came from, for reproduction. */
export interface RunProvenance {
  host?: string;
  python?: string;
  torch?: string;
  device?: string;
  codeCommit?: string; // git commit of the trainer dir, if in a repo
  codeDiff?: string; // uncommitted diff of the trainer dir against that commit (or the agent's patch)
  codeHash?: string; // sha256 over the trainer files actually run
  harnessHash?: string;
  dataHash?: string;
  executor?: string;
}

export interface RunRecord extends RunProvenance {
  id: string;
  createdAt: string; // ISO-8601
  startedAt?: string;
  endedAt?: string;
  heartbeatAt?: string;
  status: RunStatus;
  statusReason?: string; // e.g. the end event's reason, or "monitor: spike (z=9.1 at step 120)"
  stopRule?: string; // the monitor rule that stopped it, if any
  sessionId?: string;
  parentRunId?: string; // run this one resumed from or reproduces
  preset?: string;
  config: TrainConfig;
  configHash: string; // hash of the config with the seed removed: runs differing only by seed share it
  seed: number;
  runDir: string;
  pid?: number;
  summary: RunSummary;
  tags: Record<string, string>;
}

export type NewRun = Omit<RunRecord, 'createdAt' | 'status' | 'summary' | 'tags'> & {
  status?: 'queued' | 'running';
  summary?: RunSummary;
  tags?: Record<string, string>;
};

export type RunPatch = Partial<
  Pick<
    RunRecord,
    'status' | 'startedAt' | 'heartbeatAt' | 'statusReason' | 'pid' | 'summary' | 'tags' | keyof RunProvenance
  >
>;

export interface RunFilter {
  status?: RunStatus | RunStatus[];
  sessionId?: string;
  configHash?: string;
  preset?: string;
  ids?: string[];
  orderBy?: 'createdAt' | 'valBpb' | 'endedAt';
  desc?: boolean;
  limit?: number;
  offset?: number;
}

export type MetricKind = 'train' | 'eval';
/** One point: step, tokens, flops, elapsed and any numeric fields (loss, lr, gradNorm, valBpb, bpb/<domain>...). */
export type MetricPoint = Record<string, number>;

export interface StoredEvent {
  seq?: number; // assigned by the store
  ts: string; // ISO time it was read
  kind: string; // event kind, or 'malformed' for a line that failed to parse, or 'log'/'monitor'/...
  payload: unknown; // the parsed event, or { line, error } for malformed
}

export interface Artifact {
  runId: string;
  name: string; // e.g. 'checkpoint:stable', 'stdout', 'code.patch'
  path: string;
  bytes?: number;
  sha256?: string;
  createdAt?: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Create or upgrade the schema. Idempotent; safe when several processes call it at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  createRun(run: NewRun): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | undefined>;
  listRuns(filter?: RunFilter): Promise<RunRecord[]>;
  countRuns(filter?: RunFilter): Promise<number>;
  /** Partial update of a non-terminal run; `summary` and `tags` are merged, not replaced. */
  updateRun(id: string, patch: RunPatch): Promise<RunRecord>;
  /** The one transition to a terminal status; sets endedAt. Throws conflict if already terminal. */
  finishRun(
    id: string,
    status: RunStatus,
    reason: string,
    summary?: RunSummary,
    stopRule?: string,
  ): Promise<RunRecord>;

  appendMetrics(runId: string, kind: MetricKind, points: MetricPoint[]): Promise<void>;
  getMetrics(runId: string, kind?: MetricKind): Promise<{ train: MetricPoint[]; eval: MetricPoint[] }>;

  appendEvents(runId: string, events: StoredEvent[]): Promise<void>;
  listEvents(
    runId: string,
    opts?: { kinds?: string[]; afterSeq?: number; limit?: number },
  ): Promise<StoredEvent[]>;

  addArtifact(a: Artifact): Promise<void>;
  listArtifacts(runId: string): Promise<Artifact[]>;
}
