import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FlywheelError } from '../errors.ts';
import { readDocs, SOURCE_LIMITS, sourceCorpus } from './source-dir.ts';

const made: string[] = [];
/** mkdtemp, removed after the file's tests */
const tmp = (prefix: string) => {
  const dir = mkdtempSync(prefix);
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function folder(files: Record<string, string | Buffer>): string {
  const root = tmp(join(tmpdir(), 'flywheel-src-'));
  for (const [rel, body] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    if (rel.endsWith('/')) mkdirSync(p, { recursive: true });
    else writeFileSync(p, body);
  }
  return root;
}

const fails = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof FlywheelError && pattern.test(e.message));

test('each subfolder becomes a domain and files directly inside form one named after the folder', () => {
  const root = folder({
    'Poems/a.txt': 'roses',
    'Poems/deep/b.txt': 'violets',
    'Legal Docs/c.md': 'law',
    'top.txt': 'x',
  });
  const c = sourceCorpus(root);
  const base = root
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_');
  assert.deepEqual(
    c.domains.map((d) => d.name),
    ['legal_docs', 'poems', base],
  );
  const poems = c.domains.find((d) => d.name === 'poems')!;
  assert.deepEqual(
    [...poems.docs()].map((d) => [d.id, d.text]),
    [
      ['Poems/a.txt#0', 'roses'],
      ['Poems/deep/b.txt#0', 'violets'],
    ],
  );
});

test('a missing --source folder is an error naming it', () => {
  fails(() => sourceCorpus('/nonexistent/flywheel-corpus'), /not found: \/nonexistent\/flywheel-corpus/);
});

test('an empty domain folder is an error naming it', () => {
  const root = folder({ 'good/a.txt': 'text', 'hollow/': '' });
  fails(() => sourceCorpus(root), new RegExp(`${join(root, 'hollow')} has no non-empty files`));
  fails(() => sourceCorpus(folder({})), /is empty/);
});

test('empty files are skipped and counted', () => {
  const root = folder({ 'd/a.txt': 'text', 'd/empty.txt': '', 'd/.hidden': 'secret' });
  const c = sourceCorpus(root);
  assert.deepEqual(c.skipped.empty, ['d/empty.txt']);
  assert.deepEqual(
    [...c.domains[0].docs()].map((d) => d.id),
    ['d/a.txt#0'],
  );
});

test('a file that is not UTF-8 stops prepare with its path and the bad byte offset', () => {
  const root = folder({ 'd/ok.txt': 'fine', 'd/latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) });
  const c = sourceCorpus(root);
  fails(
    () => [...c.domains[0].docs()],
    new RegExp(`${join(root, 'd/latin1.txt')} is not valid UTF-8 \\(byte 3\\)`),
  );
});

test('a huge file streams into bounded documents, even across read blocks, and loses nothing', () => {
  const emoji = '😀'; // 4 bytes in UTF-8, placed across the 1 MiB read-block boundary
  const text =
    '\ufeff' + 'a'.repeat(SOURCE_LIMITS.READ_BLOCK_BYTES - 5) + emoji + 'line of text\n'.repeat(40_000);
  const root = folder({ 'big.txt': text });
  const docs = [...readDocs(join(root, 'big.txt'), 'big.txt')];
  assert.ok(docs.length > 10);
  assert.ok(docs.every((d) => d.text.length <= SOURCE_LIMITS.DOC_MAX_CHARS));
  assert.equal(docs.map((d) => d.text).join(''), text.slice(1)); // BOM stripped
});

test('a source folder over the size cap is refused before anything is read', () => {
  const root = folder({ 'd/a.txt': 'x'.repeat(100) });
  const cap = SOURCE_LIMITS.MAX_TOTAL_BYTES;
  SOURCE_LIMITS.MAX_TOTAL_BYTES = 50;
  try {
    fails(() => sourceCorpus(root), /holds more than 50 bytes/);
  } finally {
    SOURCE_LIMITS.MAX_TOTAL_BYTES = cap;
  }
});

test('links out of the folder, dangling links and linked folders are skipped and listed; a link inside is read', () => {
  const outside = folder({ 'secret.txt': 'API_KEY=sk-not-for-training' });
  const root = folder({ 'd/a.txt': 'text', 'd/notes.txt': 'more text' });
  symlinkSync(join(outside, 'secret.txt'), join(root, 'd', 'leak.txt'));
  symlinkSync(join(root, 'd', 'notes.txt'), join(root, 'd', 'alias.txt'));
  symlinkSync(join(root, 'nowhere'), join(root, 'd', 'dangling.txt'));
  symlinkSync(outside, join(root, 'linked-domain'));
  const c = sourceCorpus(root);
  assert.deepEqual(c.skipped.links?.slice().sort(), [
    'd/dangling.txt (dangling link)',
    'd/leak.txt (link to a file outside the folder)',
    'linked-domain (link to a folder outside the folder)',
  ]);
  assert.deepEqual(
    c.domains.map((d) => d.name),
    ['d'],
  );
  const texts = [...c.domains[0].docs()].map((d) => d.text);
  assert.ok(!texts.some((t) => t.includes('sk-not-for-training')));
  assert.deepEqual(texts.sort(), ['more text', 'more text', 'text']);
});

test('binary files are skipped and listed; a NUL byte past the sniffed prefix stops prepare naming the file', () => {
  const late = Buffer.concat([
    Buffer.from('a'.repeat(SOURCE_LIMITS.BINARY_SNIFF_BYTES + 10)),
    Buffer.from([0]),
  ]);
  const root = folder({ 'd/a.txt': 'text', 'd/img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]) });
  const c = sourceCorpus(root);
  assert.deepEqual(c.skipped.binary, ['d/img.png']);
  assert.deepEqual(
    [...c.domains[0].docs()].map((d) => d.id),
    ['d/a.txt#0'],
  );
  const r2 = folder({ 'd/late.txt': late });
  fails(
    () => [...sourceCorpus(r2).domains[0].docs()],
    new RegExp(
      `${join(r2, 'd/late.txt')} holds a NUL byte \\(byte ${SOURCE_LIMITS.BINARY_SNIFF_BYTES + 10}\\)`,
    ),
  );
});
