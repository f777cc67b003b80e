/**
 * Follows a growing events.jsonl the way `tail -f` does: polls for new bytes, splits complete lines,
 * keeps a trailing partial line until its newline arrives. Works the same for a local child and for a
 * job on a shared filesystem (Slurm), which is why runs are read from the file and not from stdout.
 *
 * The file is written by the trainer, so by code that may be hostile (SECURITY.md): it is opened
 * without following a symlink and must be a regular file (safe-read.ts); at most `chunkBytes` are read
 * per poll; a line longer than `maxLineBytes` is not buffered: it is skipped up to its newline and
 * counted in `oversized` (the launcher records it as malformed). Heartbeats are the launcher's business
 * and count only valid events, not bytes.
 */
import { closeSync, fstatSync, readSync } from 'node:fs';
import { openRegularNoFollow } from '../security/safe-read.ts';

export const MAX_EVENT_LINE_BYTES = 64 << 10;

export class EventTail {
  private offset = 0;
  private partial = '';
  private skipping = false; // inside an oversized line
  private readonly decoder = new TextDecoder('utf-8');
  /** Lines longer than maxLineBytes, skipped. */
  oversized = 0;
  /** Why the file could not be read (a symlink, not a regular file), once it could not. */
  refused?: string;

  constructor(
    readonly path: string,
    startOffset = 0,
    readonly maxLineBytes = MAX_EVENT_LINE_BYTES,
    readonly chunkBytes = 4 << 20,
  ) {
    this.offset = startOffset;
  }

  get bytesRead(): number {
    return this.offset;
  }

  /** Read whatever is new (up to chunkBytes); returns complete, non-blank lines (without the newline). */
  poll(): string[] {
    let fd: number;
    try {
      fd = openRegularNoFollow(this.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        this.refused = `${this.path}: ${code === 'ELOOP' ? 'a symlink' : (e as Error).message}`;
      return []; // not created yet, or not something we read
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.offset) return [];
      const buf = Buffer.allocUnsafe(Math.min(size - this.offset, this.chunkBytes));
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      return this.split(this.decoder.decode(buf.subarray(0, n), { stream: true }));
    } finally {
      closeSync(fd);
    }
  }

  private split(text: string): string[] {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    const out: string[] = [];
    for (const l of lines) {
      if (this.skipping)
        this.skipping = false; // the end of an oversized line
      else if (Buffer.byteLength(l) > this.maxLineBytes) this.oversized++;
      else if (l.trim() !== '') out.push(l);
    }
    if (!this.skipping && this.partial.length > this.maxLineBytes) {
      this.oversized++;
      this.skipping = true;
    }
    if (this.skipping) this.partial = '';
    return out;
  }

  /** At the end of a run: the unterminated last line, if any (a writer killed mid-line). */
  flushPartial(): string[] {
    const rest = (this.partial + this.decoder.decode()).trim();
    this.partial = '';
    if (this.skipping) return [];
    return rest ? [rest] : [];
  }
}
