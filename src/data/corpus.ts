/**
 * What a corpus builder hands to `prepare`: named domains, each a re-iterable sequence of documents.
 *
 * `docs()` may be called several times (hash, tokenizer sample, encode) and must yield the same documents
 * in the same order each time; builders over big user folders stream from disk on every call instead of
 * holding the text in memory. `inputs()` lists the files the corpus is built from, for the cache's
 * quick key (path + size + mtime): if none changed, `prepare` reuses the dataset without reading them.
 */
import { DOMAIN_NAME } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';

export interface Doc {
  id: string; // stable within its domain (file path, chunk index); the train/val split hashes it
  text: string;
}

export interface DomainInput {
  name: string;
  sources: string[]; // what it was built from, for meta.json (genres, packages, folders)
  docs: () => Iterable<Doc>;
}

export interface Corpus {
  source: string; // 'default' or the absolute --source folder
  domains: DomainInput[];
  inputs: () => string[]; // absolute paths of every file read
  /** Extra quick-key material, e.g. package versions (a same-size, same-mtime edit would slip past stat). */
  fingerprint: string;
  /** Files skipped while scanning (empty; links out of the folder; binary), reported by `prepare`. */
  skipped: { empty: string[]; links?: string[]; binary?: string[] };
}

/** Domain names become shard file names and `data.mixture.<domain>` config keys: one grammar for both. */
export { DOMAIN_NAME };

export function checkDomainNames(domains: DomainInput[]): void {
  const seen = new Set<string>();
  for (const d of domains) {
    if (!DOMAIN_NAME.test(d.name)) {
      throw new FlywheelError('bad_input', `domain name "${d.name}" must match ${DOMAIN_NAME.source}`);
    }
    if (seen.has(d.name)) throw new FlywheelError('bad_input', `two domains are named "${d.name}"`);
    seen.add(d.name);
  }
}

/** Keeps a builder's documents in memory after the first pass (small embedded corpora only). */
export function memo(make: () => Doc[]): () => Doc[] {
  let docs: Doc[] | undefined;
  return () => (docs ??= make());
}
