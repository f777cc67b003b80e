/**
 * On-disk format of a prepared dataset, `$FLYWHEEL_HOME/data/<hash>/`. Written by `flywheel prepare`
 * (TypeScript), read by the trainer harness (Python). Both sides must agree on this file.
 *
 *   meta.json             DatasetMeta below
 *   tokenizer.json        byte-level BPE: { version, vocabSize, eot, merges: [[a,b],...], pattern }
 *   token_bytes.u16       uint16 little-endian, one entry per token id: UTF-8 byte length of the token.
 *                         Special tokens (EOT) have length 0 and are excluded from loss and bytes in bpb.
 *   <domain>.train.u16    uint16 LE token ids, documents joined with the EOT token (EOT also precedes doc 0)
 *   <domain>.val.u16      same, the fixed validation documents of that domain; training never reads it
 *
 * bpb = sum(nats over scored targets) / (ln 2 * sum(token_bytes[target])), which does not depend on the
 * tokenizer, so runs on different vocabularies compare.
 */
import { z } from 'zod';

export const DomainMeta = z.object({
  name: z.string(),
  trainTokens: z.number().int(), // shard length in tokens, one EOT per document included
  valTokens: z.number().int(),
  trainBytes: z.number().int(), // UTF-8 bytes of the text behind the train tokens
  valBytes: z.number().int(),
  trainDocs: z.number().int(),
  valDocs: z.number().int(),
  unigramBpb: z.number(), // naive baseline: val bits/byte under the train unigram token distribution
  sources: z.array(z.string()), // what the domain was built from (package/genre names or folders)
});
export type DomainMeta = z.infer<typeof DomainMeta>;

export const DatasetMeta = z.object({
  formatVersion: z.literal(1),
  hash: z.string(), // content hash of (source texts, split, tokenizer settings)
  source: z.string(), // 'default' or the absolute --source folder
  vocabSize: z.number().int(),
  eotToken: z.number().int(),
  domains: z.array(DomainMeta),
  unigramBpb: z.number(), // overall naive baseline: pooled val sets under the pooled train unigram
  bytesPerToken: z.number(), // train bytes / train text tokens (EOT separators not counted)
  createdAt: z.string(),
  prepareSeconds: z.number(),
  skippedFiles: z.array(z.string()).default([]), // --source: empty files left out (relative paths)
});
export type DatasetMeta = z.infer<typeof DatasetMeta>;

export const META_FILE = 'meta.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKEN_BYTES_FILE = 'token_bytes.u16';
export const trainShard = (domain: string) => `${domain}.train.u16`;
export const valShard = (domain: string) => `${domain}.val.u16`;
