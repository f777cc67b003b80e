/**
 * The live one-line view of a run on stderr: step, tokens, loss, tok/s, ETA. On a terminal the line is
 * redrawn in place; otherwise (CI logs, pipes) a line is printed at most every `everyMs`.
 */
import type { TrainConfig } from '../config/train-config.ts';
import type { RunEvent } from './events.ts';

export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n * 100) / 100);
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Fraction of the budget used, the same rule the trainer stops by: the first budget reached. */
export function budgetProgress(c: TrainConfig, tokens: number, flops: number, elapsed: number): number {
  const f: number[] = [];
  if (c.budget.seconds) f.push(elapsed / c.budget.seconds);
  if (c.budget.tokens) f.push(tokens / c.budget.tokens);
  if (c.budget.flops) f.push(flops / c.budget.flops);
  return Math.min(1, Math.max(0, ...f));
}

export class ProgressLine {
  private last = 0;
  private lastEval = '';
  private readonly tty: boolean;

  constructor(
    private readonly config: TrainConfig,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 2000,
    private readonly label = '',
  ) {
    this.tty = Boolean(out.isTTY);
  }

  update(e: RunEvent): void {
    if (e.kind === 'eval') this.lastEval = ` | val bpb ${Number(e.valBpb).toFixed(4)}`;
    if (e.kind !== 'train' && e.kind !== 'eval') return;
    const now = Date.now();
    if (e.kind === 'train' && now - this.last < (this.tty ? 250 : this.everyMs)) return;
    this.last = now;
    const elapsed = e.elapsed ?? 0;
    const p = budgetProgress(this.config, e.tokens, e.flops, elapsed);
    const eta = p > 0 ? (elapsed * (1 - p)) / p : Number.NaN;
    const loss = e.kind === 'train' ? ` | loss ${Number(e.loss).toFixed(4)}` : '';
    const tps = e.kind === 'train' && e.tokPerSec ? ` | ${fmtCount(e.tokPerSec)} tok/s` : '';
    const line = `${this.label}step ${e.step} | ${fmtCount(e.tokens)} tok${loss}${tps}${this.lastEval} | ${(p * 100).toFixed(0)}% ETA ${fmtSeconds(eta)}`;
    if (this.tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(line + '\n');
  }

  done(): void {
    if (this.tty) this.out.write('\n');
  }
}
