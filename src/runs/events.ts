/**
 * The run protocol's event stream (ARCHITECTURE.md "The run protocol"): one JSON object per line in
 * `$FLYWHEEL_RUN_DIR/events.jsonl`, mirrored on stdout as `@flywheel {...}`.
 * Extra fields are allowed (a foreign trainer may add its own) and kept verbatim in the store.
 */
import { z } from 'zod';

const num = z.number();
/** JSON has no NaN/Infinity; the trainer writes them as null or as the strings "NaN"/"Infinity". */
const lossLike = z.union([z.number(), z.null(), z.enum(['NaN', 'Infinity', '-Infinity'])]).transform((v) => {
  if (v === null || v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return v;
});

export const StartEvent = z
  .object({
    kind: z.literal('start'),
    params: num, // all parameters
    paramsNonEmbedding: num.optional(),
    flopsPerToken: num, // training FLOPs per token (fwd+bwd), see trainers/gpt/harness.py
    device: z.string(),
    torch: z.string().optional(),
    python: z.string().optional(),
    peakFlops: num.optional(), // measured matmul peak of this device (FLOP/s), for MFU
    resumedFrom: z.string().optional(),
  })
  .passthrough();

export const TrainEvent = z
  .object({
    kind: z.literal('train'),
    step: num,
    tokens: num,
    flops: num,
    elapsed: num, // training seconds so far
    loss: lossLike,
    lr: num,
    gradNorm: lossLike.optional(),
    tokPerSec: num.optional(),
    mfu: num.optional(),
  })
  .passthrough();

/** A standard error: null where it cannot be estimated (fewer than 2 windows scored). */
const se = z.number().nonnegative().nullable();

/**
 * What one eval scored: overall and per-domain val bpb, each with its standard error over the scored
 * windows (trainers/gpt/harness.py ratio_se), the slice (`source`: the val shards, or the live slice
 * held out of the train shards) and its size.
 */
const EvalScores = {
  valLoss: lossLike,
  valBpb: lossLike,
  valBpbSe: se.optional(),
  byDomain: z.record(z.string(), lossLike).default({}), // domain -> val bpb
  byDomainSe: z.record(z.string(), se).optional(), // domain -> standard error of its bpb
  byDomainWindows: z.record(z.string(), num).optional(), // windows scored per domain
  source: z.string().optional(), // 'val' | 'live' from the reference trainer
  evalTokensPerDomain: num.optional(),
};

/** The last point of the per-domain curve, on the periodic evals' exact sample (the final eval's `curve`). */
export const CurvePoint = z.object(EvalScores).passthrough();
export type CurvePoint = z.infer<typeof CurvePoint>;

export const EvalEvent = z
  .object({
    kind: z.literal('eval'),
    step: num,
    tokens: num,
    flops: num,
    elapsed: num.optional(),
    ...EvalScores,
    final: z.boolean().optional(),
    curve: CurvePoint.optional(),
    also: CurvePoint.optional(), // the final eval's source at train.alsoEvalTokensPerDomain
  })
  .passthrough();

export const CheckpointEvent = z
  .object({
    kind: z.literal('checkpoint'),
    step: num,
    tokens: num,
    path: z.string(), // relative to the run dir, or absolute
    phase: z.enum(['stable', 'periodic', 'final']).default('periodic'),
  })
  .passthrough();

export const EndStatus = z.enum(['completed', 'diverged', 'stopped', 'failed']);
export type EndStatus = z.infer<typeof EndStatus>;

export const EndEvent = z
  .object({
    kind: z.literal('end'),
    status: EndStatus,
    reason: z.string().default(''),
    valBpb: lossLike.optional(),
    valLoss: lossLike.optional(),
    byDomain: z.record(z.string(), lossLike).optional(),
    valBpbSe: se.optional(),
    byDomainSe: z.record(z.string(), se).optional(),
    step: num.optional(),
    tokens: num.optional(),
    flops: num.optional(),
    elapsed: num.optional(),
    tokPerSec: num.optional(),
    mfu: num.optional(),
  })
  .passthrough();

export const RunEvent = z.discriminatedUnion('kind', [
  StartEvent,
  TrainEvent,
  EvalEvent,
  CheckpointEvent,
  EndEvent,
]);
export type RunEvent = z.infer<typeof RunEvent>;
export type StartEvent = z.infer<typeof StartEvent>;
export type TrainEvent = z.infer<typeof TrainEvent>;
export type EvalEvent = z.infer<typeof EvalEvent>;
export type CheckpointEvent = z.infer<typeof CheckpointEvent>;
export type EndEvent = z.infer<typeof EndEvent>;

export type ParsedLine = { ok: true; event: RunEvent } | { ok: false; line: string; error: string };

/** Parse one line of events.jsonl. Never throws: a malformed line is returned for recording. */
export function parseEventLine(line: string): ParsedLine {
  const text = line.startsWith('@flywheel ') ? line.slice('@flywheel '.length) : line;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, line, error: `not JSON: ${(e as Error).message}` };
  }
  const r = RunEvent.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, line, error: `${issue.path.join('.') || 'event'}: ${issue.message}` };
  }
  return { ok: true, event: r.data };
}
