/**
 * Events for a spec trainer that prints (README "Bring your own trainer"): the spec's regexes over its
 * stdout lines become protocol events in events.jsonl, so the rest of Flywheel (store, monitor, research)
 * sees one kind of run. Named groups are event fields (`step`, `loss`, `lr`, `tokens`, `valLoss`,
 * `valBpb`, `params`; `value` is the val metric in the spec's unit). Tokens come from the printed step and
 * the spec's tokens per step; FLOPs from its FLOPs per token (or 6 x params); a loss in nats becomes bpb
 * through the spec's bytes per token.
 *
 * At a clean exit it writes the `end` event with the last (or final-line) eval, so `valLoss`/`valBpb` of
 * the run are the script's last evaluation. It also enforces budget units the spec cannot pass to the
 * script: once reached it writes `end` (completed) and asks the launcher to stop the process. With
 * metrics from flywheel_log the script writes its own events; the `@flywheel` lines it mirrors on stdout
 * are only read here to enforce the budget.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { TrainerSpec } from '../config/trainer-spec.ts';
import type { SpecLaunch } from './spec-command.ts';

const LN2 = Math.log(2);

export class SpecAdapter {
  private readonly re: { train?: RegExp; eval?: RegExp; final?: RegExp; params?: RegExp };
  private readonly t0 = Date.now();
  private started = false;
  private ended = false;
  private step = 0;
  private tokens = 0;
  private elapsed = 0;
  private firstTrain?: { tokens: number; elapsed: number };
  private lastEval?: { valLoss: number | null; valBpb: number | null };
  private fpt: number;
  /** Called once when an enforced budget is reached (the launcher stops the process). */
  onBudget?: () => void;

  constructor(
    private readonly spec: TrainerSpec,
    private readonly launch: Pick<SpecLaunch, 'enforce' | 'tokensPerStep' | 'flopsPerToken' | 'params'>,
    private readonly eventsPath: string,
  ) {
    const m = spec.metrics;
    const compile = (s?: string) => (s ? new RegExp(s) : undefined);
    this.re =
      m.source === 'stdout'
        ? {
            train: compile(m.train),
            eval: compile(m.eval),
            final: compile(m.final),
            params: compile(m.params),
          }
        : {};
    this.fpt = launch.flopsPerToken ?? 0;
    if (m.source === 'stdout' && launch.params !== undefined) this.writeStart(launch.params);
  }

  private fd?: number;

  /** One write per event on a descriptor kept open (O_APPEND: lines from flywheel_log never interleave). */
  private write(ev: Record<string, unknown>) {
    this.fd ??= openSync(this.eventsPath, 'a');
    writeSync(this.fd, JSON.stringify(ev) + '\n');
  }

  /** Release the events file (after the trainer exited). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private writeStart(params: number) {
    if (this.started) return;
    this.started = true;
    if (!this.launch.flopsPerToken) this.fpt = 6 * params;
    this.write({
      kind: 'start',
      params,
      flopsPerToken: this.fpt,
      device: 'unknown',
      trainer: this.spec.name,
    });
  }

  private fields(m: RegExpExecArray): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) out[k] = Number(v);
    return out;
  }

  /** The val metric of an eval line in both units (bpb needs bytes per token when the metric is a loss). */
  private metric(f: Record<string, number>): { valLoss: number | null; valBpb: number | null } {
    const bpt = this.spec.valMetric.bytesPerToken;
    const isBpb = this.spec.valMetric.kind === 'bpb';
    const loss = f.valLoss ?? (isBpb ? undefined : f.value);
    const bpb = f.valBpb ?? (isBpb ? f.value : loss !== undefined && bpt ? loss / LN2 / bpt : undefined);
    return {
      valLoss: loss === undefined ? (bpb !== undefined && bpt ? bpb * LN2 * bpt : null) : loss,
      valBpb: bpb ?? null,
    };
  }

  /** Called with each stdout line of the trainer (progress lines redrawn with \r count one by one). */
  onLine(text: string): void {
    for (const line of text.split('\r')) if (line) this.onSegment(line);
  }

  private onSegment(line: string): void {
    if (this.ended) return;
    this.elapsed = (Date.now() - this.t0) / 1000;
    if (this.spec.metrics.source === 'flywheel_log') return this.onMirrored(line);
    const p = this.re.params?.exec(line);
    if (p?.groups?.params !== undefined)
      this.writeStart(Number(p.groups.params) * this.spec.metrics.paramsScale);
    const t = this.re.train?.exec(line);
    if (t) {
      const f = this.fields(t);
      this.step = f.step ?? this.step + 1;
      this.tokens = f.tokens ?? this.step * (this.launch.tokensPerStep ?? 0);
      this.firstTrain ??= { tokens: this.tokens, elapsed: this.elapsed };
      const dt = this.elapsed - this.firstTrain.elapsed;
      const tokPerSec = dt > 0 ? (this.tokens - this.firstTrain.tokens) / dt : undefined;
      this.write({
        kind: 'train',
        lr: 0,
        ...f,
        step: this.step,
        tokens: this.tokens,
        flops: this.tokens * this.fpt,
        elapsed: this.elapsed,
        loss: f.loss ?? null,
        ...(tokPerSec !== undefined ? { tokPerSec } : {}),
      });
      return this.checkBudget();
    }
    for (const [re, final] of [
      [this.re.eval, false],
      [this.re.final, true],
    ] as const) {
      const e = re?.exec(line);
      if (!e) continue;
      const f = this.fields(e);
      const step = f.step ?? this.step;
      const tokens =
        f.tokens ?? (f.step !== undefined ? step * (this.launch.tokensPerStep ?? 0) : this.tokens);
      this.lastEval = this.metric(f);
      this.write({
        kind: 'eval',
        step,
        tokens,
        flops: tokens * this.fpt,
        elapsed: this.elapsed,
        ...this.lastEval,
        byDomain: {},
        ...(final ? { final: true } : {}),
      });
      return;
    }
  }

  private onMirrored(line: string) {
    if (!line.startsWith('@flywheel ')) return;
    try {
      const e = JSON.parse(line.slice(10)) as Record<string, unknown>;
      if (e.kind === 'eval')
        this.lastEval = { valLoss: (e.valLoss as number) ?? null, valBpb: (e.valBpb as number) ?? null };
      if (e.kind !== 'train') return;
      this.step = Number(e.step) || this.step;
      this.tokens = Number(e.tokens) || this.tokens;
      this.checkBudget();
    } catch {
      /* the launcher's recorder reports malformed lines from the file */
    }
  }

  private checkBudget() {
    const { tokens, seconds } = this.launch.enforce;
    const hit =
      tokens !== undefined && this.tokens >= tokens
        ? `${Math.round(tokens)} tokens`
        : seconds !== undefined && this.elapsed >= seconds
          ? `${seconds} s`
          : undefined;
    if (!hit) return;
    this.finish(
      `budget of ${hit} reached; stopped by Flywheel (the spec passes no such budget to the script)`,
    );
    this.onBudget?.();
  }

  /**
   * The `end` event (written once): at a budget stop, or at a clean exit of a script that prints its
   * metrics (flywheel_log writes its own end at exit).
   */
  finish(reason: string, atExit = false): void {
    if (this.ended || (atExit && this.spec.metrics.source !== 'stdout')) return;
    this.ended = true;
    const first = this.firstTrain;
    const dt = first ? this.elapsed - first.elapsed : 0;
    this.write({
      kind: 'end',
      status: 'completed',
      reason,
      ...(this.lastEval ?? {}),
      step: this.step,
      tokens: this.tokens,
      flops: this.tokens * this.fpt,
      elapsed: this.elapsed,
      ...(first && dt > 0 ? { tokPerSec: (this.tokens - first.tokens) / dt } : {}),
    });
  }
}
