/**
 * Content-addressed datasets: `$FLYWHEEL_HOME/data/<hash>/`, where the hash covers everything that
 * determines the bytes written — the documents (ids and texts), the source, the split and tokenizer
 * settings and PIPELINE_VERSION. Computing it means reading the whole corpus (~1 s for the default), so a
 * second level makes a repeat `prepare` instant without reading anything:
 *
 *   quick key = sha256(source, settings, package versions, the code of src/data/*.ts,
 *                      path + size + mtime of every input)
 *   data/index/<quick key>  ->  <hash>
 *
 * If any input file or any line of the pipeline's code changes, the quick key misses and the content
 * hash is recomputed (which still finds the dataset when the texts did not actually change).
 *
 * Writes are atomic: a dataset is built in `data/.tmp-<hash>-<pid>-<n>/` and renamed into place, so a
 * killed prepare leaves no half dataset; stale tmp dirs of dead processes are removed on the next run.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Corpus } from './corpus.ts';

/** Bump when a change to builders, split or tokenizer alters the output for the same inputs. */
export const PIPELINE_VERSION = 1;

const INDEX_DIR = 'index';
const TMP_PREFIX = '.tmp-';

export function quickKey(corpus: Corpus, settings: unknown): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ source: corpus.source, fp: corpus.fingerprint, settings, pipeline: PIPELINE_VERSION }),
  );
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of readdirSync(here).sort()) {
    if (f.endsWith('.ts') && !f.endsWith('.test.ts')) h.update(f).update(readFileSync(join(here, f)));
  }
  for (const p of corpus.inputs()) {
    const st = statSync(p);
    h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 32);
}

export function readIndex(root: string, key: string): string | undefined {
  try {
    const hash = readFileSync(join(root, INDEX_DIR, key), 'utf8').trim();
    return /^[0-9a-f]+$/.test(hash) ? hash : undefined;
  } catch {
    return undefined;
  }
}

export function writeIndex(root: string, key: string, hash: string): void {
  const dir = join(root, INDEX_DIR);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${TMP_PREFIX}${key}-${process.pid}`);
  writeFileSync(tmp, `${hash}\n`);
  renameSync(tmp, join(dir, key));
}

/** Incremental content hash: header settings, then each domain's documents, length-prefixed. */
export class ContentHash {
  private readonly h: Hash = createHash('sha256');

  constructor(header: unknown) {
    this.field(JSON.stringify({ pipeline: PIPELINE_VERSION, ...(header as object) }));
  }

  field(s: string): this {
    this.h.update(`${Buffer.byteLength(s)}:`).update(s);
    return this;
  }

  digest(): string {
    return this.h.digest('hex').slice(0, 20);
  }
}

let tmpCounter = 0;

export function makeTmpDir(root: string, hash: string): string {
  const dir = join(root, `${TMP_PREFIX}${hash}-${process.pid}-${tmpCounter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Moves a finished tmp dir to `final`. Without `replace`, a dataset that appeared there meanwhile (a
 * concurrent prepare of the same inputs) wins and the tmp dir is dropped: both are the same bytes.
 */
export function publishDir(tmp: string, final: string, replace: boolean): void {
  if (existsSync(final)) {
    if (!replace) {
      rmSync(tmp, { recursive: true, force: true });
      return;
    }
    const old = `${tmp}.old`;
    renameSync(final, old);
    renameSync(tmp, final);
    rmSync(old, { recursive: true, force: true });
    return;
  }
  try {
    renameSync(tmp, final);
  } catch (e) {
    if (!existsSync(final)) throw e;
    rmSync(tmp, { recursive: true, force: true }); // lost a race to an identical dataset
  }
}

/** Removes tmp dirs left by prepare processes that no longer exist. */
export function removeStaleTmp(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.tmp-[0-9a-f]+-(\d+)-\d+/.exec(name);
    if (m && !alive(Number(m[1]))) rmSync(join(root, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
