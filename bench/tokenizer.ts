/**
 * Tokenizer benchmark on the embedded default corpus. Run: `npx tsx bench/tokenizer.ts`
 *
 * Measures, in one process on this machine:
 *   - BPE training time (pre-token counting + merges) at the default vocab;
 *   - encode throughput of the cached encoder against two baselines measured in the same run:
 *     the same encoder with its per-piece cache off (named baseline) and pre-tokenization alone (the floor);
 *   - full `prepareDataset` cold and cached, and bytes/token + unigram bpb for vocab 1024..8192.
 * Writes the "Tokenizer" section of BENCHMARKS.md (other sections are left as they are).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBpe } from '../src/data/bpe-train.ts';
import { TOKENIZER_SAMPLE_BYTES_PER_DOMAIN } from '../src/data/build-dataset.ts';
import { defaultCorpus } from '../src/data/default-corpus.ts';
import { DEFAULT_VOCAB, prepareDataset } from '../src/data/prepare.ts';
import { splitPieces } from '../src/data/pretokenize.ts';
import { Tokenizer } from '../src/data/tokenizer.ts';
import { repoRoot } from '../src/home.ts';

const VOCABS = [1024, 2048, 4096, 8192];
const now = () => performance.now();
const secs = (t: number) => (now() - t) / 1000;

const texts = defaultCorpus().domains.flatMap((d) => [...d.docs()].map((doc) => doc.text));
const totalBytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
const mb = totalBytes / 1e6;
console.error(`corpus: ${texts.length} documents, ${mb.toFixed(1)} MB`);

// BPE training on the same per-domain sample prepare uses (approximated: all text, capped per domain)
let t = now();
const counts = new Map<string, number>();
for (const d of defaultCorpus().domains) {
  let used = 0;
  for (const doc of d.docs()) {
    if (used >= TOKENIZER_SAMPLE_BYTES_PER_DOMAIN) break;
    splitPieces(doc.text, (p) => counts.set(p, (counts.get(p) ?? 0) + 1));
    used += Buffer.byteLength(doc.text);
  }
}
const countSeconds = secs(t);
t = now();
const merges = trainBpe(counts, { vocabSize: DEFAULT_VOCAB });
const mergeSeconds = secs(t);
console.error(
  `bpe: count ${countSeconds.toFixed(2)} s, ${merges.length} merges ${mergeSeconds.toFixed(2)} s`,
);

function encodeAll(tok: Tokenizer): { seconds: number; tokens: number } {
  const t0 = now();
  let tokens = 0;
  for (const s of texts) tok.encodePieces(s, (ids) => (tokens += ids.length));
  return { seconds: secs(t0), tokens };
}
const floorT = now();
let pieces = 0;
for (const s of texts) splitPieces(s, () => pieces++);
const floorSeconds = secs(floorT);
const cold = encodeAll(new Tokenizer(merges));
const warmTok = new Tokenizer(merges);
encodeAll(warmTok);
const warm = encodeAll(warmTok);
const uncachedTok = new Tokenizer(merges);
uncachedTok.useCache = false;
const uncached = encodeAll(uncachedTok);
console.error(`encode: cached ${cold.seconds.toFixed(2)} s, uncached ${uncached.seconds.toFixed(2)} s`);

// the whole pipeline, in a throwaway FLYWHEEL_HOME
const home = mkdtempSync(join(tmpdir(), 'flywheel-bench-'));
process.env.FLYWHEEL_HOME = home;
const sweep: Array<{ vocab: number; seconds: number; bytesPerToken: number; unigramBpb: number }> = [];
let cachedSeconds = 0;
for (const vocab of VOCABS) {
  t = now();
  const { meta } = await prepareDataset({ vocabSize: vocab });
  sweep.push({ vocab, seconds: secs(t), bytesPerToken: meta.bytesPerToken, unigramBpb: meta.unigramBpb });
  if (vocab === DEFAULT_VOCAB) {
    t = now();
    const again = await prepareDataset({ vocabSize: vocab });
    cachedSeconds = secs(t);
    if (!again.cached) throw new Error('second prepare was not a cache hit');
  }
  console.error(`prepare vocab ${vocab}: ${sweep[sweep.length - 1].seconds.toFixed(2)} s`);
}
rmSync(home, { recursive: true, force: true });

const f2 = (x: number) => x.toFixed(2);
const rate = (s: number) => f2(mb / s);
const cold2048 = sweep.find((s) => s.vocab === DEFAULT_VOCAB) as (typeof sweep)[number];
const cpu = cpus();
const section = `## Tokenizer

\`npx tsx bench/tokenizer.ts\` — ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version},
default corpus ${mb.toFixed(1)} MB / ${texts.length} documents, vocab ${DEFAULT_VOCAB} unless noted. One thread
(encoding at this speed does not need worker_threads).

| step | seconds | MB/s | vs baseline |
|---|---|---|---|
| BPE training: count pre-tokens (${counts.size} distinct) | ${f2(countSeconds)} | | |
| BPE training: ${merges.length} merges (incremental pair counts + heap) | ${f2(mergeSeconds)} | | |
| encode, baseline: same BPE, no per-piece cache | ${f2(uncached.seconds)} | ${rate(uncached.seconds)} | 1.00x |
| encode, per-piece cache, cold | ${f2(cold.seconds)} | ${rate(cold.seconds)} | ${f2(uncached.seconds / cold.seconds)}x |
| encode, per-piece cache, warm | ${f2(warm.seconds)} | ${rate(warm.seconds)} | ${f2(uncached.seconds / warm.seconds)}x |
| floor: pre-tokenize only (regex split) | ${f2(floorSeconds)} | ${rate(floorSeconds)} | ${f2(uncached.seconds / floorSeconds)}x |
| \`prepareDataset\` cold (read, hash, split, BPE, encode, write) | ${f2(cold2048.seconds)} | | |
| \`prepareDataset\` cached (quick key hit) | ${cachedSeconds.toFixed(3)} | | |

Tokenizing the default corpus (BPE training + encoding): ${f2(countSeconds + mergeSeconds + cold.seconds)} s (limit: 60 s).

| vocab | bytes/token | unigram bpb (val) | prepare s |
|---|---|---|---|
${sweep.map((s) => `| ${s.vocab} | ${f2(s.bytesPerToken)} | ${f2(s.unigramBpb)} | ${f2(s.seconds)} |`).join('\n')}
`;
console.log(section);

const file = join(repoRoot, 'BENCHMARKS.md');
const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
const re = /## Tokenizer\n[\s\S]*?(?=\n## |$)/;
const next = re.test(old) ? old.replace(re, section.trimEnd() + '\n') : `${old.trimEnd()}\n\n${section}`;
writeFileSync(file, next);
console.error(`wrote ${file}`);
