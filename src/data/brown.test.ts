import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BROWN_DOMAINS,
  brownCategories,
  brownDir,
  brownDomains,
  brownText,
  detokenize,
  stripTag,
} from './brown.ts';

test('stripTag removes what follows the last slash and keeps slashes inside words', () => {
  assert.equal(stripTag('jury/nn'), 'jury');
  assert.equal(stripTag('1/2/cd'), '1/2');
  assert.equal(stripTag("Atlanta's/np$"), "Atlanta's");
  assert.equal(stripTag('./.'), '.');
});

test("detokenize glues punctuation and turns `` and '' into double quotes", () => {
  const words = ['He', 'said', ',', '``', 'Go', 'home', "''", '.', '(', 'Really', ')', 'Yes', '!'];
  assert.equal(detokenize(words), 'He said, "Go home". (Really) Yes!');
});

test('detokenize alternates a bare single quote between opening and closing', () => {
  assert.equal(detokenize(['the', "'", 'Met', "'", 'is', 'back']), "the 'Met' is back");
});

test('detokenize writes one period after an abbreviation that ends a sentence', () => {
  assert.equal(detokenize(['Ivan', 'Allen', 'Jr.', '.']), 'Ivan Allen Jr.');
});

test('brownText keeps paragraph breaks and puts headlines on their own paragraph', () => {
  const raw = [
    '',
    '\tThe/at jury/nn said/vbd ./.',
    'It/pps agreed/vbd ./.',
    '',
    'Merger/nn-hl proposed/vbn-hl ',
    'However/wrb ,/, no/at ./.',
    '',
    '\tNext/ap paragraph/nn ./.',
  ].join('\n');
  assert.equal(
    brownText(raw),
    'The jury said. It agreed.\n\nMerger proposed\n\nHowever, no.\n\nNext paragraph.',
  );
});

test('the first Brown file reads as plain English without tags', () => {
  const text = brownText(readFileSync(join(brownDir(), 'ca01'), 'utf8'));
  assert.ok(text.startsWith("The Fulton County Grand Jury said Friday an investigation of Atlanta's recent"));
  assert.ok(text.includes('produced "no evidence" that any irregularities took place.'));
  assert.doesNotMatch(text, /\/(nn|at|vbd|in)\b/);
});

test('every one of the 15 Brown genres belongs to exactly one domain', () => {
  const genres = new Set(brownCategories().map(([, g]) => g));
  assert.equal(genres.size, 15);
  const grouped = Object.values(BROWN_DOMAINS).flat();
  assert.equal(grouped.length, 15);
  assert.deepEqual(new Set(grouped), genres);
  const files = brownDomains().map((d) => [...d.docs()].length);
  assert.equal(
    files.reduce((a, b) => a + b, 0),
    500,
  );
});
