/**
 * Builds one dataset directory from a corpus whose documents were already scanned (sizes + hash):
 * split -> tokenizer sample -> BPE -> encode every document into shards -> token_bytes, meta.json.
 * Everything is written into `dir` (a tmp dir; prepare.ts publishes it atomically).
 *
 * Encoding runs on one core: with the per-piece cache it does ~8 MB/s, so the default corpus (16 MB)
 * takes ~2 s of a ~5 s prepare; worker threads would save ~1 s (BENCHMARKS.md "Tokenizer").
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainBpe } from './bpe-train.ts';
import type { Corpus } from './corpus.ts';
import type { DatasetMeta, DomainMeta } from './format.ts';
import { META_FILE, TOKEN_BYTES_FILE, TOKENIZER_FILE, trainShard, valShard } from './format.ts';
import { splitPieces } from './pretokenize.ts';
import { ShardWriter, toLittleEndian } from './shard-writer.ts';
import type { DocSize } from './split.ts';
import { chooseValDocs } from './split.ts';
import { Tokenizer } from './tokenizer.ts';
import { addInto, bitsPerByte, histogramBytes, unigramBits } from './unigram.ts';

/**
 * The tokenizer learns from at most this many bytes of each domain's training documents (in document
 * order), so the 9 MB `sentences` domain does not dictate the vocabulary of the 1-1.5 MB domains, and
 * BPE training time stays bounded on huge user corpora.
 */
export const TOKENIZER_SAMPLE_BYTES_PER_DOMAIN = 2_000_000;

export interface BuildInput {
  corpus: Corpus;
  sizes: Map<string, DocSize[]>; // per domain, in document order
  hash: string;
  vocabSize: number;
  dir: string;
  onProgress: (msg: string) => void;
  startedAt: number; // performance.now() when prepare started
}

export function buildDataset(input: BuildInput): DatasetMeta {
  const { corpus, sizes, dir, onProgress } = input;
  const valIds = new Map(corpus.domains.map((d) => [d.name, chooseValDocs(d.name, sizes.get(d.name) ?? [])]));

  const t0 = performance.now();
  const counts = new Map<string, number>();
  for (const d of corpus.domains) {
    const val = valIds.get(d.name) as Set<string>;
    let used = 0;
    for (const doc of d.docs()) {
      if (used >= TOKENIZER_SAMPLE_BYTES_PER_DOMAIN) break;
      if (val.has(doc.id)) continue;
      splitPieces(doc.text, (p) => counts.set(p, (counts.get(p) ?? 0) + 1));
      used += Buffer.byteLength(doc.text);
    }
  }
  const merges = trainBpe(counts, { vocabSize: input.vocabSize, onProgress });
  const tok = new Tokenizer(merges);
  onProgress(`bpe: ${merges.length} merges from ${counts.size} distinct pieces in ${secs(t0)} s`);
  if (tok.vocabSize < input.vocabSize) {
    onProgress(
      `bpe: the corpus supports only ${tok.vocabSize} tokens (asked ${input.vocabSize}); using that`,
    );
  }
  const tokenBytes = tok.tokenByteLengths();
  writeFileSync(join(dir, TOKENIZER_FILE), JSON.stringify(tok.toJSON()));
  writeFileSync(join(dir, TOKEN_BYTES_FILE), toLittleEndian(tokenBytes));

  const t1 = performance.now();
  const domains: DomainMeta[] = [];
  const pooledTrain = new Float64Array(tok.vocabSize);
  const pooledVal = new Float64Array(tok.vocabSize);
  const eot = [tok.eot];
  for (const d of corpus.domains) {
    const val = valIds.get(d.name) as Set<string>;
    const train = new ShardWriter(join(dir, trainShard(d.name)), tok.vocabSize);
    const held = new ShardWriter(join(dir, valShard(d.name)), tok.vocabSize);
    let trainDocs = 0;
    for (const doc of d.docs()) {
      const w = val.has(doc.id) ? held : train;
      if (w === train) trainDocs++;
      w.push(eot); // EOT precedes every document, the first one included
      tok.encodePieces(doc.text, (ids) => w.push(ids));
    }
    train.close();
    held.close();
    addInto(pooledTrain, train.histogram);
    addInto(pooledVal, held.histogram);
    domains.push({
      name: d.name,
      trainTokens: train.tokens,
      valTokens: held.tokens,
      trainBytes: histogramBytes(train.histogram, tokenBytes),
      valBytes: histogramBytes(held.histogram, tokenBytes),
      trainDocs,
      valDocs: val.size,
      unigramBpb: round(bitsPerByte(unigramBits(train.histogram, held.histogram, tokenBytes, tok.eot))),
      sources: d.sources,
    });
    onProgress(`encode: ${d.name} ${train.tokens} train + ${held.tokens} val tokens`);
  }
  onProgress(`encode: ${secs(t1)} s`);

  const trainTokens = domains.reduce((s, d) => s + d.trainTokens - d.trainDocs, 0); // text tokens, no EOT
  const trainBytes = domains.reduce((s, d) => s + d.trainBytes, 0);
  const meta: DatasetMeta = {
    formatVersion: 1,
    hash: input.hash,
    source: corpus.source,
    vocabSize: tok.vocabSize,
    eotToken: tok.eot,
    domains,
    unigramBpb: round(bitsPerByte(unigramBits(pooledTrain, pooledVal, tokenBytes, tok.eot))),
    bytesPerToken: round(trainBytes / Math.max(1, trainTokens)),
    createdAt: new Date().toISOString(),
    prepareSeconds: Number(secs(input.startedAt)),
    skippedFiles: corpus.skipped.empty,
  };
  writeFileSync(join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const secs = (since: number) => ((performance.now() - since) / 1000).toFixed(2);
