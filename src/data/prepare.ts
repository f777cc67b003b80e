/**
 * `prepareDataset`: find or build the prepared dataset for a corpus (the default one, or `--source DIR`)
 * and a vocabulary size. Other parts (the `run` command) call this to locate the default dataset.
 *
 *   1. quick key (input paths/sizes/mtimes + code) -> index -> cached dataset: no corpus read at all
 *   2. else scan every document once: content hash + sizes; a dataset under that hash is reused
 *   3. else build it in a tmp dir (build-dataset.ts) and publish it atomically
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_VOCAB } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';
import { dataRoot } from '../home.ts';
import { buildDataset, TOKENIZER_SAMPLE_BYTES_PER_DOMAIN } from './build-dataset.ts';
import type { Corpus } from './corpus.ts';
import { checkDomainNames } from './corpus.ts';
import {
  ContentHash,
  makeTmpDir,
  publishDir,
  quickKey,
  readIndex,
  removeStaleTmp,
  writeIndex,
} from './dataset-cache.ts';
import { defaultCorpus } from './default-corpus.ts';
import { DatasetMeta, META_FILE, trainShard, valShard } from './format.ts';
import { sourceCorpus } from './source-dir.ts';
import type { DocSize } from './split.ts';
import { SPLIT } from './split.ts';

/**
 * Default vocabulary: 2048 tokens. Measured on the default corpus (BENCHMARKS.md "Tokenizer"):
 *
 *   vocab          1024   2048   4096   8192   16384
 *   bytes/token    2.52   2.99   3.45   3.89   4.26
 *   unigram bpb    3.45   3.16   2.91   2.70   2.54   (the naive baseline, not a quality measure)
 *
 * What matters for CPU research is compute per byte of text. Training FLOPs/token ~ 6 (N_blocks + V d)
 * (the tied head is a V x d matmul per token). For the `small` preset (d=128, 4 blocks, N_blocks = 0.79M):
 * 2.10 MFLOP/byte at 2048, 2.18 at 1024, 2.28 at 4096, 2.83 at 8192; for `tiny` (d=64, 2 blocks) the
 * gap is wider (0.46 vs 0.63 MFLOP/byte at 2048 vs 4096) because the embedding dominates. Small
 * models also learn rare tokens slowly (few updates per embedding row), and vocabulary scaling-law fits
 * put the optimum for ~1M non-embedding parameters well below 4k. So 2048: the cheapest bytes for the
 * models this machine trains, while 4096+ is one `--vocab` away for GPU presets (gpt2-124m wants >= 8k).
 */
export { DEFAULT_VOCAB };
export const MIN_VOCAB = 257; // 256 bytes + EOT: a pure byte-level tokenizer
export const MAX_VOCAB = 65535; // uint16 shards

export interface PrepareOptions {
  source?: string; // a text folder (one domain per subfolder); default: the embedded corpus
  vocabSize?: number;
  force?: boolean; // rebuild even if a dataset for these inputs exists
  onProgress?: (msg: string) => void;
}

export interface PrepareResult {
  dir: string;
  meta: DatasetMeta;
  cached: boolean;
}

