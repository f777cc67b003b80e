import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { repoRoot } from '../home.ts';

const made: string[] = [];
/** mkdtemp, removed after the file's tests */
const tmp = (prefix: string) => {
  const dir = mkdtempSync(prefix);
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function flywheel(args: string[], home: string) {
  const res = spawnSync(process.execPath, [join(repoRoot, 'bin/flywheel.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, FLYWHEEL_HOME: home },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function textFolder(): string {
  const root = tmp(join(tmpdir(), 'flywheel-cli-src-'));
  for (const domain of ['alpha', 'beta']) {
    mkdirSync(join(root, domain));
    for (let i = 0; i < 6; i++) {
      writeFileSync(
        join(root, domain, `${i}.txt`),
        `The ${domain} file number ${i} says hello.\n`.repeat(50),
      );
    }
  }
  return root;
}

test('prepare --json prints exactly one JSON object with per-domain token counts', () => {
  const home = tmp(join(tmpdir(), 'flywheel-cli-home-'));
  const src = textFolder();
  const r = flywheel(['prepare', '--source', src, '--vocab', '280', '--json'], home);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]);
  assert.equal(out.cached, false);
  assert.equal(out.vocabSize, 280);
  assert.ok(out.dataDir.startsWith(join(home, 'data')));
  for (const k of ['hash', 'seconds', 'unigramBpb', 'bytesPerToken']) assert.ok(k in out, k);
  assert.deepEqual(
    out.domains.map((d: { name: string }) => d.name),
    ['alpha', 'beta'],
  );
  for (const d of out.domains) {
    for (const k of ['trainTokens', 'valTokens', 'trainBytes', 'valBytes', 'unigramBpb'])
      assert.equal(typeof d[k], 'number');
  }
  assert.match(r.stderr, /prepare: /);
  const again = JSON.parse(flywheel(['prepare', '--source', src, '--vocab', '280', '--json'], home).stdout);
  assert.equal(again.cached, true);
  assert.equal(again.hash, out.hash);
});

test('prepare reports a bad --source or --vocab in one line and exits non-zero', () => {
  const home = tmp(join(tmpdir(), 'flywheel-cli-home-'));
  const missing = flywheel(['prepare', '--source', '/nonexistent/texts', '--json'], home);
  assert.equal(missing.code, 2);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr, 'flywheel: --source folder not found: /nonexistent/texts\n');
  const src = textFolder();
  writeFileSync(join(src, 'alpha', 'bad.txt'), Buffer.from([0x68, 0x69, 0xff, 0x0a]));
  const bad = flywheel(['prepare', '--source', src], home);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /flywheel: .*alpha\/bad\.txt is not valid UTF-8 \(byte 2\)/);
  const vocab = flywheel(['prepare', '--vocab', '70000'], home);
  assert.equal(vocab.code, 2);
  assert.match(vocab.stderr, /^flywheel: vocab size 70000 must be an integer in 257\.\.65535\n$/);
});
