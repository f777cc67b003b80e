/**
 * Reading a file that code in the sandbox could have written or replaced (SECURITY.md: the
 * orchestrator never follows a path the sandbox can write). The last path component is opened with
 * O_NOFOLLOW (a symlink to /proc/self/environ fails with ELOOP instead of handing us our own
 * environment), O_NONBLOCK (a FIFO planted in its place cannot block us), the descriptor must be a
 * regular file, and at most `maxBytes` are read: the head or the tail.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Opens `path` for reading without following a final symlink; throws unless it is a regular file. */
export function openRegularNoFollow(path: string): number {
  const fd = openSync(path, FLAGS);
  try {
    if (!fstatSync(fd).isFile())
      throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTREG' });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * Up to `maxBytes` of a regular file, from its end (`from: 'tail'`, the default) or its start; undefined
 * when it is missing, a symlink, or not a regular file. Decoded as UTF-8 (invalid bytes replaced).
 */
export function readCapped(
  path: string,
  maxBytes: number,
  from: 'head' | 'tail' = 'tail',
): string | undefined {
  let fd: number;
  try {
    fd = openRegularNoFollow(path);
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const n = Math.min(size, maxBytes);
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, from === 'tail' ? size - n : 0);
    return buf.subarray(0, got).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` non-empty lines of a file read with readCapped (64 KiB from its end). */
export function tailLines(path: string, lines: number, maxBytes = 64 << 10): string {
  const text = readCapped(path, maxBytes, 'tail');
  if (!text) return '';
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
