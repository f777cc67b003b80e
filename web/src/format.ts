/** Numbers and times for people: 3 significant digits, SI suffixes, relative times. */
export function si(v: number | undefined | null, digits = 3): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  const units: Array<[number, string]> = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [n, u] of units) if (a >= n) return `${Number((v / n).toPrecision(digits))}${u}`;
  return a !== 0 && a < 1e-3 ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
}

export const bpb = (v: number | undefined | null) =>
  v === undefined || v === null || !Number.isFinite(v) ? '–' : v.toFixed(4);

export function seconds(v: number | undefined | null): string {
  if (v === undefined || v === null || !Number.isFinite(v)) return '–';
  if (v < 10) return `${Number(v.toPrecision(2))}s`;
  if (v < 90) return `${v.toFixed(1)}s`;
  if (v < 5400) return `${(v / 60).toFixed(1)}m`;
  return `${(v / 3600).toFixed(1)}h`;
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const s = (now - Date.parse(iso)) / 1000;
  if (s < 60) return `${Math.max(0, Math.round(s))}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return new Date(iso).toISOString().slice(0, 10);
}

/** A config value: integers as written up to 1e6 (batch sizes, widths), other numbers in 4 digits. */
export function value(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e6 ? String(v) : si(v, 4);
  return v === undefined || v === null ? '–' : String(v);
}
