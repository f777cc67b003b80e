/**
 * The naive baseline every model must beat: bits per byte of the val tokens under the unigram
 * distribution of the train tokens, add-one smoothed over the non-special vocabulary:
 *
 *   p(t) = (train[t] + 1) / (N_train + V - 1)   for t != EOT,      bpb = -sum_val log2 p(t) / val bytes
 *
 * EOT is excluded on both sides, as in the trainer's bpb (token_bytes[EOT] = 0 and it is not scored).
 */

export interface BitsAndBytes {
  bits: number;
  bytes: number;
}

export function unigramBits(
  train: Float64Array,
  val: Float64Array,
  tokenBytes: Uint16Array,
  eot: number,
): BitsAndBytes {
  let n = 0;
  for (let t = 0; t < train.length; t++) if (t !== eot) n += train[t];
  const denom = n + train.length - 1;
  let bits = 0;
  let bytes = 0;
  for (let t = 0; t < val.length; t++) {
    if (t === eot || val[t] === 0) continue;
    bits -= val[t] * Math.log2((train[t] + 1) / denom);
    bytes += val[t] * tokenBytes[t];
  }
  return { bits, bytes };
}

export function bitsPerByte({ bits, bytes }: BitsAndBytes): number {
  return bytes > 0 ? bits / bytes : 0;
}

/** Sum of histograms (the pooled baseline across domains). */
export function addInto(acc: Float64Array, h: Float64Array): Float64Array {
  for (let i = 0; i < h.length; i++) acc[i] += h[i];
  return acc;
}

/** Bytes behind a histogram of token ids. */
export function histogramBytes(h: Float64Array, tokenBytes: Uint16Array): number {
  let b = 0;
  for (let t = 0; t < h.length; t++) b += h[t] * tokenBytes[t];
  return b;
}