export async function prepareDataset(opts: PrepareOptions = {}): Promise<PrepareResult> {
  const startedAt = performance.now();
  const progress = opts.onProgress ?? (() => {});
  const vocabSize = opts.vocabSize ?? DEFAULT_VOCAB;
  if (!Number.isInteger(vocabSize) || vocabSize < MIN_VOCAB || vocabSize > MAX_VOCAB) {
    throw new FlywheelError(
      'bad_config',
      `vocab size ${vocabSize} must be an integer in ${MIN_VOCAB}..${MAX_VOCAB}`,
    );
  }
  const corpus = opts.source !== undefined ? sourceCorpus(opts.source) : defaultCorpus();
  checkDomainNames(corpus.domains);
  const { empty, links = [], binary = [] } = corpus.skipped;
  for (const [list, what] of [
    [empty, 'empty file(s)'],
    [links, 'link(s) not followed'],
    [binary, 'binary file(s)'],
  ] as const) {
    if (list.length > 0)
      progress(
        `skipping ${list.length} ${what}: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', ...' : ''}`,
      );
  }
  const root = dataRoot();
  mkdirSync(root, { recursive: true });
  removeStaleTmp(root);

  const settings = { vocabSize, split: SPLIT, sampleBytes: TOKENIZER_SAMPLE_BYTES_PER_DOMAIN };
  const key = quickKey(corpus, settings);
  if (!opts.force) {
    const known = readIndex(root, key);
    const hit = known === undefined ? undefined : tryLoad(join(root, known));
    if (hit) return { dir: join(root, known as string), meta: hit, cached: true };
  }

  progress(`reading ${corpus.source === 'default' ? 'the default corpus' : corpus.source}`);
  const { hash, sizes } = scan(corpus, settings, progress);
  const dir = join(root, hash);
  if (!opts.force) {
    const hit = tryLoad(dir);
    if (hit) {
      writeIndex(root, key, hash);
      return { dir, meta: hit, cached: true };
    }
  }
  // a dir that exists here failed validation (e.g. a deleted shard): the new build replaces it. One that
  // appears while we build is a concurrent prepare's identical output, and stays.
  const replace = opts.force === true || existsSync(dir);
  const tmp = makeTmpDir(root, hash);
  buildDataset({ corpus, sizes, hash, vocabSize, dir: tmp, onProgress: progress, startedAt });
  publishDir(tmp, dir, replace);
  writeIndex(root, key, hash);
  return { dir, meta: loadDatasetMeta(dir), cached: false };
}

/** Reads the documents once: content hash and per-domain document sizes. */
function scan(
  corpus: Corpus,
  settings: object,
  progress: (msg: string) => void,
): { hash: string; sizes: Map<string, DocSize[]> } {
  const h = new ContentHash({ source: corpus.source, ...settings });
  const sizes = new Map<string, DocSize[]>();
  let total = 0;
  for (const d of corpus.domains) {
    h.field(d.name).field(JSON.stringify(d.sources));
    const list: DocSize[] = [];
    const ids = new Set<string>();
    for (const doc of d.docs()) {
      if (ids.has(doc.id))
        throw new FlywheelError('bad_data', `domain ${d.name} has two documents with id ${doc.id}`);
      ids.add(doc.id);
      h.field(doc.id).field(doc.text);
      const bytes = Buffer.byteLength(doc.text);
      list.push({ id: doc.id, bytes });
      total += bytes;
    }
    sizes.set(d.name, list);
  }
  const docs = [...sizes.values()].reduce((s, l) => s + l.length, 0);
  progress(`corpus: ${corpus.domains.length} domains, ${docs} documents, ${(total / 1e6).toFixed(1)} MB`);
  return { hash: h.digest(), sizes };
}

/** meta.json of a prepared dataset directory, validated. */
export function loadDatasetMeta(dir: string): DatasetMeta {
  const file = join(dir, META_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FlywheelError(
      missing ? 'not_found' : 'bad_data',
      `${missing ? 'no prepared dataset at' : 'unreadable'} ${file}`,
    );
  }
  const parsed = DatasetMeta.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FlywheelError('bad_data', `${file}: ${issue.path.join('.')} ${issue.message}`);
  }
  return parsed.data;
}

/** A complete dataset at `dir` (meta valid, every shard present with the recorded length), else undefined. */
function tryLoad(dir: string): DatasetMeta | undefined {
  if (!existsSync(join(dir, META_FILE))) return undefined;
  try {
    const meta = loadDatasetMeta(dir);
    for (const d of meta.domains) {
      if (statSync(join(dir, trainShard(d.name))).size !== 2 * d.trainTokens) return undefined;
      if (statSync(join(dir, valShard(d.name))).size !== 2 * d.valTokens) return undefined;
    }
    return meta;
  } catch {
    return undefined;
  }
}
