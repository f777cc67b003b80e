/**
 * The researcher contract. A researcher *proposes*; the engine runs, monitors and judges. Offline
 * (idea library + TPE), Claude and OpenAI-compatible researchers all implement `Researcher`.
 *
 * Contract:
 * - `propose` returns at most `n` proposals for the current digest. It may return fewer (or none, to
 *   say it has nothing left); it must not block for long without honouring `signal`.
 * - Proposals are plain data. The engine validates every one (config keys against TrainConfig and the
 *   search space, code edits against the editable files) and rejects duplicates of tried ideas before
 *   any compute; rejections come back in the next digest's `rejected`.
 * - The engine's statistics decide wins. `review` may promote, drop or refine after a rung, but cannot
 *   mark anything significant.
 * - A researcher keeps no state the engine needs for resume: after a crash the engine rebuilds a new
 *   researcher from the stored journal (`observe` is replayed with every stored result).
 */
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { CurveCase } from '../monitor/case.ts';
import type { FindingScale } from '../store/base.ts';

export type { CurveCase };

export interface ConfigChange {
  kind: 'config';
  /** Dotted TrainConfig paths -> new values, applied to the session's current best config. */
  set: Record<string, unknown>;
}

export interface CodeEdit {
  file: string; // relative to the trainer dir: 'train.py' | 'model.py'
  search: string; // exact text to find (must occur once)
  replace: string;
}

export interface CodeChange {
  kind: 'code';
  edits: CodeEdit[];
  set?: Record<string, unknown>; // optional config changes alongside the code
}

export type Change = ConfigChange | CodeChange;

export interface Proposal {
  title: string; // short name: "Muon for hidden matrices"
  hypothesis: string; // why it should help, one or two sentences
  change: Change;
  expectedEffect: number; // expected change in val bpb (negative = better), e.g. -0.02
  cost?: number; // relative compute vs the baseline at the same budget (1 = same FLOPs/token)
  source: string; // 'library' | 'tpe' | 'claude' | 'openai' | ...
  tags?: string[];
  /**
   * How the engine runs it (default: successive halving from rung 0). 'study': one measurement at the
   * study rung (the lowest rung at least twice the base's warmup, core/spec.ts `studyRung`) for a
   * designed study (the offline researcher's screening design), never promoted, never
   * judged, never a win or a base. 'top': one seed straight at the top rung, then judged sequentially
   * like any candidate (a change a study already measured; it skips halving, not the statistics).
   * 'study-top': one measurement at the top rung, never judged, never a win or a base (the screening
   * study's best guess: every change the researcher expects to help, together, at the full budget).
   */
  runAs?: 'study' | 'study-top' | 'top';
}

/** Statistics of a set of runs of one config at one budget rung. */
export interface Estimate {
  mean: number; // val bpb
  std: number;
  n: number;
}

export interface ResultSummary {
  proposalId: string;
  title: string;
  change: Change;
  source: string;
  rung: number; // index into the session's rungs
  status: 'running' | 'completed' | 'stopped' | 'failed' | 'rejected' | 'diverged';
  valBpb?: Estimate;
  delta?: number; // mean(candidate) - mean(baseline) at the same rung; negative = better
  ci95?: [number, number];
  pValue?: number;
  verdict?: 'win' | 'loss' | 'inconclusive' | 'pending';
  stopRule?: string; // why the monitor stopped it
  runIds: string[];
}

/** "worth 1.23× compute [1.15, 1.31]": the baseline compute to reach a loss over the compute spent. */
/** A confirmed win of the session with its compute multiplier and size-ladder verdicts, when measured. */
export interface WinAtScale {
  proposalId: string;
  title: string;
  delta: number;
  computeMultiplier?: WorthInCompute;
  ladder?: Array<{
    params: number;
    tokens: number;
    delta: number | null;
    ci95: [number, number] | null;
    verdict: 'holds' | 'shrinks' | 'flips' | 'pending';
  }>;
  ladderText?: string; // "holds at 1.86M params, 532480 tokens (Δ -0.0310 [...], worth 1.2× compute)"
}

export interface WorthInCompute {
  value: number;
  ci95: [number, number];
  text: string;
}

