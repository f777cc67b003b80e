/**
 * Writes a run's event stream into the store: metric points in batches (one appendMetrics per flush,
 * not per line), rare events (start, eval, checkpoint, end, malformed) verbatim, and the running
 * summary the final status is computed from. Never throws on a bad line: it is counted and skipped,
 * and the first MAX_MALFORMED_ROWS of them are stored as evidence (a flood of bad lines costs a counter,
 * not a row each; the launcher fails a run past its own limit). The `start` event's environment
 * (python, torch, device) goes to the run's provenance columns, and the run's logs and checkpoints are
 * listed as its artifacts (paths relative to the run dir, as `show` lists them).
 */
import type { Artifact, MetricPoint, RunPatch, RunSummary, Store, StoredEvent } from '../store/base.ts';
import {
  parseEventLine,
  type EndEvent,
  type CurvePoint,
  type EvalEvent,
  type RunEvent,
  type StartEvent,
  type TrainEvent,
} from './events.ts';

const TRAIN_FIELDS = [
  'step',
  'tokens',
  'flops',
  'elapsed',
  'loss',
  'lr',
  'gradNorm',
  'tokPerSec',
  'mfu',
] as const;

/** Malformed lines stored verbatim (truncated to 2000 chars); the rest are only counted. */
export const MAX_MALFORMED_ROWS = 100;

export function trainPoint(e: TrainEvent): MetricPoint {
  const p: MetricPoint = {};
  for (const k of TRAIN_FIELDS) if (typeof e[k] === 'number') p[k] = e[k] as number;
  return p;
}

/** The eval's scores as metric columns: valBpb, bpb.<domain>, and their standard errors (se.<domain>). */
function scorePoint(p: MetricPoint, s: CurvePoint): MetricPoint {
  p.valLoss = s.valLoss;
  p.valBpb = s.valBpb;
  if (typeof s.valBpbSe === 'number') p.valBpbSe = s.valBpbSe;
  for (const [d, v] of Object.entries(s.byDomain ?? {})) p[`bpb.${d}`] = v;
  for (const [d, v] of Object.entries(s.byDomainSe ?? {})) if (typeof v === 'number') p[`se.${d}`] = v;
  if (typeof s.evalTokensPerDomain === 'number') p.evalTokensPerDomain = s.evalTokensPerDomain;
  return p;
}

/**
 * The metric points of one eval event. A final eval scores a larger (and, outside the sandbox, another)
 * slice than the periodic evals, so it is marked `final: 1`, apart from the curve; its `curve` (the
 * periodic evals' exact sample, scored at the same step) is stored first as the curve's last point.
 */
export function evalPoints(e: EvalEvent): MetricPoint[] {
  const at = (): MetricPoint => ({
    step: e.step,
    tokens: e.tokens,
    flops: e.flops,
    ...(e.elapsed !== undefined ? { elapsed: e.elapsed } : {}),
  });
  const p = scorePoint(at(), e);
  if (!e.final) return [p];
  p.final = 1;
  return e.curve ? [scorePoint(at(), e.curve), p] : [p];
}

/** A domain -> standard error map without its unknown (null) entries; undefined when none is left. */
function finiteOnly(m: Record<string, number | null> | undefined): Record<string, number> | undefined {
  const out = Object.entries(m ?? {}).filter((e): e is [string, number] => Number.isFinite(e[1]));
  return out.length ? Object.fromEntries(out) : undefined;
}

/** The files every run dir has (executors/base.ts), as artifacts. */
const LOGS = [
  ['stdout', 'stdout.log'],
  ['stderr', 'stderr.log'],
  ['events', 'events.jsonl'],
] as const;

export class RunRecorder {
  start?: StartEvent;
  lastTrain?: TrainEvent;
  lastEval?: EvalEvent;
  finalEval?: EvalEvent;
  end?: EndEvent;
  stableCheckpoint?: string;
  stableTokens?: number;
  lastCheckpoint?: string;
  malformed = 0;
  private train: MetricPoint[] = [];
  private evals: MetricPoint[] = [];
  private events: StoredEvent[] = [];
  private artifacts: Artifact[] = [];
  private provenance?: RunPatch;

  constructor(
    private readonly store: Store,
    readonly runId: string,
  ) {}

