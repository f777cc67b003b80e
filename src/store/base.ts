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
  valBpbSe?: number; // standard error of valBpb over the scored eval windows
  valBpbByDomainSe?: Record<string, number>; // the same per domain
  alsoEval?: { evalTokensPerDomain: number; valBpb: number }; // the final eval at train.alsoEvalTokensPerDomain
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
  stableTokens?: number; // tokens trained when that checkpoint was written
  lastEvalTokens?: number;
  lastEvalBpb?: number; // the last periodic eval (a run without a final eval has no valBpb)
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
  /** The dataset (RunProvenance.dataHash): with `codeHash`, the runs a cross-session analysis may compare. */
  dataHash?: string;
  codeHash?: string;
  orderBy?: 'createdAt' | 'valBpb' | 'endedAt';
  desc?: boolean;
  limit?: number;
  offset?: number;
  /** 'list' leaves out the heavy columns (codeDiff) for tables of many runs. Default 'full'. */
  fields?: 'full' | 'list';
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

// ---- research sessions (issue 3): sessions, their journal, findings that outlive them, tried ideas ----

export const SESSION_STATUSES = [
  'running',
  'paused',
  'completed',
  'stopped',
  'failed',
  'interrupted',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export interface SessionRecord {
  id: string;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  status: SessionStatus;
  statusReason?: string;
  researcher: string; // 'offline' | 'claude' | 'openai'
  executor: string; // 'local' | 'slurm'
  parallel: number;
  /** What was asked: base config, search space, rungs, seeds, budget (seconds/flops). Immutable. */
  spec: Record<string, unknown>;
  /** The scheduler's resumable state (proposals, rung membership, pending work). Replaced on update. */
  state: Record<string, unknown>;
  /** The latest summary (baseline, best, counts, compute used/saved). Replaced on update. */
  summary: Record<string, unknown>;
  /** Control requested from outside (dashboard/CLI): the session loop polls it. */
  control?: 'pause' | 'resume' | 'stop';
  ownerPid?: number;
  host?: string;
}

export type NewSession = Omit<SessionRecord, 'createdAt' | 'updatedAt' | 'status' | 'state' | 'summary'> & {
  status?: SessionStatus;
  state?: Record<string, unknown>;
  summary?: Record<string, unknown>;
};

export type SessionPatch = Partial<
  Pick<SessionRecord, 'status' | 'statusReason' | 'state' | 'summary' | 'ownerPid' | 'host' | 'endedAt'>
> & { control?: SessionRecord['control'] | null }; // null clears a handled control request

export const JOURNAL_KINDS = [
  'session', // started, resumed, finished
  'baseline', // baseline seeds scheduled / noise floor measured
  'proposal', // a researcher's proposal accepted for scheduling
  'rejection', // a proposal refused before compute (duplicate, invalid key, over budget)
  'schedule', // runs started for a proposal at a rung
  'promotion', // successive halving promoted (or left behind) proposals
  'kill', // a monitor stop, with rule and evidence
  'result', // a proposal's estimate at a rung
  'conclusion', // win / loss / inconclusive, with statistics
  'finding', // a durable finding recorded (also in findings)
  'note', // free text, e.g. an LLM's reasoning summary
  'llm', // an LLM call: tokens, cost
] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

export interface JournalEntry {
  sessionId: string;
  seq?: number; // assigned by the store, per session from 1
  ts?: string; // assigned by the store if absent
  kind: JournalKind;
  title: string;
  body?: string;
  proposalId?: string;
  runIds?: string[]; // the evidence
  data?: Record<string, unknown>;
}

export interface FindingRecord {
  id: string;
  sessionId: string;
  createdAt?: string;
  title: string;
  statement: string;
  change?: unknown; // the config diff / code change it is about
  effect?: number; // mean delta val bpb vs baseline (negative = better)
  ci95?: [number, number];
  n?: number;
  confirmed: boolean; // passed the held-out confirmation re-run
  configHash?: string; // of the resulting config (a later session can start from it)
  config?: unknown; // the full resulting TrainConfig when this finding is a new best
  runIds: string[];
  scale?: FindingScale; // what the win is worth beyond its session (multiplier, ladder, attribution)
}

/** A 95 % interval, [lo, hi]. */
export type Interval = [number, number];

/** One larger model size of a win's size ladder (README "the size ladder"). */
export interface LadderResult {
  params: number;
  tokens: number;
  delta: number; // candidate - baseline val bpb at this size (negative = better)
  ci95: Interval;
  computeMultiplier?: { value: number; ci95: Interval };
  verdict: 'holds' | 'shrinks' | 'flips' | 'pending';
}

/** The share of a multi-knob win carried by one knob (leave-one-out ablation). */
export interface AttributionEntry {
  key: string;
  value: unknown;
  delta: number; // val bpb the knob is worth inside the win (negative = it helps)
  ci95: Interval;
}

export interface FindingScale {
  computeMultiplier?: { value: number; ci95: Interval };
  ladder?: LadderResult[];
  attribution?: AttributionEntry[];
}

/** An idea already run, by key (config hash of the changed config, or hash of a code patch). */
export interface TriedIdea {
  key: string;
  title: string;
  sessionId: string;
  proposalId?: string;
  outcome?: string; // 'win' | 'loss' | 'inconclusive' | 'stopped' | 'failed' | 'rejected'
  createdAt?: string;
}

/** One row of the global change feed, for live views (SSE) across processes. */
export interface FeedItem {
  id: number; // global, strictly increasing
  ts: string;
  topic: 'run' | 'metrics' | 'event' | 'journal' | 'session' | 'finding';
  runId?: string;
  sessionId?: string;
  /** run: {status,...}; metrics: {kind, points}; event: StoredEvent; journal: JournalEntry; session: {status,...} */
  payload: unknown;
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

  createSession(s: NewSession): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  listSessions(opts?: {
    status?: SessionStatus[];
    limit?: number;
    offset?: number;
  }): Promise<SessionRecord[]>;
  updateSession(id: string, patch: SessionPatch): Promise<SessionRecord>;

  /** Append entries in order; returns them with seq and ts assigned. */
  appendJournal(entries: JournalEntry[]): Promise<JournalEntry[]>;
  listJournal(
    sessionId: string,
    opts?: { kinds?: JournalKind[]; afterSeq?: number; limit?: number },
  ): Promise<JournalEntry[]>;

  addFinding(f: FindingRecord): Promise<void>;
  /** Newest first; all sessions unless sessionId is given. */
  listFindings(opts?: { sessionId?: string; confirmed?: boolean; limit?: number }): Promise<FindingRecord[]>;

  /** Record an idea as tried; re-recording the same key updates its outcome. */
  recordIdea(idea: TriedIdea): Promise<void>;
  /**
   * Newest first. With `keys`: exactly the stored ideas among those keys, whatever their age (a lookup
   * by primary key: duplicate detection asks this for the keys it is about to admit, not the newest N).
   */
  listIdeas(opts?: { keys?: string[]; limit?: number }): Promise<TriedIdea[]>;

  /**
   * The change feed: every createRun/updateRun/finishRun, metrics append, event append, journal append,
   * session create/update and finding writes one item (metrics items carry their points). Items older
   * than the newest ~100k may be pruned. `afterId` = last id seen (0 = from the oldest kept).
   */
  readFeed(afterId: number, limit?: number): Promise<FeedItem[]>;
  /** The newest feed id (0 when empty), so a live view can start "from now". */
  feedHead(): Promise<number>;
}
