/**
 * The fixed train/validation split of one domain. Documents are ranked by a hash of (domain, doc id) —
 * not by position, so the val set samples the whole domain evenly — and taken into val in that order
 * until it holds the target bytes:
 *
 *   target = clamp(VAL_FRACTION * domain bytes, VAL_MIN_BYTES, VAL_MAX_BYTES), at most VAL_MAX_SHARE
 *
 * VAL_MIN_BYTES (~45k tokens at ~4 bytes/token) keeps the final eval (32k tokens per domain in the
 * `small` preset) from reading past the val set, and its noise low; VAL_MAX_BYTES caps eval time on big
 * user domains; VAL_MAX_SHARE keeps small domains mostly for training. Every domain with >= 2 documents
 * gets at least one document on each side. The split depends only on ids and sizes: same corpus, same split.
 */
import { createHash } from 'node:crypto';
import { FlywheelError } from '../errors.ts';

export const SPLIT = {
  VAL_FRACTION: 0.05,
  VAL_MIN_BYTES: 180_000,
  VAL_MAX_BYTES: 2_000_000,
  VAL_MAX_SHARE: 0.25,
} as const;

export interface DocSize {
  id: string;
  bytes: number;
}

/** Uniform-ish score in [0, 1) from the first 48 bits of sha256(domain \0 id). */
export function splitScore(domain: string, id: string): number {
  const h = createHash('sha256').update(domain).update('\0').update(id).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** Ids of the validation documents of `domain`. */
export function chooseValDocs(domain: string, docs: DocSize[]): Set<string> {
  if (docs.length < 2) {
    throw new FlywheelError(
      'bad_data',
      `domain "${domain}" has ${docs.length} document(s); it needs at least 2 to hold out a validation set`,
    );
  }
  const total = docs.reduce((s, d) => s + d.bytes, 0);
  const target = Math.min(
    Math.max(SPLIT.VAL_FRACTION * total, SPLIT.VAL_MIN_BYTES),
    SPLIT.VAL_MAX_BYTES,
    SPLIT.VAL_MAX_SHARE * total,
  );
  const ranked = docs
    .map((d) => ({ ...d, score: splitScore(domain, d.id) }))
    .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const val = new Set<string>();
  let valBytes = 0;
  for (const d of ranked) {
    if (val.size > 0 && valBytes >= target) break;
    if (val.size === docs.length - 1) break; // keep one for training
    val.add(d.id);
    valBytes += d.bytes;
  }
  return val;
}