export interface FindingSummary {
  id: string;
  title: string;
  statement: string;
  effect?: number;
  ci95?: [number, number];
  runIds: string[];
  sessionId: string;
  change?: Change; // what the finding is about, when it is about one change
  /** What the win is worth beyond its session (multiplier, size ladder, attribution), when measured. */
  scale?: FindingScale;
  /** The same in words: "worth 1.3× compute [1.2, 1.4]; held at 2 larger sizes; RoPE: −0.04 [..]; β2: noise". */
  scaleText?: string;
}

/**
 * A data domain as the digest shows it: the dataset's facts, the base config's sampling weight, and the
 * baseline's final val bpb on it (mean over its seeds at the highest rung they reached, each run's
 * number the trusted one), with the eval sample's standard error and the seed spread.
 */
export interface DomainDigest {
  name: string;
  weight?: number; // the base config's normalised sampling weight
  trainTokens?: number;
  unigramBpb?: number; // the domain with no context at all (dataset meta)
  valBpb?: number;
  se?: number; // standard error of valBpb over the eval windows (mean over the runs)
  seedStd?: number;
  n?: number; // baseline runs behind valBpb
  rung?: number;
  bestValBpb?: number; // the session's best on this domain, at the best's highest rung
}

/** The session's data-mixture study (README, "Data-mixture study"): its progress and the regression's prediction. */
export interface MixtureDigest {
  studyProposed: number; // study mixtures proposed in this session (source 'mixture-study')
  studyFinished: number; // of those, ended (a rung-0 result, or stopped/failed)
  studyLost?: number; // of those, ended without a rung-0 result (stopped, failed or cancelled first)
  predictedProposed: boolean; // the regression's mixture was proposed (source 'mixture-regression')
  prediction?: {
    weights: Record<string, number>;
    valBpb: number; // predicted at the study's budget (its points' first rung)
    heldOut: { rmse: number; meanRmse: number; spearman: number };
    bestObserved: { weights: Record<string, number>; valBpb: number };
    baselineValBpb?: number; // the baseline measured at the study points' rung (its mean over seeds)
    runs: number;
    mixtures: number;
    warnings: string[];
  };
  missing?: string; // why there is no prediction yet
}

export interface Digest {
  sessionId: string;
  goal: 'valBpb';
  baselineConfig: TrainConfig; // the current best confirmed config (what changes apply to)
  baseline: Estimate | undefined; // at the top rung
  noiseFloor: Array<{ rung: number; budgetTokens: number; std: number; n: number }>;
  /**
   * The current base at each rung it has run (mean over its seeds, and its value on the session's first
   * seed, the seed a study point runs on): a screening design's row 0 (screening-study.ts).
   */
  baseAtRungs?: Array<{ rung: number; mean: number; n: number; firstSeed?: number }>;
  /** `computeMultiplier`: what the best is worth in compute (README "Compute multiplier"), when measurable. */
  best: (ResultSummary & { confirmed: boolean; computeMultiplier?: WorthInCompute }) | undefined;
  /** This session's confirmed wins: what each is worth in compute and how it held at larger sizes (README "The size ladder"). */
  wins?: WinAtScale[];
  recent: ResultSummary[]; // bounded, newest first
  findings: FindingSummary[]; // this and earlier sessions
  tried: Array<{ title: string; key: string }>; // ideas already run (any session): key = config hash of the change
  /**
   * Ideas that passed their decision test in an earlier session whose end cut off their held-out
   * confirmation (src/research/core/ideas.ts UNCONFIRMED): not tried, so proposing one again may
   * confirm it, after it passes its decision test again. Newest first, at most DIGEST_LIMITS.reopened.
   */
  reopened?: Array<{ title: string; key: string }>;
  rejected: Array<{ title: string; reason: string }>;
  searchSpace: SearchSpace;
  budget: { usedFlops: number; totalFlops?: number; usedSeconds: number; totalSeconds?: number };
  /** Per-domain val bpb with standard errors (datasets with domains; src/research/io/domain-digest.ts). */
  domains?: DomainDigest[];
  /** Which knobs explain val bpb across the store's comparable runs (src/analysis/importance.ts), top first. */
  importance?: { key: string; importance: number; ci95: number[]; n: number }[];
  mixture?: MixtureDigest;
}

/**
 * Analyses of the session's own runs for the researcher's tools (`fit_scaling`, `compute_multiplier`),
 * supplied by the engine (research/io/analysis.ts): JSON-ready answers, or `{ ok: false, missing }`.
 */
