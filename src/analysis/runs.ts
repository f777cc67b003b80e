/**
 * The plain run records every analysis in this folder works on, and the two questions asked of them
 * before any fit: is this run fully decayed, and which config family is it in.
 *
 * Analyses are pure functions over `AnalysisRun[]` (no store, no I/O): the CLI, the research engine,
 * the server and reports read runs from the store and convert them with `toAnalysisRun`.
 */
import { canonicalJson, EXECUTION_KEYS } from '../config/resolve.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { flopsPerToken } from '../runs/flops.ts';
import type { RunRecord, RunStatus } from '../store/base.ts';
import { createHash } from 'node:crypto';

export interface AnalysisRun {
  id: string;
  sessionId?: string;
  status: RunStatus;
  statusReason?: string;
  stopRule?: string; // the monitor rule that stopped it
  trainerStatus?: string; // how the trainer itself ended (a session marks a finished lower rung `stopped`)
  config: TrainConfig;
  configHash: string; // the config without seed and budget (src/config/resolve.ts): seeds of one idea share it
  codeHash?: string; // the trainer code actually run
  seed: number;
  params?: number; // model parameters N, as the trainer counted them
  tokens?: number; // training tokens D actually consumed
  flops?: number; // training FLOPs C actually spent (the trainer's own count: a costlier change is charged)
  valBpb?: number; // final val bpb, the loss every analysis models
  /** The final eval at a second size (train.alsoEvalTokensPerDomain): a lower rung's base run on the top's. */
  alsoEval?: { evalTokensPerDomain: number; valBpb: number };
  tags: Record<string, string>;
}

export function toAnalysisRun(r: RunRecord): AnalysisRun {
  const s = r.summary;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const { tokens, flops } = chargedCompute(r.config, r.status, num(s.tokens), num(s.flops));
  return {
    id: r.id,
    sessionId: r.sessionId,
    status: r.status,
    statusReason: r.statusReason,
    ...(r.stopRule ? { stopRule: r.stopRule } : {}),
    ...(typeof s.trainerStatus === 'string' ? { trainerStatus: s.trainerStatus } : {}),
    config: r.config,
    configHash: r.configHash,
    codeHash: r.codeHash,
    seed: r.seed,
    params: num(s.params),
    tokens,
    flops,
    valBpb: num(s.valBpb),
    ...(s.alsoEval && Number.isFinite(s.alsoEval.valBpb) ? { alsoEval: s.alsoEval } : {}),
    tags: r.tags ?? {},
  };
}

/**
 * Tokens and FLOPs are reported by the trainer, and a trainer an agent patched is untrusted (SECURITY.md):
 * it could under-report its compute to look "worth 2× compute". So a run is charged at least what the
 * orchestrator can count itself: a completed run on a token-only budget trained at least that budget, and
 * the reference trainer's model costs at least src/runs/flops.ts's FLOPs per token for its config. A
 * change that really makes the model cheaper per token is then charged the reference cost (conservative);
 * foreign trainers (`trainer.command`) are taken at their word, their model is not ours to count.
 */
export function chargedCompute(
  config: TrainConfig,
  status: RunStatus,
  tokens: number | undefined,
  flops: number | undefined,
): { tokens?: number; flops?: number } {
  const b = config.budget ?? {};
  const tokenBudget =
    b.tokens !== undefined && b.seconds === undefined && b.flops === undefined ? b.tokens : undefined;
  if (
    status === 'completed' &&
    tokenBudget !== undefined &&
    tokens !== undefined &&
    tokens < tokenBudget * 0.98
  )
    tokens = tokenBudget;
  const vocab = config.data?.vocabSize;
  if (!config.trainer?.command && vocab && config.model && tokens !== undefined) {
    const floor = flopsPerToken(config.model, vocab) * tokens;
    if (flops === undefined || flops < floor * 0.98) flops = floor;
  }
  return { tokens, flops };
}

/**
 * The tag of a research session's calibration runs (src/research/setup-plan.ts `measureThroughput`):
 * 5 seconds of the base config, run to measure the machine's throughput. Its tokens are whatever the
 * machine trained in 5 s and its final eval is capped, so it is no point of the config's loss curve,
 * and the session's own analyses never read it.
 */
export const CALIBRATION_PURPOSE = 'calibration';

/** A run with every number a loss-vs-compute analysis needs. */
export type MeasuredRun = AnalysisRun & { params: number; tokens: number; flops: number; valBpb: number };

/**
 * Fully decayed: the run completed its own schedule (cosine or WSD decayed to the end of its own budget)
 * and has a final eval. A run stopped early (by the monitor, by successive halving at a lower rung, by a
 * user) is an intermediate point of a longer schedule and would understate what its compute can reach.
 * A calibration run (`CALIBRATION_PURPOSE`) measured the machine, not the config: never.
 */
export function isFullyDecayed(r: AnalysisRun): r is MeasuredRun {
  return (
    r.status === 'completed' &&
    r.tags.purpose !== CALIBRATION_PURPOSE &&
    positive(r.params) &&
    positive(r.tokens) &&
    positive(r.flops) &&
    r.valBpb !== undefined &&
    Number.isFinite(r.valBpb) &&
    r.valBpb > 0
  );
}

const positive = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v) && v > 0;

/** Keys that define a model's size; a family varies them (and the budget) and holds the rest fixed. */
export const SIZE_KEYS = ['depth', 'width', 'heads'] as const;

/**
 * A config family: the same config up to model size (depth, width, heads) and budget, on the same data
 * and the same trainer code. Runs of one family differ only in N and D, so a scaling law is fitted over it.
 */
export function familyKey(r: Pick<AnalysisRun, 'config' | 'codeHash'>): string {
  const c = structuredClone(r.config) as Partial<TrainConfig> & Record<string, unknown>;
  delete c.seed;
  delete c.budget;
  delete c.resume;
  delete c.preset;
  if (c.model) {
    const m: Record<string, unknown> = { ...c.model };
    for (const k of SIZE_KEYS) delete m[k];
    c.model = m as TrainConfig['model'];
  }
  if (c.train) {
    const t: Record<string, unknown> = { ...c.train };
    for (const k of EXECUTION_KEYS) delete t[k];
    c.train = t as TrainConfig['train'];
  }
  if (c.data?.dir) c.data = { ...c.data, dir: c.data.dir.split(/[\\/]/).pop() };
  return createHash('sha256')
    .update(canonicalJson(c) + (r.codeHash ?? ''))
    .digest('hex')
    .slice(0, 12);
}

/** Fully-decayed runs grouped by family, the largest first (by distinct sizes x data amounts, then runs). */
export function families(runs: readonly AnalysisRun[]): { key: string; runs: MeasuredRun[] }[] {
  const byKey = new Map<string, MeasuredRun[]>();
  // configHash already fixes everything familyKey looks at except size (which familyKey drops): memoise on it
  const memo = new Map<string, string>();
  for (const r of runs) {
    if (!isFullyDecayed(r)) continue;
    const m = `${r.configHash}|${r.codeHash ?? ''}`;
    let k = memo.get(m);
    if (k === undefined) memo.set(m, (k = familyKey(r)));
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
  }
  const cells = (rs: MeasuredRun[]) => new Set(rs.map((r) => `${r.params}:${r.tokens}`)).size;
  return [...byKey.entries()]
    .map(([key, rs]) => ({ key, runs: rs, cells: cells(rs) }))
    .sort((a, b) => b.cells - a.cells || b.runs.length - a.runs.length || (a.key < b.key ? -1 : 1))
    .map(({ key, runs: rs }) => ({ key, runs: rs }));
}
