import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { brownDir, brownText } from './brown.ts';
import { TOKEN_BYTES_FILE, TOKENIZER_FILE, trainShard, valShard } from './format.ts';
import { DEFAULT_VOCAB, loadDatasetMeta, prepareDataset } from './prepare.ts';
import { Tokenizer } from './tokenizer.ts';

const made: string[] = [];
/** mkdtemp, removed after the file's tests */
const tmp = (prefix: string) => {
  const dir = mkdtempSync(prefix);
  made.push(dir);
  return dir;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

const VOCAB = 320; // small: unit tests train ~60 merges

function freshHome(): string {
  const home = tmp(join(tmpdir(), 'flywheel-home-'));
  process.env.FLYWHEEL_HOME = home;
  return home;
}

/** Two domains of real text: 12 Brown files (news) and 12 short generated notes. */
function sourceFolder(): string {
  const root = tmp(join(tmpdir(), 'flywheel-src-'));
  mkdirSync(join(root, 'news'));
  mkdirSync(join(root, 'notes'));
  for (let i = 1; i <= 12; i++) {
    const f = `ca${String(i).padStart(2, '0')}`;
    writeFileSync(join(root, 'news', `${f}.txt`), brownText(readFileSync(join(brownDir(), f), 'utf8')));
    writeFileSync(
      join(root, 'notes', `n${i}.txt`),
      `Note ${i}: buy ${i * 7} apples and ${i} pears.\n`.repeat(40),
    );
  }
  writeFileSync(join(root, 'notes', 'blank.txt'), '');
  return root;
}

function readU16(file: string): Uint16Array {
  const b = readFileSync(file);
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
}

function digestDir(dir: string): string {
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort())
    if (f !== 'meta.json') h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex');
}

test('prepare writes shards, token table, tokenizer and meta whose numbers agree', async () => {
  freshHome();
  const src = sourceFolder();
  const { dir, meta, cached } = await prepareDataset({ source: src, vocabSize: VOCAB });
  assert.equal(cached, false);
  assert.deepEqual(loadDatasetMeta(dir), meta);
  assert.equal(meta.source, src);
  assert.equal(meta.vocabSize, VOCAB);
  assert.equal(meta.eotToken, VOCAB - 1);
  assert.deepEqual(meta.skippedFiles, ['notes/blank.txt']);
  assert.deepEqual(
    meta.domains.map((d) => d.name),
    ['news', 'notes'],
  );
  const tok = Tokenizer.load(join(dir, TOKENIZER_FILE));
  const tokenBytes = readU16(join(dir, TOKEN_BYTES_FILE));
  assert.equal(tokenBytes.length, VOCAB);
  assert.equal(tokenBytes[meta.eotToken], 0);
  for (const d of meta.domains) {
    for (const [file, tokens, bytes, docs] of [
      [trainShard(d.name), d.trainTokens, d.trainBytes, d.trainDocs],
      [valShard(d.name), d.valTokens, d.valBytes, d.valDocs],
    ] as const) {
      const ids = readU16(join(dir, file));
      assert.equal(ids.length, tokens);
      assert.equal(ids[0], meta.eotToken, 'EOT precedes the first document');
      assert.equal(ids.filter((t) => t === meta.eotToken).length, docs);
      assert.equal(
        ids.reduce((s, t) => s + tokenBytes[t], 0),
        bytes,
      );
    }
    assert.ok(d.valDocs >= 1 && d.trainDocs >= 1);
    assert.ok(d.unigramBpb > 0 && d.unigramBpb < 8);
  }
  // the news train shard decodes back to its documents, which are whole Brown files
  const news = readU16(join(dir, trainShard('news')));
  const firstDoc = tok.decode(news.subarray(1, news.indexOf(meta.eotToken, 1)));
  assert.ok(
    readdirSync(join(src, 'news')).some((f) => readFileSync(join(src, 'news', f), 'utf8') === firstDoc),
  );
  assert.ok(meta.bytesPerToken > 1 && meta.unigramBpb > 0);
});

test('a second prepare with the same inputs is a cache hit; touching a file still hits; editing one rebuilds', async () => {
  freshHome();
  const src = sourceFolder();
  const first = await prepareDataset({ source: src, vocabSize: VOCAB });
  const again = await prepareDataset({ source: src, vocabSize: VOCAB });
  assert.equal(again.cached, true);
  assert.equal(again.dir, first.dir);
  const file = join(src, 'notes', 'n1.txt');
  utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1)); // quick key misses, content hash hits
  const touched = await prepareDataset({ source: src, vocabSize: VOCAB });
  assert.equal(touched.cached, true);
  assert.equal(touched.meta.hash, first.meta.hash);
  writeFileSync(file, 'Something else entirely.\n'.repeat(30));
  const edited = await prepareDataset({ source: src, vocabSize: VOCAB });
  assert.equal(edited.cached, false);
  assert.notEqual(edited.meta.hash, first.meta.hash);
  const otherVocab = await prepareDataset({ source: src, vocabSize: VOCAB + 10 });
  assert.notEqual(otherVocab.dir, edited.dir);
});

test('rebuilding with force gives byte-identical files under the same hash', async () => {
  freshHome();
  const src = sourceFolder();
  const a = await prepareDataset({ source: src, vocabSize: VOCAB });
  const before = digestDir(a.dir);
  const b = await prepareDataset({ source: src, vocabSize: VOCAB, force: true });
  assert.equal(b.cached, false);
  assert.equal(b.dir, a.dir);
  assert.equal(digestDir(b.dir), before);
});

test('leftovers of a killed prepare are removed and an incomplete dataset is rebuilt', async () => {
  const home = freshHome();
  const src = sourceFolder();
  const a = await prepareDataset({ source: src, vocabSize: VOCAB });
  const dead = spawnSync(process.execPath, ['-e', '0']).pid as number; // exited: its pid is free
  const stale = join(home, 'data', `.tmp-${a.meta.hash}-${dead}-0`);
  mkdirSync(stale);
  rmSync(join(a.dir, trainShard('news')));
  const b = await prepareDataset({ source: src, vocabSize: VOCAB });
  assert.equal(b.cached, false);
  assert.ok(!readdirSync(join(home, 'data')).some((n) => n.startsWith('.tmp-')));
  assert.equal(readU16(join(b.dir, trainShard('news'))).length, b.meta.domains[0].trainTokens);
});

test('the default corpus prepares seven domains, each with a validation set of at least 40k tokens', async () => {
  freshHome();
  const { meta, cached } = await prepareDataset();
  assert.equal(cached, false);
  assert.equal(meta.vocabSize, DEFAULT_VOCAB);
  assert.equal(meta.source, 'default');
  assert.deepEqual(
    meta.domains.map((d) => d.name),
    ['news', 'fiction', 'learned', 'essays', 'popular', 'sentences', 'code'],
  );
  for (const d of meta.domains) {
    assert.ok(d.valTokens >= 40_000, `${d.name} val ${d.valTokens}`);
    assert.ok(d.trainTokens > 4 * d.valTokens, `${d.name} train ${d.trainTokens}`);
  }
  assert.ok(meta.bytesPerToken > 2.5 && meta.bytesPerToken < 4);
  assert.equal((await prepareDataset()).cached, true);
});
