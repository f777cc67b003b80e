/**
 * A finding's scale evidence in words, for digests, prompts and reports (README "What a win is
 * worth"): its compute multiplier, what the size ladder said at larger models, and which knobs of a
 * multi-knob win carried it. "worth 1.31× compute [1.22, 1.40]; held at 2 larger sizes (up to 1.2M
 * params); position=rope: −0.040 [−0.052, −0.028]; beta2=0.95: noise [−0.003, 0.004]".
 */
import type { AttributionEntry, FindingScale, LadderResult } from '../store/base.ts';

const num = (x: number, d = 3) => {
  const s = x.toFixed(d);
  return x < 0 ? `−${s.slice(1)}` : s;
};
const ci = (c: [number, number], d = 3) => `[${num(c[0], d)}, ${num(c[1], d)}]`;

/** 1234567 -> "1.2M", 340000 -> "340k". */
export function shortCount(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e9) return `${+(x / 1e9).toPrecision(2)}B`;
  if (x >= 1e6) return `${+(x / 1e6).toPrecision(2)}M`;
  if (x >= 1e3) return `${+(x / 1e3).toPrecision(2)}k`;
  return String(x);
}

/** The ladder's verdict in one clause, or undefined when it has none yet. */
export function ladderWords(ladder: readonly LadderResult[] | undefined): string | undefined {
  const done = (ladder ?? []).filter((l) => l.verdict !== 'pending').sort((a, b) => a.params - b.params);
  if (!done.length) return ladder?.length ? `ladder pending at ${ladder.length} size(s)` : undefined;
  const flip = done.find((l) => l.verdict === 'flips');
  if (flip) return `flipped at ${shortCount(flip.params)} params (${num(flip.delta)} ${ci(flip.ci95)})`;
  const shrink = done.find((l) => l.verdict === 'shrinks');
  const held = done.filter((l) => l.verdict === 'holds');
  const parts: string[] = [];
  if (held.length)
    parts.push(
      `held at ${held.length} larger size${held.length > 1 ? 's' : ''} (up to ${shortCount(held[held.length - 1].params)} params)`,
    );
  if (shrink)
    parts.push(`shrank at ${shortCount(shrink.params)} params (${num(shrink.delta)} ${ci(shrink.ci95)})`);
  return parts.join(', ');
}

function valueWords(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 24 ? `${s.slice(0, 21)}...` : s;
}

/** "position=rope: −0.040 [−0.052, −0.028]" or "beta2=0.95: noise [−0.003, 0.004]" (a CI containing 0). */
export function attributionWords(a: AttributionEntry): string {
  const name = `${a.key.split('.').pop()}=${valueWords(a.value)}`;
  const noise = !(a.ci95[1] < 0 || a.ci95[0] > 0);
  return `${name}: ${noise ? 'noise' : num(a.delta)} ${ci(a.ci95)}`;
}

/** The whole scale evidence of a finding in words, or undefined when there is none. */
export function describeScale(scale: FindingScale | undefined): string | undefined {
  if (!scale) return undefined;
  const parts: string[] = [];
  const m = scale.computeMultiplier;
  if (m && Number.isFinite(m.value))
    parts.push(`worth ${m.value.toFixed(2)}× compute [${m.ci95.map((x) => x.toFixed(2)).join(', ')}]`);
  const l = ladderWords(scale.ladder);
  if (l) parts.push(l);
  for (const a of (scale.attribution ?? []).slice(0, 8)) parts.push(attributionWords(a));
  return parts.length ? parts.join('; ') : undefined;
}

/** How a finding's size ladder came out: 'flipped' if any larger size flipped, 'held' if some held. */
export function ladderOutcome(scale: FindingScale | undefined): 'held' | 'flipped' | undefined {
  const done = (scale?.ladder ?? []).filter((l) => l.verdict !== 'pending');
  if (done.some((l) => l.verdict === 'flips')) return 'flipped';
  if (done.some((l) => l.verdict === 'holds')) return 'held';
  return undefined;
}
