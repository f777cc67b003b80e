/**
 * Axis scales and ticks for the report's SVG charts: linear (nice 1-2-5 steps) and log10 (decades, with
 * 2 and 5 between them when the range is short). Pure; the charts in chart.ts draw with them.
 */

export interface Scale {
  /** data -> pixel */
  map(v: number): number;
  ticks(): number[];
  format(v: number): string;
  domain: [number, number];
  log: boolean;
}

/** A tick label: plain for everyday magnitudes, "2.5e12" style beyond them, a real minus sign. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  let s: string;
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(2).split('e');
    s = `${String(Number(m))}e${Number(e)}`;
  } else s = String(Number(v.toPrecision(4)));
  return s.replace(/^-/, '\u2212');
}

/** Round steps of 1, 2 or 5 x 10^k covering [lo, hi] with about `count` ticks. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

/** Pad a data range so points do not sit on the frame; a flat range gets a small width. */
export function padded(values: number[], share = 0.06): [number, number] {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return [0, 1];
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (hi === lo) {
    const w = Math.abs(lo) * 0.01 || 1;
    return [lo - w, hi + w];
  }
  const pad = (hi - lo) * share;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

export function linearScale(domain: [number, number], range: [number, number], count = 5): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return {
    map: (v) => r0 + (v - d0) * k,
    ticks: () => niceTicks(Math.min(d0, d1), Math.max(d0, d1), count),
    format: formatTick,
    domain,
    log: false,
  };
}

/** Log10 scale over positive values; the domain is widened to whole decades when it spans more than one. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  let lo = Math.log10(Math.max(domain[0], Number.MIN_VALUE));
  let hi = Math.log10(Math.max(domain[1], Number.MIN_VALUE));
  if (hi - lo < 1e-9) {
    lo -= 0.15;
    hi += 0.15;
  }
  const [r0, r1] = range;
  const k = (r1 - r0) / (hi - lo);
  const ticks = () => {
    const out: number[] = [];
    const mults = hi - lo < 1.2 ? [1, 2, 5] : hi - lo < 3 ? [1, 3] : [1];
    for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
      for (const m of mults) {
        const v = m * 10 ** e;
        const l = Math.log10(v);
        if (l >= lo - 1e-9 && l <= hi + 1e-9) out.push(v);
      }
    return out.length >= 2 ? out : [10 ** lo, 10 ** hi].map((v) => Number(v.toPrecision(2)));
  };
  return {
    map: (v) => r0 + (Math.log10(Math.max(v, Number.MIN_VALUE)) - lo) * k,
    ticks,
    format: formatTick,
    domain: [10 ** lo, 10 ** hi],
    log: true,
  };
}

/** Padded log domain: a share of a decade on each side. */
export function paddedLog(values: number[], share = 0.08): [number, number] {
  const v = values.filter((x) => Number.isFinite(x) && x > 0);
  if (v.length === 0) return [1, 10];
  const lo = Math.log10(Math.min(...v));
  const hi = Math.log10(Math.max(...v));
  const pad = Math.max((hi - lo) * share, 0.05);
  return [10 ** (lo - pad), 10 ** (hi + pad)];
}
