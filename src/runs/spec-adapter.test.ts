import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTrainerSpec } from '../config/trainer-spec.ts';
import { SpecAdapter } from './spec-adapter.ts';

const dir = mkdtempSync(join(tmpdir(), 'fw-spec-adapter-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const spec = parseTrainerSpec({
  name: 'auto',
  command: ['python3', 'train.py'],
  metrics: {
    train: 'step (?<step>\\d+) \\([\\d.]+%\\) \\| loss: (?<loss>[\\d.]+)',
    final: '^val_bpb:\\s+(?<valBpb>[\\d.]+)',
  },
  valMetric: { kind: 'bpb' },
});
let n = 0;
const events = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('spec adapter', () => {
  it('reads progress redrawn with \\r, a final-metric line, and ends a clean exit with it', () => {
    const path = join(dir, `e${n++}.jsonl`);
    const a = new SpecAdapter(spec, { enforce: {}, tokensPerStep: 100, params: 1000 }, path);
    a.onLine('\rstep 00001 (10.0%) | loss: 5.0 | dt\rstep 00002 (20.0%) | loss: 4.0 | dt');
    a.onLine('val_bpb:          0.997900');
    a.finish('trainer exited 0', true);
    a.close();
    const ev = events(path);
    assert.deepEqual(
      ev.map((e) => e.kind),
      ['start', 'train', 'train', 'eval', 'end'],
    );
    assert.equal(ev[0].flopsPerToken, 6000);
    assert.equal(ev[2].tokens, 200);
    assert.equal(ev[3].final, true);
    assert.equal(ev[4].valBpb, 0.9979);
    assert.equal(ev[4].status, 'completed');
  });

  it('ends the run once a budget the script cannot be told is reached', () => {
    const path = join(dir, `e${n++}.jsonl`);
    const a = new SpecAdapter(spec, { enforce: { tokens: 250 }, tokensPerStep: 100 }, path);
    let stops = 0;
    a.onBudget = () => stops++;
    for (let s = 1; s <= 5; s++) a.onLine(`step ${s} (1.0%) | loss: 3.0`);
    a.close();
    const ev = events(path);
    assert.equal(stops, 1);
    assert.equal(ev.at(-1)!.kind, 'end');
    assert.match(String(ev.at(-1)!.reason), /budget of 250 tokens reached/);
    assert.equal(ev.filter((e) => e.kind === 'train').length, 3);
  });
});
