/**
 * The report's data model: everything `flywheel report` shows, as plain data. `gather.ts` reads it
 * from the store (the only I/O), `build.ts` derives it (pure), `plots.ts` draws it, `html.ts` and
 * `markdown.ts` render it. Strings marked "untrusted" come from the researcher (README "Session reports")
 * and are escaped by the renderers, never here.
 */
import type { ImportanceOutcome } from '../analysis/importance.ts';
import type { AnalysisRun } from '../analysis/runs.ts';
import type {
  AttributionEntry,
  FindingRecord,
  JournalEntry,
  MetricPoint,
  RunRecord,
  SessionRecord,
} from '../store/base.ts';

/**
 * A mixture study's result as the report draws it (issue "data-mixture research"). The analysis that
 * produces it lives in src/analysis/; `gather.ts` passes it in when the session has one.
 */
export interface MixtureView {
  /** Domain weights the study predicts best (normalised), and the weights the session started from. */
  predicted: Record<string, number>;
  current?: Record<string, number>;
  predictedValBpb?: number;
  /** The regression's error on held-out runs (val bpb, RMSE), and how many runs it was fitted on. */
  heldOutRmse?: number;
  n?: number;
  /** Held-out runs: the regression's prediction against the measured val bpb. */
  points?: { predicted: number; observed: number; runId?: string }[];
  /** The engine's verification of the prediction with real runs, when it ran. */
  verified?: { delta: number; ci95: [number, number]; verdict: string };
}

export interface ReportInput {
  session: SessionRecord;
  runs: RunRecord[]; // this session's runs
  journal: JournalEntry[];
  findings: FindingRecord[]; // this session's
  /** Metric curves of the runs the monitor killed and of the baseline runs they were held against. */
  curves: Record<string, { train: MetricPoint[]; eval: MetricPoint[] }>;
  /** Runs of all sessions comparable with this one (same data, budget, trainer code): for importance. */
  comparableRuns: AnalysisRun[];
  mixture?: MixtureView;
  now: string; // ISO time the report was made
}

export interface ChangeItem {
  key: string; // untrusted
  value: string; // untrusted, JSON or a short description of a code edit
}

export interface ProposalRow {
  id: string;
  title: string; // untrusted
  hypothesis: string; // untrusted
  source: string;
  change: ChangeItem[];
  expectedEffect?: number;
  verdict: string;
  confirmed: boolean;
  delta?: number;
  ci95?: [number, number];
  n?: number;
  pValue?: number;
}

export interface JournalItem {
  seq?: number;
  ts?: string;
  kind: string;
  title: string; // untrusted (quotes proposal titles and run output)
  body?: string; // untrusted
  proposalId?: string;
  runIds: string[];
}

export interface ProgressPoint {
  flops: number; // cumulative session FLOPs when the run ended
  valBpb: number;
  rung: number;
  runId: string;
  label: string; // untrusted: the proposal's title
}

export interface RungBand {
  rung: number;
  tokens?: number;
  baseline?: { mean: number; std: number; n: number };
  candidates: { proposalId: string; title: string; verdict: string; valBpb: number; runId: string }[];
}

export interface KillView {
  runId: string;
  proposalId?: string;
  title: string; // untrusted
  rule: string;
  message: string; // untrusted (a rule's message can quote run output)
  rung?: number;
  killTokens?: number;
  train: [number, number][]; // [tokens, loss]
  eval: [number, number][]; // [tokens, val loss]
  reference: [number, number][][]; // baseline runs at the same rung: [tokens, loss] each
}

export interface WinView {
  proposalId: string;
  title: string; // untrusted
  delta: number;
  ci95: [number, number];
  multiplier?: { value: number; ci95: [number, number] };
}

export interface LadderView {
  title: string; // untrusted
  rungs: {
    params: number;
    tokens: number;
    delta: number | null;
    ci95: [number, number] | null;
    multiplier?: { value: number; ci95: [number, number] } | null;
    verdict: string;
  }[];
}

export interface ReportModel {
  generatedAt: string;
  session: {
    id: string;
    status: string;
    statusReason?: string;
    researcher: string;
    executor: string;
    parallel: number;
    createdAt: string;
    endedAt?: string;
    rungTokens: number[];
  };
  headline: {
    baseline?: { valBpb: number; std?: number; n: number; tokens?: number };
    best?: {
      title: string;
      proposalId: string;
      valBpb: number;
      delta?: number;
      ci95?: [number, number];
      n: number;
      verdict: string;
      confirmed: boolean;
      multiplier?: { value: number; ci95: [number, number] };
      multiplierReason?: string;
      change: ChangeItem[];
    };
    significant: boolean;
    runs: Record<string, number>;
    monitorStops: number;
    savedShare?: number;
  };
  compute: {
    flops: number;
    budgetFlops?: number;
    budgetSeconds?: number;
    sessionSeconds?: number;
    runSeconds: number;
    hoursByDevice: Record<string, number>;
  };
  llm: { calls: number; inputTokens: number; outputTokens: number; costUsd: number } | null;
  proposals: ProposalRow[];
  rejected: { title: string; reason: string }[];
  journal: JournalItem[];
  journalOmitted: number;
  findings: {
    title: string;
    statement: string;
    effect?: number;
    ci95?: [number, number];
    n?: number;
    confirmed: boolean;
  }[];
  progress: ProgressPoint[];
  rungs: RungBand[];
  kills: KillView[];
  killsOmitted: number;
  wins: WinView[];
  ladder: LadderView | null;
  attribution: { title: string; entries: AttributionEntry[] } | null;
  importance: ImportanceOutcome;
  mixture: MixtureView | null;
}
