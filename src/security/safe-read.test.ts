/**
 * Reading files a sandboxed trainer could have written: a symlink (to /proc/self/environ, say) or a
 * FIFO is refused, a regular file is read capped from its head or tail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCapped, tailLines } from './safe-read.ts';

describe('reading a file the sandbox could write', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-safe-read-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a symlink and a FIFO, and reads a regular file capped', () => {
    const link = join(dir, 'stderr.log');
    symlinkSync('/proc/self/environ', link);
    assert.equal(readCapped(link, 1 << 20), undefined);
    assert.equal(tailLines(link, 5), '');
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    assert.equal(readCapped(fifo, 100), undefined, 'a FIFO neither blocks nor is read');
    const f = join(dir, 'log');
    writeFileSync(f, 'a\nb\nc\nd\n');
    assert.equal(readCapped(f, 3, 'head'), 'a\nb');
    assert.equal(readCapped(f, 4, 'tail'), 'c\nd\n');
    assert.equal(tailLines(f, 2), 'c\nd');
  });
});
