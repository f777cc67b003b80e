/**
 * UTF-8 helpers shared by the tokenizer and the corpus readers. JavaScript strings are UTF-16 and may
 * hold lone surrogates; those encode as U+FFFD (EF BF BD), exactly as TextEncoder and Buffer do, so
 * `decode(encode(s)) === s.toWellFormed()`.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8'); // lenient: invalid sequences decode to U+FFFD

/** UTF-8 bytes of `s` (ASCII fast path: most pre-tokens are ASCII). */
export function utf8Bytes(s: string): Uint8Array {
  const n = s.length;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return encoder.encode(s);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** UTF-8 byte length of `s`, counting a lone surrogate as the 3 bytes of U+FFFD. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
