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

const EMPTY = Buffer.alloc(0);

export class EventTail {
  private offset = 0;
  private partial: Buffer = EMPTY; // the unterminated last line, at most maxLineBytes
  private skipping = false; // inside an oversized line: its bytes are dropped up to its newline
  private buf?: Buffer; // one read buffer, reused by every poll
  /** Lines longer than maxLineBytes, skipped. */
  oversized = 0;
  /** Why the file could not be read (a symlink, not a regular file), once it could not. */
  refused?: string;

  constructor(
    readonly path: string,
    startOffset = 0,
    readonly maxLineBytes = MAX_EVENT_LINE_BYTES,
    readonly chunkBytes = 1 << 20,
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
      this.buf ??= Buffer.allocUnsafe(this.chunkBytes);
      const n = readSync(fd, this.buf, 0, Math.min(size - this.offset, this.chunkBytes), this.offset);
      this.offset += n;
      return this.consume(this.buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
  }

  /** Splits bytes into lines; only lines within the limit are decoded (UTF-8, split sequences kept whole). */
  private consume(data: Buffer): string[] {
    const out: string[] = [];
    for (let start = 0; ;) {
      const nl = data.indexOf(10, start);
      if (nl < 0) {
        const rest = data.subarray(start);
        if (this.skipping || rest.length === 0) return out;
        if (this.partial.length + rest.length > this.maxLineBytes) {
          this.oversized++;
          this.skipping = true;
          this.partial = EMPTY;
        } else this.partial = Buffer.concat([this.partial, rest]);
        return out;
      }
      const piece = data.subarray(start, nl);
      if (this.skipping) this.skipping = false;
      else if (this.partial.length + piece.length > this.maxLineBytes) this.oversized++;
      else {
        const line = (this.partial.length ? Buffer.concat([this.partial, piece]) : piece).toString('utf8');
        if (line.trim() !== '') out.push(line);
      }
      this.partial = EMPTY;
      start = nl + 1;
    }
  }

  /** At the end of a run: the unterminated last line, if any (a writer killed mid-line). */
  flushPartial(): string[] {
    const rest = this.skipping ? '' : this.partial.toString('utf8').trim();
    this.partial = EMPTY;
    return rest ? [rest] : [];
  }
}
