/**
 * Table types shared by both dialects (Kysely's `Database` generic). Columns are snake_case; the
 * mapping to the camelCase records of base.ts lives in rows.ts.
 *
 * Portable choices (one set of SQL for SQLite and Postgres):
 * - ids are text; times are ISO-8601 UTC text from `toISOString()` (fixed width, so text order is time order).
 * - JSON (config, summary, tags, event payloads) is text in both dialects, not jsonb: it round-trips exactly
 *   (key order, so a config re-hashes to the same configHash; a malformed trainer line with a NUL byte, which
 *   jsonb rejects). Query-time JSON still works: `json_extract(config, '$.model.depth')` in SQLite,
 *   `config::jsonb #>> '{model,depth}'` in Postgres; add expression indexes in a migration when a query needs one.
 * - What lists filter and sort by is a real, indexed column (status, session_id, config_hash, preset,
 *   created_at, ended_at, and val_bpb/tokens/flops copied out of the summary).
 * - The only type that differs is the blob of a metric chunk (`blob` / `bytea`), see migrations/types.ts.
 *
 * A migration that adds a table adds its interface here and a key to `Database`.
 */
export interface RunsTable {
  id: string;
  seq: number; // insertion order across the store: the tie-break of created_at and a cursor for "new runs since"
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  heartbeat_at: string | null;
  status: string;
  status_reason: string | null;
  stop_rule: string | null;
  session_id: string | null;
  parent_run_id: string | null;
  preset: string | null;
  config_hash: string;
  seed: number;
  run_dir: string;
  pid: number | null;
  val_bpb: number | null; // summary.valBpb when finite, for sorting
  tokens: number | null; // summary.tokens
  flops: number | null; // summary.flops (compute accounting sums this)
  config: string; // JSON
  summary: string; // JSON
  tags: string; // JSON object of strings
  host: string | null;
  python: string | null;
  torch: string | null;
  device: string | null;
  code_commit: string | null;
  code_diff: string | null;
  code_hash: string | null;
  harness_hash: string | null;
  data_hash: string | null;
  executor: string | null;
}

/** Many points of one run and kind per row; see metric-codec.ts for the layout of `data`. */
export interface MetricChunksTable {
  run_id: string;
  kind: string; // 'train' | 'eval'
  seq: number; // per (run_id, kind), from 1, in append order
  n_points: number;
  fields: string; // JSON array of field names, the columns of `data`
  step_first: number | null; // `step` of the first and last point, for range reads without decoding
  step_last: number | null;
  data: Buffer; // Float64 little-endian, column-major: fields.length x n_points
}

export interface EventsTable {
  run_id: string;
  seq: number; // per run, from 1
  ts: string;
  kind: string;
  payload: string; // JSON
}

export interface ArtifactsTable {
  run_id: string;
  name: string;
  path: string;
  bytes: number | string | null; // bigint: pg returns a string
  sha256: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: string;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  status: string;
  status_reason: string | null;
  researcher: string;
  executor: string;
  parallel: number;
  spec: string; // JSON
  state: string; // JSON, replaced on update
  summary: string; // JSON, replaced on update
  control: string | null;
  owner_pid: number | null;
  host: string | null;
}

export interface JournalTable {
  session_id: string;
  seq: number; // per session, from 1
  ts: string;
  kind: string;
  title: string;
  body: string | null;
  proposal_id: string | null;
  run_ids: string; // JSON array
  data: string | null; // JSON object
}

export interface FindingsTable {
  id: string;
  seq: number; // insertion order across the store, kept when a finding is re-added
  session_id: string;
  created_at: string;
  title: string;
  statement: string;
  change: string | null; // JSON
  effect: number | null;
  ci95: string | null; // JSON [lo, hi]
  n: number | null;
  confirmed: number; // 0 | 1
  config_hash: string | null;
  config: string | null; // JSON
  run_ids: string; // JSON array
  scale: string | null; // JSON FindingScale
}

export interface IdeasTable {
  key: string;
  title: string;
  session_id: string;
  proposal_id: string | null;
  outcome: string | null;
  created_at: string;
}

/**
 * The change feed. `payload` is the JSON of FeedItem.payload, except for topic 'metrics': there it is a
 * reference `{kind, seq, chunks}` to the metric_chunks rows of the append (written in the same
 * transaction, never changed), which readFeed decodes into `{kind, points}`. Writing the points twice,
 * as JSON, would halve ingestion and turn a NaN loss into null.
 */
export interface FeedTable {
  id: number | string; // bigint: pg returns a string
  ts: string;
  topic: string;
  run_id: string | null;
  session_id: string | null;
  payload: string;
}

export interface MigrationsTable {
  name: string;
  applied_at: string;
}

export interface Database {
  runs: RunsTable;
  metric_chunks: MetricChunksTable;
  events: EventsTable;
  artifacts: ArtifactsTable;
  sessions: SessionsTable;
  journal: JournalTable;
  findings: FindingsTable;
  ideas: IdeasTable;
  feed: FeedTable;
  flywheel_migrations: MigrationsTable;
}
