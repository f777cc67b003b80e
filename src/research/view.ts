/**
 * The live multi-line view of a session on stderr: one line per slot (trial, rung, tokens, loss),
 * best so far +- CI, compute used / budget, kills. Redrawn in place on a terminal; on a pipe (CI logs)
 * a compact block is printed at most every `everyMs`, and journal lines as they happen.
 */
import type { JournalEntry } from '../store/base.ts';
import { fmtCount, fmtSeconds } from '../runs/progress.ts';
import { formatEffect } from '../stats/describe.ts';
import type { SessionSummary } from './summary.ts';

/**
 * Researcher-written text (titles, notes, a wait's reason) reaches the terminal here: control characters,
 * newlines included, are shown as '?', so none can move the cursor, clear the screen or set the
 * clipboard through an escape sequence, or break the redrawn block's line count (SECURITY.md).
 */
// eslint-disable-next-line no-control-regex
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export interface SlotView {
  runId: string;
  label: string; // "p3 Muon (rung 1, seed 1000)"
  tokens: number;
  budgetTokens: number;
  loss?: number;
  valBpb?: number;
}

export class SessionView {
  private slots = new Map<string, SlotView>();
  private lastDraw = 0;
  private drawnLines = 0;
  private readonly tty: boolean;
  summary?: SessionSummary;
  paused = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 10_000,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  setSlot(s: SlotView): void {
    this.slots.set(s.runId, s);
    this.draw();
  }

  updateSlot(runId: string, patch: Partial<SlotView>): void {
    const s = this.slots.get(runId);
    if (s) Object.assign(s, patch);
    this.draw();
  }

  clearSlot(runId: string): void {
    this.slots.delete(runId);
    this.draw(true);
  }

  journal(e: JournalEntry): void {
    if (this.quiet) return;
    this.erase();
    this.out.write(`[${e.kind}] ${printable(e.title)}\n`);
    this.drawnLines = 0;
    this.draw(true);
  }

  setSummary(s: SessionSummary): void {
    this.summary = s;
    this.draw();
  }

  private erase(): void {
    if (this.tty && this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  lines(): string[] {
    const s = this.summary;
    const out: string[] = [];
    if (s) {
      const used = `${fmtSeconds(s.computeUsedSeconds)}${s.budget.seconds ? ` / ${fmtSeconds(s.budget.seconds)}` : ''}`;
      const flops = `${s.computeUsed.toExponential(2)} FLOPs${s.budget.flops ? ` / ${s.budget.flops.toExponential(2)}` : ''}`;
      const base =
        s.baseline.valBpb !== null
          ? `baseline ${s.baseline.valBpb.toFixed(4)}±${(s.baseline.std ?? 0).toFixed(4)} (n=${s.baseline.n})`
          : 'baseline: measuring';
      const best = s.best
        ? `best ${s.best.title}: ${s.best.valBpb.toFixed(4)}${s.best.delta !== null ? ` ${formatEffect(s.best.delta, s.best.ci95 ?? undefined)}` : ''}${s.significant ? ' WIN' : ''}`
        : 'best: -';
      out.push(
        `${this.paused ? '[paused] ' : ''}${used} | ${flops} | kills ${s.monitorStops} | saved ${(s.computeSavedByMonitor * 100).toFixed(0)}% | ${base}`,
      );
      out.push(best);
    }
    for (const v of this.slots.values()) {
      const pct = v.budgetTokens ? ` ${Math.min(100, (100 * v.tokens) / v.budgetTokens).toFixed(0)}%` : '';
      const loss = v.loss !== undefined ? ` loss ${v.loss.toFixed(3)}` : '';
      const bpb = v.valBpb !== undefined ? ` val ${v.valBpb.toFixed(4)}` : '';
      out.push(`  ${v.runId} ${v.label}: ${fmtCount(v.tokens)} tok${pct}${loss}${bpb}`);
    }
    return out.map(printable);
  }

  draw(force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < (this.tty ? 250 : this.everyMs)) return;
    this.lastDraw = now;
    const lines = this.lines();
    if (this.tty) {
      this.erase();
      this.out.write(lines.join('\n') + '\n');
      this.drawnLines = lines.length;
    } else if (!force) {
      this.out.write(lines.join('\n') + '\n');
    }
  }
}
