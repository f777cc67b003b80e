/**
 * Cutting long text into documents of bounded size at natural boundaries: the last blank line before the
 * limit, else the last newline, else the limit itself (never inside a surrogate pair). Used for the code
 * domain's big lib files and for huge user files, so one file cannot be one giant document.
 */

/** Where to end a chunk of `text` starting at `start`, at most `maxChars` later. */
export function chunkEnd(text: string, start: number, maxChars: number): number {
  if (text.length - start <= maxChars) return text.length;
  const limit = start + maxChars;
  const floor = start + (maxChars >> 1); // don't make chunks smaller than half the limit
  const para = text.lastIndexOf('\n\n', limit - 2);
  if (para >= floor) return para + 2;
  const line = text.lastIndexOf('\n', limit - 1);
  if (line >= floor) return line + 1;
  const c = text.charCodeAt(limit - 1);
  return c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit;
}

/** All chunks of `text`; their concatenation is `text`. */
export function chunkText(text: string, maxChars: number): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length;) {
    const end = chunkEnd(text, start, maxChars);
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}
