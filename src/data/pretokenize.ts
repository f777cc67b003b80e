/**
 * Pre-tokenization: split text into the pieces BPE merges inside of (merges never cross a piece
 * boundary). This is the GPT-4 (cl100k) pattern in JavaScript syntax: contractions, a word with at most
 * one leading non-letter (so " the" and "(the" stay one piece), numbers in 1-3 digit groups (so a small
 * vocabulary is not spent on numbers), punctuation runs with their trailing newlines, and whitespace where
 * a run before a word leaves its last space to the word ("\s+(?!\S)").
 *
 * The alternatives together match every code point (lone surrogates included, as `[^\s\p{L}\p{N}]`), so
 * the pieces concatenate back to the input; `splitPieces` still covers any gap defensively.
 */

export const PRETOKEN_PATTERN =
  "'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * Longest piece in UTF-16 code units. Longer runs (ASCII art, a megabyte of spaces) are cut into chunks
 * of this size: merging across such a cut would never earn a vocabulary slot, and the cut bounds the
 * quadratic per-piece merge loop in the encoder.
 */
export const MAX_PIECE_CHARS = 256;

const pattern = new RegExp(PRETOKEN_PATTERN, 'gu');

/** Calls `emit` for each pre-token of `text`, in order; their concatenation is `text`. */
export function splitPieces(text: string, emit: (piece: string) => void): void {
  pattern.lastIndex = 0;
  let last = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m.index > last) emitBounded(text.slice(last, m.index), emit);
    const piece = m[0];
    if (piece.length === 0) {
      pattern.lastIndex++; // cannot happen with this pattern; guards against an infinite loop
      continue;
    }
    emitBounded(piece, emit);
    last = m.index + piece.length;
  }
  if (last < text.length) emitBounded(text.slice(last), emit);
}

/** All pre-tokens of `text` as an array (tests, small inputs). */
export function pretokenize(text: string): string[] {
  const out: string[] = [];
  splitPieces(text, (p) => out.push(p));
  return out;
}

function emitBounded(piece: string, emit: (piece: string) => void): void {
  if (piece.length <= MAX_PIECE_CHARS) {
    emit(piece);
    return;
  }
  let start = 0;
  while (start < piece.length) {
    let end = Math.min(start + MAX_PIECE_CHARS, piece.length);
    // never separate a surrogate pair
    const c = piece.charCodeAt(end - 1);
    if (end < piece.length && c >= 0xd800 && c <= 0xdbff) end--;
    emit(piece.slice(start, end));
    start = end;
  }
}