  /**
   * Parse and buffer one line; returns the event when it parsed. `persist: false` only updates the
   * summary state (used when catching up on lines the store already holds).
   */
  ingestLine(line: string, persist = true): RunEvent | undefined {
    const r = parseEventLine(line);
    const ts = new Date().toISOString();
    if (!r.ok) {
      this.noteMalformed(line.slice(0, 2000), r.error, persist);
      return undefined;
    }
    const e = r.event;
    switch (e.kind) {
      case 'start':
        this.start = e;
        if (persist) {
          this.provenance = {
            device: e.device,
            ...(e.torch ? { torch: e.torch } : {}),
            ...(e.python ? { python: e.python } : {}),
          };
          for (const [name, path] of LOGS) this.artifacts.push({ runId: this.runId, name, path });
        }
        break;
      case 'train':
        this.lastTrain = e;
        if (persist) this.train.push(trainPoint(e));
        break;
      case 'eval':
        this.lastEval = e;
        if (e.final) this.finalEval = e;
        if (persist) this.evals.push(...evalPoints(e));
        break;
      case 'checkpoint':
        this.lastCheckpoint = e.path;
        if (persist) this.artifacts.push({ runId: this.runId, name: `checkpoint:${e.phase}`, path: e.path });
        if (e.phase === 'stable') {
          this.stableCheckpoint = e.path;
          this.stableTokens = e.tokens;
        }
        break;
      case 'end':
        this.end = e;
        break;
    }
    if (persist && e.kind !== 'train') this.events.push({ ts, kind: e.kind, payload: e });
    return e;
  }

  /** Count a bad line (one that did not parse, or too long to read), storing it while under the cap. */
  noteMalformed(line: string, error: string, persist = true): void {
    this.malformed++;
    if (persist && this.malformed <= MAX_MALFORMED_ROWS)
      this.events.push({ ts: new Date().toISOString(), kind: 'malformed', payload: { line, error } });
  }

  /** Record an orchestrator-side event (monitor decision, stop request, ...). */
  note(kind: string, payload: unknown): void {
    this.events.push({ ts: new Date().toISOString(), kind, payload });
  }

  get pending(): number {
    return this.train.length + this.evals.length + this.events.length + this.artifacts.length;
  }

  /**
   * Write what is buffered. On a store error the batch that failed goes back to the front of its
   * buffer (the next flush retries it) and the error is rethrown.
   */
  async flush(): Promise<void> {
    await this.write(this.train, (b) => this.store.appendMetrics(this.runId, 'train', b));
    await this.write(this.evals, (b) => this.store.appendMetrics(this.runId, 'eval', b));
    await this.write(this.events, (b) => this.store.appendEvents(this.runId, b));
    const p = this.provenance;
    if (p) {
      this.provenance = undefined;
      await this.store.updateRun(this.runId, p).catch((e: unknown) => {
        this.provenance = p;
        throw e;
      });
    }
    await this.write(this.artifacts, async (b) => {
      for (const a of b) await this.store.addArtifact(a);
    });
  }

  private async write<T>(buffer: T[], append: (batch: T[]) => Promise<unknown>): Promise<void> {
    const batch = buffer.splice(0);
    if (!batch.length) return;
    try {
      await append(batch);
    } catch (e) {
      buffer.unshift(...batch); // before anything buffered meanwhile
      throw e;
    }
  }

  /** What the run produced, from the end event when there is one, else from the last evals/steps. */
  summary(): RunSummary {
    const s: RunSummary = {};
    // valBpb is the final eval's (or the end event's): an intermediate eval of a run that diverged or
    // was cut short is a different slice at a different point, reported apart as lastEvalBpb.
    const ev = this.finalEval;
    const end = this.end;
    const set = <K extends keyof RunSummary>(k: K, v: RunSummary[K] | undefined) => {
      if (v !== undefined && v !== null) s[k] = v;
    };
    set('valBpb', end?.valBpb ?? ev?.valBpb);
    set('valLoss', end?.valLoss ?? ev?.valLoss);
    set('valBpbByDomain', (end?.byDomain ?? ev?.byDomain) as Record<string, number> | undefined);
    set('valBpbSe', (end?.valBpbSe ?? ev?.valBpbSe) as number | undefined);
    set('valBpbByDomainSe', finiteOnly(end?.byDomainSe ?? ev?.byDomainSe));
    // the final eval's second size (train.alsoEvalTokensPerDomain), when the trainer reported one
    const also = ev?.also;
    if (also && typeof also.valBpb === 'number' && typeof also.evalTokensPerDomain === 'number')
      s.alsoEval = { evalTokensPerDomain: also.evalTokensPerDomain, valBpb: also.valBpb };
    set('tokens', end?.tokens ?? this.lastTrain?.tokens ?? ev?.tokens);
    set('flops', end?.flops ?? this.lastTrain?.flops ?? ev?.flops);
    set('steps', end?.step ?? this.lastTrain?.step);
    set('trainSeconds', end?.elapsed ?? this.lastTrain?.elapsed);
    set('tokPerSec', end?.tokPerSec ?? this.lastTrain?.tokPerSec);
    set('mfu', end?.mfu ?? this.lastTrain?.mfu);
    set('params', this.start?.params);
    set('flopsPerToken', this.start?.flopsPerToken);
    set('stableCheckpoint', this.stableCheckpoint);
    set('stableTokens', this.stableTokens);
    set('lastCheckpoint', this.lastCheckpoint);
    set('lastEvalTokens', this.lastEval?.tokens);
    set('lastEvalBpb', this.lastEval?.valBpb);
    if (this.malformed) s.malformedLines = this.malformed;
    return s;
  }
}