export interface SessionAnalysis {
  fitScaling(): Promise<Record<string, unknown>>;
  computeMultiplier(proposalId: string): Promise<Record<string, unknown>>;
  /** Knob importance over this session's and earlier sessions' comparable runs (analysis/importance.ts). */
  importance?(): Promise<Record<string, unknown>>;
  /** Runs side by side (curves subsampled, per-domain val bpb): this session's, or comparable stored runs. */
  compareRuns?(runIds: string[], points: number): Promise<Record<string, unknown>>;
}

/**
 * What a researcher may ask of the engine (the `request_ablation` and `stop_run` tools), supplied by the
 * engine (research/io/requests.ts). The engine checks, decides, journals and rate-limits every ask; the
 * answer is one line for the model.
 */
export interface EngineRequests {
  requestAblation(proposalId: string, reason: string): Promise<{ ok: boolean; message: string }>;
  stopRun(runId: string, reason: string): Promise<{ ok: boolean; message: string }>;
}

export interface ProposeContext {
  signal?: AbortSignal;
  analysis?: SessionAnalysis;
  engine?: EngineRequests;
  /** Log a line to the session's progress view and journal (e.g. the LLM's reasoning summary). */
  note?: (text: string) => void;
  /**
   * Which of these idea keys were tried in any session (an indexed key lookup in the store): the
   * digest's `tried` list shows only the newest ideas, this covers every idea ever run.
   */
  tried?: (keys: string[]) => Promise<Set<string>>;
  /**
   * Nothing to propose until a run in flight ends: call it and return no proposals (e.g. a candidate
   * that may become the base is being judged, and an idea judged now would be judged against a base
   * about to be replaced: README "Research sessions: the screening study"). The engine leaves the free
   * slots idle and asks again after the next run ends. Offered only while a run is in flight (absent
   * otherwise: then an empty answer means the researcher has no further proposals).
   */
  wait?: (reason: string) => void;
  /** Record a journal entry (e.g. kind 'llm': one per API call, with tokens and dollars); echoed live. */
  journal?: (
    kind: 'llm' | 'note',
    title: string,
    extra?: { body?: string; data?: Record<string, unknown> },
  ) => void | Promise<void>;
}

export interface ReviewDecision {
  promote?: string[]; // proposal ids to promote regardless of rank (still within the rung's slots)
  drop?: string[];
  refine?: Proposal[];
}

/** A researcher's call on an ambiguous curve (`judgeCurve`). */
export interface CurveJudgement {
  runId: string; // must be the case's run: an answer about another run is refused
  call: 'keep' | 'kill' | 'flag'; // flag: let it run to its next eval, then the rules decide alone
  reason: string;
}

export interface Researcher {
  readonly name: string;
  propose(digest: Digest, n: number, ctx?: ProposeContext): Promise<Proposal[]>;
  /** Feedback: every finished result (also replayed on resume). Used by model-based search. */
  observe?(result: ResultSummary): void;
  /** After a rung of successive halving: see ranked results and monitor stops, optionally steer. */
  review?(
    rung: number,
    ranked: ResultSummary[],
    digest: Digest,
    ctx?: ProposeContext,
  ): Promise<ReviewDecision>;
  /** Cost of the researcher itself so far (LLM tokens and dollars); offline = zeros. */
  usage?(): { inputTokens: number; outputTokens: number; costUsd: number; calls: number };
  /**
   * The debug loop of code experiments: `proposal`'s edits failed (`error`: which stage — edit, compile
   * or smoke run — and the traceback tail). Return a corrected proposal (edits against the original
   * files), or undefined to give up. `attempt` counts from 1; the engine bounds it.
   */
  fixCode?(
    proposal: Proposal,
    error: string,
    attempt: number,
    ctx?: ProposeContext,
  ): Promise<Proposal | undefined>;
  /**
   * The monitor's rules disagree about a run, or stop it while it is ahead on another signal
   * (src/monitor/assess.ts): keep it, kill it or flag it. Undefined = no opinion (the rules decide).
   * The answer only affects that run's monitoring: a keep mutes the rule that fired for that run (the
   * certain rules still apply) and never makes it a win; baseline runs are never put to the researcher.
   */
  judgeCurve?(c: CurveCase, digest: Digest, ctx?: ProposeContext): Promise<CurveJudgement | undefined>;
  /** The user allowed code experiments to run without the sandbox (`--unsafe-no-sandbox`). */
  readonly unsafeNoSandbox?: boolean;
}
