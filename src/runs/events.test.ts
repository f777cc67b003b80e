import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventTail } from './event-tail.ts';
import { parseEventLine } from './events.ts';
import { tempDir } from '../../test/helpers/temp-dir.ts';

describe('event stream parsing', () => {
  it('parses each kind and keeps extra fields', () => {
    const r = parseEventLine(
      '{"kind":"train","step":3,"tokens":96,"flops":1e6,"elapsed":0.5,"loss":4.2,"lr":0.001,"custom":1}',
    );
    assert.ok(r.ok);
    assert.equal(r.event.kind, 'train');
    assert.equal((r.event as Record<string, unknown>).custom, 1);
    const s = parseEventLine('@flywheel {"kind":"start","params":10,"flopsPerToken":60,"device":"cpu"}');
    assert.ok(s.ok && s.event.kind === 'start');
  });

  it('reads NaN written as null or "NaN" as NaN', () => {
    const r = parseEventLine('{"kind":"train","step":1,"tokens":1,"flops":1,"elapsed":1,"loss":null,"lr":1}');
    assert.ok(r.ok && r.event.kind === 'train' && Number.isNaN(r.event.loss));
    const e = parseEventLine(
      '{"kind":"eval","step":1,"tokens":1,"flops":1,"valLoss":"NaN","valBpb":"Infinity"}',
    );
    assert.ok(e.ok && e.event.kind === 'eval' && e.event.valBpb === Infinity);
  });

  it('returns malformed lines with a reason instead of throwing', () => {
    const a = parseEventLine('{"kind":"train","step":');
    assert.ok(!a.ok && /not JSON/.test(a.error));
    const b = parseEventLine('{"kind":"train","step":"x"}');
    assert.ok(!b.ok && /step/.test(b.error));
    const c = parseEventLine('{"kind":"party"}');
    assert.ok(!c.ok);
  });
});

describe('event tail', () => {
  it('returns only complete lines and keeps a partial line until its newline arrives', () => {
    const dir = tempDir('fw-tail-');
    const f = join(dir, 'events.jsonl');
    const tail = new EventTail(f);
    assert.deepEqual(tail.poll(), []);
    writeFileSync(f, '{"a":1}\n{"b":');
    assert.deepEqual(tail.poll(), ['{"a":1}']);
    appendFileSync(f, '2}\n');
    assert.deepEqual(tail.poll(), ['{"b":2}']);
    appendFileSync(f, '{"c":"ü');
    assert.deepEqual(tail.poll(), []);
    assert.deepEqual(tail.flushPartial(), ['{"c":"ü']);
  });

  it('skips a line over the limit up to its newline without buffering it, and counts it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-tail-'));
    const f = join(dir, 'events.jsonl');
    const tail = new EventTail(f, 0, 100, 64); // 100-byte lines, 64-byte reads
    writeFileSync(f, `{"a":1}\n${'x'.repeat(1000)}`);
    const got: string[] = [];
    for (let i = 0; i < 30; i++) got.push(...tail.poll());
    assert.deepEqual(got, ['{"a":1}']);
    assert.equal(tail.oversized, 1);
    appendFileSync(f, 'yyy\n\n  \n{"b":2}\n');
    for (let i = 0; i < 5; i++) got.push(...tail.poll());
    assert.deepEqual(got, ['{"a":1}', '{"b":2}'], 'the rest of the long line and blank lines are not events');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an events file that is a symlink (to /proc/self/environ, say)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-tail-'));
    const f = join(dir, 'events.jsonl');
    symlinkSync('/proc/self/environ', f);
    const tail = new EventTail(f);
    assert.deepEqual(tail.poll(), []);
    assert.match(tail.refused ?? '', /a symlink/);
    rmSync(dir, { recursive: true, force: true });
  });
});
