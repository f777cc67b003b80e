/**
 * Runs every planted attack in test/security/attacks/ (see attack.ts) and prints the tally CI reads:
 * "N attacks tried, M succeeded". An attack that succeeds fails its test with the evidence.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import type { Attack } from './attack.ts';

const dir = join(import.meta.dirname, 'attacks');
const attacks: Attack[] = [];
for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
  if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
  const mod = (await import(pathToFileURL(join(dir, name)).href)) as { attacks?: Attack[] };
  attacks.push(...(mod.attacks ?? []));
}
const ids = new Set<string>();
for (const a of attacks) {
  assert.ok(!ids.has(a.id), `duplicate attack id ${a.id}`);
  ids.add(a.id);
}

let tried = 0;
let succeeded = 0;
let skipped = 0;

describe('planted attacks', () => {
  for (const a of attacks) {
    const why = a.skip?.();
    it(`${a.id}: ${a.title}`, { skip: why, timeout: a.timeoutMs ?? 300_000 }, async () => {
      tried++;
      const r = await a.run();
      if (r.succeeded) succeeded++;
      assert.equal(r.succeeded, false, `attack ${a.id} succeeded: ${r.detail}`);
    });
    if (why) skipped++;
  }
  after(() => {
    console.log(
      `${tried} attacks tried, ${succeeded} succeeded${skipped ? ` (${skipped} skipped: bubblewrap or torch missing)` : ''}`,
    );
  });
});
