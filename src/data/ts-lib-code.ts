/**
 * The `code` domain: TypeScript's bundled declaration files (`typescript/lib/lib.*.d.ts`, pinned by the
 * lockfile). Declarations with doc comments: real code structure, identifiers, and English in comments.
 *
 * Size control, so code does not dominate the mixture or the tokenizer:
 *   - lib.webworker*.d.ts are skipped: they repeat most of lib.dom.d.ts's interfaces verbatim;
 *   - each file contributes at most CODE_MAX_FILE_BYTES (this truncates lib.dom.d.ts, 2.3 MB of
 *     highly repetitive DOM interfaces, to its first 1 MB);
 *   - the domain stops at CODE_MAX_BYTES in total;
 *   - the Apache licence header every file starts with is removed (100+ copies of the same 800 bytes).
 * A document is a chunk of at most CODE_DOC_CHARS cut at a blank line (chunk.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chunkText } from './chunk.ts';
import type { Doc, DomainInput } from './corpus.ts';
import { memo } from './corpus.ts';
import { packageDir } from './packages.ts';

export const CODE_MAX_FILE_BYTES = 1_000_000;
export const CODE_MAX_BYTES = 3_000_000;
export const CODE_DOC_CHARS = 16_384;

export function codeFiles(dir = join(packageDir('typescript'), 'lib')): string[] {
  return readdirSync(dir)
    .filter((f) => /^lib\..*\.d\.ts$/.test(f) && !f.startsWith('lib.webworker'))
    .sort()
    .map((f) => join(dir, f));
}

export function codeDomain(files = codeFiles()): DomainInput {
  return { name: 'code', sources: ['typescript:lib/lib.*.d.ts'], docs: memo(() => codeDocs(files)) };
}

function codeDocs(files: string[]): Doc[] {
  const docs: Doc[] = [];
  let total = 0;
  for (const file of files) {
    const text = stripLicence(readFileSync(file, 'utf8'));
    let fileBytes = 0;
    const chunks = chunkText(text, CODE_DOC_CHARS);
    for (let i = 0; i < chunks.length; i++) {
      // .d.ts files are ASCII, so chars = bytes here
      if (fileBytes + chunks[i].length > CODE_MAX_FILE_BYTES || total + chunks[i].length > CODE_MAX_BYTES)
        break;
      if (chunks[i].trim() === '') continue;
      docs.push({ id: `${basename(file)}#${i}`, text: chunks[i] });
      fileBytes += chunks[i].length;
      total += chunks[i].length;
    }
  }
  return docs;
}

export function stripLicence(text: string): string {
  const m = /^\/\*![\s\S]*?\*\/\s*/.exec(text);
  return m ? text.slice(m[0].length) : text;
}
