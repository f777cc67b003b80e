import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { brownDir, brownText } from './brown.ts';
import { trainBpe } from './bpe-train.ts';
import { MAX_PIECE_CHARS, pretokenize } from './pretokenize.ts';
import { Tokenizer } from './tokenizer.ts';

/** Lone surrogates -> U+FFFD (String.prototype.toWellFormed, which our ES2023 lib typings lack). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\ufffd');

const text = brownText(readFileSync(join(brownDir(), 'ca01'), 'utf8'));

function count(s: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of pretokenize(s)) m.set(p, (m.get(p) ?? 0) + 1);
  return m;
}

/** Reference BPE: recount every pair after every merge (slow, obviously right). */
function naiveBpe(counts: Map<string, number>, vocabSize: number): Array<[number, number]> {
  const words = [...counts].map(([w, f]) => ({ syms: [...Buffer.from(w, 'utf8')], f }));
  const merges: Array<[number, number]> = [];
  for (let z = 256; z < vocabSize - 1; z++) {
    const pairs = new Map<number, number>();
    for (const { syms, f } of words) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i] * 65536 + syms[i + 1];
        pairs.set(k, (pairs.get(k) ?? 0) + f);
      }
    }
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairs)
      if (c > bestCount || (c === bestCount && k < best)) [best, bestCount] = [k, c];
    if (bestCount < 2) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    merges.push([a, b]);
    for (const w of words) {
      const out: number[] = [];
      for (let i = 0; i < w.syms.length; i++) {
        if (i + 1 < w.syms.length && w.syms[i] === a && w.syms[i + 1] === b) {
          out.push(z);
          i++;
        } else out.push(w.syms[i]);
      }
      w.syms = out;
    }
  }
  return merges;
}

test('pre-tokens concatenate back to the input, including odd Unicode', () => {
  const s = "It's 12345 apples,\n\n  (café) 東京 👍🏽 e\u0301 \ud800 x\tY\r\n  end";
  assert.equal(pretokenize(s).join(''), s);
  assert.deepEqual(pretokenize("I'll pay 12345!"), ['I', "'ll", ' pay', ' ', '123', '45', '!']);
});

test('a very long run is cut into pieces of bounded length without splitting a surrogate pair', () => {
  const s = '😀'.repeat(MAX_PIECE_CHARS);
  const pieces = pretokenize(s);
  assert.equal(pieces.join(''), s);
  assert.ok(pieces.every((p) => p.length <= MAX_PIECE_CHARS && wellFormed(p) === p));
});

test('incremental BPE training finds the same merges as recounting after every merge', () => {
  const counts = count(text);
  assert.deepEqual(trainBpe(counts, { vocabSize: 500 }), naiveBpe(counts, 500));
  // overlapping pairs (aaaa), alternations and repeats inside one word
  const odd = count('aaaaaaa aaaa abababab aabaab ' + 'zzzzzz '.repeat(3) + 'xyxyxyxyx aaa');
  assert.deepEqual(trainBpe(odd, { vocabSize: 300 }), naiveBpe(odd, 300));
});

test('BPE training is deterministic whatever order the words arrive in', () => {
  const counts = count(text);
  const reversed = new Map([...counts].reverse());
  assert.deepEqual(trainBpe(counts, { vocabSize: 600 }), trainBpe(reversed, { vocabSize: 600 }));
});

test('training stops early when no pair occurs twice', () => {
  const merges = trainBpe(new Map([['abcd', 1]]), { vocabSize: 1000 });
  assert.equal(merges.length, 0);
});

test('decode(encode(x)) returns x for arbitrary Unicode and the well-formed x for lone surrogates', () => {
  const tok = new Tokenizer(trainBpe(count(text), { vocabSize: 600 }));
  const samples = [
    text,
    '',
    'naïve café — “quotes” 東京タワー 👩‍👩‍👧 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e\u0301\u0302',
    '\u0000\u0001\t\r\n   \u00a0\u2028 <|endoftext|>',
    'x'.repeat(5000) + ' ' + '-'.repeat(700),
  ];
  for (const s of samples) assert.equal(tok.decode(tok.encode(s)), s);
  const broken = 'a\ud800b\udc00c\udbff';
  assert.equal(tok.decode(tok.encode(broken)), wellFormed(broken));
  assert.equal(tok.decode(tok.encode(broken)), 'a\ufffdb\ufffdc\ufffd');
});

test('random code points survive a round trip', () => {
  const tok = new Tokenizer(trainBpe(count(text), { vocabSize: 400 }));
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 50; n++) {
    let s = '';
    for (let i = 0; i < 40; i++) {
      const r = rand();
      s += String.fromCodePoint(r < 0.5 ? 32 + Math.floor(rand() * 95) : Math.floor(rand() * 0x10ffff));
    }
    assert.equal(tok.decode(tok.encode(s)), wellFormed(s));
  }
});

test('encoding compresses text, never emits EOT, and the cache does not change the result', () => {
  const tok = new Tokenizer(trainBpe(count(text), { vocabSize: 800 }));
  const ids = tok.encode(text);
  assert.ok(ids.length < Buffer.byteLength(text) / 2);
  assert.ok(!ids.includes(tok.eot));
  tok.useCache = false;
  assert.deepEqual(tok.encode(text), ids);
});

test('a tokenizer saved as JSON loads back identical, with byte lengths for every token', () => {
  const tok = new Tokenizer(trainBpe(count(text), { vocabSize: 400 }));
  const again = Tokenizer.fromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
  assert.deepEqual(again.encode(text), tok.encode(text));
  const lens = tok.tokenByteLengths();
  assert.equal(lens.length, tok.vocabSize);
  assert.equal(lens[tok.eot], 0);
  assert.equal(lens[65], 1);
  const ids = tok.encode(text);
  assert.equal(
    ids.reduce((s, id) => s + lens[id], 0),
    Buffer.byteLength(text),
  );
});
