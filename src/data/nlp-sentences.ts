/**
 * npm `nlp-corpus`: 100,000 English sentences from mixed sources (lyrics, transcripts, UN documents,
 * reddit, fiction, SMS...) in 100 JSON arrays, already shuffled by the package. The `sentences` domain.
 *
 * A document is a run of SENTENCES_PER_DOC consecutive sentences, one per line. The sentences are
 * unrelated, so the grouping only sets the document size (~1.8 KB, similar to a Brown paragraph group)
 * and the split granularity (5,000 documents; the val set samples all sources evenly).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FlywheelError } from '../errors.ts';
import type { Doc, DomainInput } from './corpus.ts';
import { memo } from './corpus.ts';
import { packageDir } from './packages.ts';

export const SENTENCES_PER_DOC = 20;

/** builds/doc-N.json, in numeric order of N. */
export function sentenceFiles(dir = join(packageDir('nlp-corpus'), 'builds')): string[] {
  return readdirSync(dir)
    .map((f) => /^doc-(\d+)\.json$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => join(dir, m[0]));
}

export function sentencesDomain(files = sentenceFiles()): DomainInput {
  return { name: 'sentences', sources: ['nlp-corpus'], docs: memo(() => files.flatMap(sentenceDocs)) };
}

function sentenceDocs(file: string): Doc[] {
  const sentences: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(sentences) || !sentences.every((s) => typeof s === 'string')) {
    throw new FlywheelError('bad_data', `${file} is not a JSON array of strings`);
  }
  const name = basename(file, '.json');
  const docs: Doc[] = [];
  for (let i = 0; i < sentences.length; i += SENTENCES_PER_DOC) {
    const text = sentences
      .slice(i, i + SENTENCES_PER_DOC)
      .map((s: string) => s.trim())
      .join('\n');
    docs.push({ id: `${name}#${i / SENTENCES_PER_DOC}`, text });
  }
  return docs;
}
