/**
 * Follows a growing events.jsonl the way `tail -f` does: polls for new bytes, splits complete lines,
 * keeps a trailing partial line until its newline arrives. Works the same for a local child and for a
 * job on a shared filesystem (Slurm), which is why runs are read from the file and not from stdout.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export class EventTail {
  private offset = 0;
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');
  /** ms timestamp of the last time new bytes appeared (heartbeat). */
  lastActivity = Date.now();

  constructor(
    readonly path: string,
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  get bytesRead(): number {
    return this.offset;
  }

  /** Read whatever is new; returns complete lines (without the newline). */
  poll(): string[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return []; // not created yet
    }
    if (size <= this.offset) return [];
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(size - this.offset, 16 << 20));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      this.lastActivity = Date.now();
      const text = this.partial + this.decoder.decode(buf.subarray(0, n), { stream: true });
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.filter((l) => l.trim() !== '');
    } finally {
      closeSync(fd);
    }
  }

  /** At the end of a run: the unterminated last line, if any (a writer killed mid-line). */
  flushPartial(): string[] {
    const rest = (this.partial + this.decoder.decode()).trim();
    this.partial = '';
    return rest ? [rest] : [];
  }
}
