/**
 * A log file written from a pipe with a size cap: the first `capBytes - TAIL_BYTES` bytes go to the
 * file as they come; past that, only the last TAIL_BYTES are kept in memory and written after a
 * truncation marker when the stream ends, so the file never exceeds the cap (a trainer flooding stdout
 * fills a bounded file) and still ends with the lines that explain a failure. The tail also stays
 * readable from memory (`tailText`), so the orchestrator never reads a log back from disk.
 *
 * The file is opened with O_NOFOLLOW before the trainer starts (a planted symlink fails the open) and
 * written with synchronous writes, so a fast writer cannot grow an unbounded in-process buffer.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';

export const TAIL_BYTES = 64 << 10;
/** Default cap per log (stdout.log, stderr.log): FLYWHEEL_LOG_BYTES, else 16 MiB. */
export function defaultLogBytes(env = process.env): number {
  const v = Number(env.FLYWHEEL_LOG_BYTES);
  return Number.isFinite(v) && v > 0 ? Math.max(v, 2 * TAIL_BYTES) : 16 << 20;
}

export class CappedLog {
  private fd: number | undefined;
  private written = 0;
  private dropped = 0;
  private tail = Buffer.alloc(0);
  private readonly headCap: number;

  constructor(
    readonly path: string,
    readonly capBytes = defaultLogBytes(),
  ) {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;
    this.fd = openSync(path, flags, 0o644);
    this.headCap = Math.max(0, capBytes - TAIL_BYTES - 256);
  }

  write(chunk: Buffer): void {
    this.tail =
      this.tail.length + chunk.length <= TAIL_BYTES
        ? Buffer.concat([this.tail, chunk])
        : Buffer.concat([this.tail, chunk]).subarray(-TAIL_BYTES);
    if (this.fd === undefined) return;
    const room = this.headCap - this.written;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.written += part.length;
      try {
        writeSync(this.fd, part);
      } catch {
        /* a full disk must not take the orchestrator down; the tail stays in memory */
      }
      if (part.length < chunk.length) this.dropped += chunk.length - part.length;
    } else this.dropped += chunk.length;
  }

  /** A line of our own (e.g. why the trainer could not start). */
  note(text: string): void {
    this.write(Buffer.from(text));
  }

  /** Bytes that did not go to the file as they came (the kept tail is written at close). */
  get truncatedBytes(): number {
    return this.dropped;
  }

  /** The last `lines` non-empty lines written, from memory. */
  tailText(lines = 30): string {
    return this.tail.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      if (this.dropped > 0) {
        const kept = this.tail.subarray(-Math.min(this.tail.length, this.dropped));
        writeSync(
          this.fd,
          `\n[flywheel: ${this.dropped - kept.length} bytes left out (log capped at ${this.capBytes} bytes); the last ${kept.length} follow]\n`,
        );
        writeSync(this.fd, kept);
      }
    } catch {
      /* as above */
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}
