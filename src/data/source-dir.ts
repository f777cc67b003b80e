/**
 * `flywheel prepare --source DIR`: a user's text folder as a corpus.
 *
 *   DIR/<name>/**   one domain per subfolder (files anywhere below it are its documents)
 *   DIR/*           files directly in DIR form one more domain named after DIR itself
 *                   (so a flat folder of files is a single domain)
 *
 * Names are lower-cased and anything outside [a-z0-9_-] becomes '_'. Hidden files and folders (".*")
 * are ignored. Policies, each reported in one line naming the file or folder:
 *   - missing DIR, or DIR not a folder: error;
 *   - a domain with no non-empty file (an empty folder): error;
 *   - empty files: skipped and counted (reported by prepare);
 *   - a file that is not valid UTF-8: error, with the byte offset. Silently dropping or mangling a
 *     user's file would change their dataset without them noticing; converting it is one iconv away;
 *   - huge files: read in 1 MiB blocks and cut into documents of at most DOC_MAX_CHARS, so nothing
 *     holds a whole file in memory; the total is capped at MAX_TOTAL_BYTES (error past it);
 *   - symbolic links: followed only to a regular file inside DIR; a link out of DIR (it could pull
 *     ~/.ssh or a secret into shards and the tokenizer), a dangling link or a linked folder is skipped
 *     and listed (SECURITY.md, "Smaller guarantees");
 *   - binary files: a NUL byte in the first BINARY_SNIFF_BYTES skips the file (listed); one found later
 *     while reading is an error naming the file and offset.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { FlywheelError } from '../errors.ts';
import { chunkEnd } from './chunk.ts';
import type { Corpus, Doc, DomainInput } from './corpus.ts';
import { firstInvalidUtf8 } from './utf8-check.ts';

export const SOURCE_LIMITS = {
  MAX_TOTAL_BYTES: 1 << 30, // 1 GiB: ~2 min to tokenize on 2 cores, ~0.5 GB of uint16 shards
  DOC_MAX_CHARS: 1 << 16, // 64 Ki characters per document
  READ_BLOCK_BYTES: 1 << 20,
  BINARY_SNIFF_BYTES: 8000, // as git decides "binary"
};

/** What a scan left out, by reason (relative paths). */
interface Skipped {
  empty: string[];
  links: string[];
  binary: string[];
}

export function sourceCorpus(dir: string): Corpus {
  let root = resolve(dir);
  let isDir: boolean;
  try {
    isDir = statSync(root).isDirectory();
    root = realpathSync(root); // the folder itself may be a link; what is inside it is judged from here
  } catch {
    throw new FlywheelError('not_found', `--source folder not found: ${root}`);
  }
  if (!isDir) throw new FlywheelError('bad_input', `--source ${root} is a file; give a folder of text files`);

  const skipped: Skipped = { empty: [], links: [], binary: [] };
  const scan = scanner(root, skipped);
  const entries = scan.list(root);
  const subdirs = entries.filter((e) => e.dir).map((e) => e.path);
  const topFiles = entries.filter((e) => !e.dir).map((e) => e.path);
  if (subdirs.length === 0 && topFiles.length === 0) {
    throw new FlywheelError('bad_input', `--source folder ${root} is empty`);
  }
  const groups: Array<{ name: string; folder: string; files: string[] }> = subdirs.map((d) => ({
    name: domainName(basename(d), d),
    folder: d,
    files: scan.walk(d),
  }));
  if (topFiles.length > 0)
    groups.push({ name: domainName(basename(root), root), folder: root, files: topFiles });

  const empty = skipped.empty;
  let total = 0;
  const domains: DomainInput[] = groups.map((g) => {
    const files: string[] = [];
    for (const f of g.files) {
      const size = statSync(f).size;
      if (size === 0) empty.push(relative(root, f) || basename(f));
      else files.push(f);
      total += size;
    }
    if (files.length === 0) {
      throw new FlywheelError('bad_data', `domain folder ${g.folder} has no non-empty files`);
    }
    if (total > SOURCE_LIMITS.MAX_TOTAL_BYTES) {
      throw new FlywheelError(
        'bad_input',
        `--source ${root} holds more than ${SOURCE_LIMITS.MAX_TOTAL_BYTES} bytes (the cap; reached at ${g.folder})`,
      );
    }
    return { name: g.name, sources: [g.folder], docs: () => fileDocs(root, files) };
  });
  return {
    source: root,
    domains,
    inputs: () => groups.flatMap((g) => g.files),
    fingerprint: '',
    skipped,
  };
}

