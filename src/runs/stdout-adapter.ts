/**
 * For trainers that only print: TrainConfig.trainer.stdoutAdapter holds regexes whose named groups
 * become event fields (`step`, `loss`, `lr`, `valLoss`, `valBpb`, `tokens`...). Matches are turned
 * into protocol events and appended to events.jsonl, so the rest of Flywheel sees one kind of run.
 */
import { appendFileSync } from 'node:fs';
import { FlywheelError } from '../errors.ts';
import type { TrainConfig } from '../config/train-config.ts';

export class StdoutAdapter {
  private readonly train?: RegExp;
  private readonly eval?: RegExp;
  private readonly t0 = Date.now();
  private lastStep = 0;

  constructor(
    private readonly config: TrainConfig,
    private readonly eventsPath: string,
    private readonly flopsPerToken: number,
  ) {
    const a = config.trainer.stdoutAdapter ?? {};
    const compile = (name: string, src?: string) => {
      if (!src) return undefined;
      try {
        return new RegExp(src);
      } catch (e) {
        throw new FlywheelError(
          'bad_config',
          `trainer.stdoutAdapter.${name} is not a valid regex: ${(e as Error).message}`,
        );
      }
    };
    this.train = compile('train', a.train);
    this.eval = compile('eval', a.eval);
  }

  private fields(m: RegExpExecArray): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) out[k] = Number(v);
    return out;
  }

  private write(ev: Record<string, unknown>) {
    appendFileSync(this.eventsPath, JSON.stringify(ev) + '\n');
  }

  /** Called with each stdout line of the trainer. */
  onLine(line: string): void {
    const elapsed = (Date.now() - this.t0) / 1000;
    const t = this.train?.exec(line);
    if (t) {
      const f = this.fields(t);
      const step = f.step ?? this.lastStep + 1;
      this.lastStep = step;
      const tokens = f.tokens ?? step * this.config.train.batchTokens;
      this.write({ kind: 'train', step, tokens, flops: tokens * this.flopsPerToken, elapsed, lr: 0, ...f });
      return;
    }
    const e = this.eval?.exec(line);
    if (e) {
      const f = this.fields(e);
      const step = f.step ?? this.lastStep;
      const tokens = f.tokens ?? step * this.config.train.batchTokens;
      const valLoss = f.valLoss ?? Number.NaN;
      this.write({
        kind: 'eval',
        step,
        tokens,
        flops: tokens * this.flopsPerToken,
        elapsed,
        valLoss: Number.isFinite(valLoss) ? valLoss : null,
        valBpb: f.valBpb ?? null,
        byDomain: {},
      });
    }
  }
}
