/**
 * One-line renderings of effects for the journal, progress view and reports. A real minus sign (U+2212)
 * so columns of signed numbers line up and read as math: "−0.0123 [−0.0201, −0.0046]".
 */

const MINUS = '\u2212';

/** Signed number with a fixed number of decimals: "+0.0123" / "−0.0123" (always a sign on effects). */
export function formatSigned(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return `\u00b1${s}`;
  return `${x < 0 ? MINUS : '+'}${s}`;
}

/** Plain number, minus sign as U+2212, no plus. */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  const s = x.toFixed(digits);
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

/** "−0.0123 [−0.0201, −0.0046]" : an effect and its interval. */
export function formatEffect(delta: number, ci95?: readonly [number, number], digits = 4): string {
  const d = formatSigned(delta, digits);
  if (!ci95) return d;
  return `${d} [${formatSigned(ci95[0], digits)}, ${formatSigned(ci95[1], digits)}]`;
}

/** "3.2201 ± 0.0040 (n=3)" : a band / noise floor. */
export function formatBand(m: { mean: number; std: number; n: number }, digits = 4): string {
  const std = Number.isFinite(m.std) ? m.std.toFixed(digits) : '?';
  return `${formatNumber(m.mean, digits)} \u00b1 ${std} (n=${m.n})`;
}

/** "win: −0.0123 [−0.0201, −0.0046], p=0.004" */
export function formatJudgement(j: {
  verdict: string;
  delta: number;
  ci95: [number, number];
  pValue: number;
}): string {
  const p = Number.isFinite(j.pValue)
    ? `, p=${j.pValue < 0.001 ? j.pValue.toExponential(1) : j.pValue.toFixed(3)}`
    : '';
  return `${j.verdict}: ${formatEffect(j.delta, j.ci95)}${p}`;
}