/**
 * Lists a folder without following links out of `root`: entries are real folders, regular files, or
 * links to a regular file inside `root` (read through the link's target). Everything else is skipped
 * into `skipped`, binary files too.
 */
function scanner(root: string, skipped: Skipped) {
  const rel = (p: string) => relative(root, p) || basename(p);
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const entry = (p: string): { path: string; dir: boolean } | undefined => {
    const st = lstatSync(p);
    let path = p;
    if (st.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(p);
      } catch {
        skipped.links.push(`${rel(p)} (dangling link)`);
        return undefined;
      }
      const tst = statSync(target);
      if (!inside(target) || !tst.isFile()) {
        skipped.links.push(
          `${rel(p)} (link to ${tst.isDirectory() ? 'a folder' : 'a file'}${inside(target) ? '' : ' outside the folder'})`,
        );
        return undefined;
      }
      path = target;
    } else if (st.isDirectory()) return { path, dir: true };
    else if (!st.isFile()) return undefined; // sockets, fifos, devices: never read
    if (looksBinary(path)) {
      skipped.binary.push(rel(p));
      return undefined;
    }
    return { path, dir: false };
  };
  const list = (dir: string) =>
    readdirSync(dir)
      .filter((n) => !n.startsWith('.'))
      .sort()
      .map((n) => entry(join(dir, n)))
      .filter((e) => e !== undefined);
  const walk = (dir: string): string[] => list(dir).flatMap((e) => (e.dir ? walk(e.path) : [e.path]));
  return { list, walk };
}

/** A NUL byte in the first BINARY_SNIFF_BYTES: not text (images, archives, compiled files). */
function looksBinary(file: string): boolean {
  const buf = Buffer.alloc(SOURCE_LIMITS.BINARY_SNIFF_BYTES);
  const fd = openSync(file, 'r');
  try {
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).includes(0);
  } finally {
    closeSync(fd);
  }
}

function domainName(raw: string, folder: string): string {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 64);
  if (name === '')
    throw new FlywheelError('bad_input', `folder ${folder} gives no usable domain name; rename it`);
  return name;
}

function* fileDocs(root: string, files: string[]): Generator<Doc> {
  for (const f of files) yield* readDocs(f, relative(root, f) || basename(f));
}

/** Streams one file as documents `<rel>#<k>` of at most DOC_MAX_CHARS, validating UTF-8 as it goes. */
export function* readDocs(file: string, rel: string): Generator<Doc> {
  const { DOC_MAX_CHARS, READ_BLOCK_BYTES } = SOURCE_LIMITS;
  const decoder = new TextDecoder('utf-8', { fatal: true }); // strips a leading BOM
  const buf = Buffer.allocUnsafe(READ_BLOCK_BYTES);
  const fd = openSync(file, 'r');
  let pending = '';
  let k = 0;
  let pos = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, READ_BLOCK_BYTES, pos);
      try {
        pending += decoder.decode(buf.subarray(0, n), { stream: n > 0 });
      } catch {
        const at = pos + Math.max(0, firstInvalidUtf8(buf.subarray(0, n)));
        throw new FlywheelError(
          'bad_data',
          `${file} is not valid UTF-8 (byte ${at}); convert it (e.g. iconv -f latin1 -t utf-8) or remove it`,
        );
      }
      const nul = buf.subarray(0, n).indexOf(0);
      if (nul >= 0)
        throw new FlywheelError(
          'bad_data',
          `${file} holds a NUL byte (byte ${pos + nul}): it is binary, not text; remove it from the folder`,
        );
      pos += n;
      while (pending.length > DOC_MAX_CHARS || (n === 0 && pending.length > 0)) {
        const end = chunkEnd(pending, 0, DOC_MAX_CHARS);
        yield { id: `${rel}#${k++}`, text: pending.slice(0, end) };
        pending = pending.slice(end);
      }
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}
