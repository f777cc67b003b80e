/**
 * A small SVG chart frame for the report: axes with ticks, tick labels and axis labels, a title, light
 * grid lines, a legend, and marks (lines, steps, bands, dots with hover titles, error bars, bars,
 * reference lines). Pure string building; every text that reaches the SVG goes through escapeXml, and
 * every number through `n()` (a non-finite value never reaches an attribute).
 */
import { escapeXml } from '../escape.ts';
import type { Scale } from './scale.ts';

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
];

/** A coordinate for an attribute: finite, 2 decimals. */
const n = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);

export interface LegendItem {
  label: string;
  color: string;
  kind: 'line' | 'dash' | 'dot' | 'band' | 'bar';
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface FrameOptions {
  width?: number;
  height?: number;
  title: string;
  xLabel: string;
  yLabel: string;
  margin?: Partial<Margin>;
  /** Build the scales once the plot area (pixel ranges) is known. */
  x: (range: [number, number]) => Scale;
  y: (range: [number, number]) => Scale;
  /** Categorical axes: labels at given values instead of the scale's ticks. */
  xTicks?: { value: number; label: string }[];
  yTicks?: { value: number; label: string }[];
}

export class Frame {
  readonly width: number;
  readonly height: number;
  readonly m: Margin;
  readonly x: Scale;
  readonly y: Scale;
  private readonly marks: string[] = [];
  private readonly overlay: string[] = [];
  private legendItems: LegendItem[] = [];

  constructor(private readonly o: FrameOptions) {
    this.width = o.width ?? 640;
    this.height = o.height ?? 320;
    this.m = { top: 44, right: 16, bottom: 46, left: 64, ...o.margin };
    this.x = o.x([this.m.left, this.width - this.m.right]);
    this.y = o.y([this.height - this.m.bottom, this.m.top]);
  }

  /** Marks drawn so far (lines, dots, bars...), not counting axes: a chart with none is empty. */
  get markCount(): number {
    return this.marks.length;
  }

  line(
    pts: readonly { x: number; y: number }[],
    o: { color: string; width?: number; dash?: boolean; step?: boolean },
  ): this {
    const p = pts.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
    if (p.length === 0) return this;
    let d = `M${n(this.x.map(p[0].x))},${n(this.y.map(p[0].y))}`;
    for (let i = 1; i < p.length; i++) {
      const X = n(this.x.map(p[i].x));
      const Y = n(this.y.map(p[i].y));
      d += o.step ? `H${X}V${Y}` : `L${X},${Y}`;
    }
    if (p.length === 1) d += 'h0.01';
    this.marks.push(
      `<path d="${d}" fill="none" stroke="${o.color}" stroke-width="${o.width ?? 1.8}"${o.dash ? ' stroke-dasharray="5 4"' : ''} stroke-linejoin="round" stroke-linecap="round"/>`,
    );
    return this;
  }

  /** A filled band between lo and hi along x. */
  band(pts: readonly { x: number; lo: number; hi: number }[], o: { color: string; opacity?: number }): this {
    const p = pts.filter((q) => [q.x, q.lo, q.hi].every(Number.isFinite));
    if (p.length === 0) return this;
    const top = p.map((q) => `${n(this.x.map(q.x))},${n(this.y.map(q.hi))}`);
    const bottom = [...p].reverse().map((q) => `${n(this.x.map(q.x))},${n(this.y.map(q.lo))}`);
    this.marks.push(
      `<polygon points="${[...top, ...bottom].join(' ')}" fill="${o.color}" fill-opacity="${o.opacity ?? 0.18}" stroke="none"/>`,
    );
    return this;
  }

  /** A rectangle in data coordinates (bars, band boxes). */
  rect(
    x0: number,
    x1: number,
    y0: number,
    y1: number,
    o: { color: string; opacity?: number; title?: string },
  ): this {
    const [X0, X1] = [this.x.map(x0), this.x.map(x1)].sort((a, b) => a - b);
    const [Y0, Y1] = [this.y.map(y0), this.y.map(y1)].sort((a, b) => a - b);
    if (![X0, X1, Y0, Y1].every(Number.isFinite)) return this;
    const title = o.title ? `<title>${escapeXml(o.title)}</title>` : '';
    this.marks.push(
      `<rect x="${n(X0)}" y="${n(Y0)}" width="${n(Math.max(X1 - X0, 0.5))}" height="${n(Math.max(Y1 - Y0, 0.5))}" fill="${o.color}" fill-opacity="${o.opacity ?? 0.85}">${title}</rect>`,
    );
    return this;
  }

  dots(
    pts: readonly { x: number; y: number; title?: string }[],
    o: { color: string; r?: number; hollow?: boolean; cross?: boolean },
  ): this {
    for (const q of pts) {
      if (!Number.isFinite(q.x) || !Number.isFinite(q.y)) continue;
      const X = n(this.x.map(q.x));
      const Y = n(this.y.map(q.y));
      const r = o.r ?? 3.2;
      const title = q.title ? `<title>${escapeXml(q.title)}</title>` : '';
      if (o.cross)
        this.marks.push(
          `<path d="M${n(X - r)},${n(Y - r)}L${n(X + r)},${n(Y + r)}M${n(X - r)},${n(Y + r)}L${n(X + r)},${n(Y - r)}" stroke="${o.color}" stroke-width="2.2">${title}</path>`,
        );
      else
        this.marks.push(
          `<circle cx="${X}" cy="${Y}" r="${r}" fill="${o.hollow ? '#fff' : o.color}" stroke="${o.color}" stroke-width="1.4">${title}</circle>`,
        );
    }
    return this;
  }

  /** Vertical error bars (x, lo..hi) with caps. */
  errorY(pts: readonly { x: number; lo: number; hi: number }[], o: { color: string }): this {
    for (const q of pts) {
      if (![q.x, q.lo, q.hi].every(Number.isFinite)) continue;
      const X = n(this.x.map(q.x));
      const [a, b] = [n(this.y.map(q.lo)), n(this.y.map(q.hi))];
      this.marks.push(
        `<path d="M${X},${a}V${b}M${n(X - 4)},${a}h8M${n(X - 4)},${b}h8" stroke="${o.color}" stroke-width="1.4" fill="none"/>`,
      );
    }
    return this;
  }

  /** Horizontal error bars (y, lo..hi) with caps. */
  errorX(pts: readonly { y: number; lo: number; hi: number }[], o: { color: string }): this {
    for (const q of pts) {
      if (![q.y, q.lo, q.hi].every(Number.isFinite)) continue;
      const Y = n(this.y.map(q.y));
      const [a, b] = [n(this.x.map(q.lo)), n(this.x.map(q.hi))];
      this.marks.push(
        `<path d="M${a},${Y}H${b}M${a},${n(Y - 4)}v8M${b},${n(Y - 4)}v8" stroke="${o.color}" stroke-width="1.4" fill="none"/>`,
      );
    }
    return this;
  }

  /** A reference line across the plot at y (or x), with an optional label at its end. */
  hline(y: number, o: { color: string; dash?: boolean; label?: string }): this {
    if (!Number.isFinite(y)) return this;
    const Y = n(this.y.map(y));
    this.marks.push(
      `<path d="M${this.m.left},${Y}H${this.width - this.m.right}" stroke="${o.color}" stroke-width="1.2"${o.dash ? ' stroke-dasharray="5 4"' : ''}/>`,
    );
    if (o.label) this.label(this.width - this.m.right - 4, Y - 4, o.label, { color: o.color, anchor: 'end' });
    return this;
  }

  vline(x: number, o: { color: string; dash?: boolean; label?: string }): this {
    if (!Number.isFinite(x)) return this;
    const X = n(this.x.map(x));
    this.marks.push(
      `<path d="M${X},${this.m.top}V${this.height - this.m.bottom}" stroke="${o.color}" stroke-width="1.4"${o.dash ? ' stroke-dasharray="5 4"' : ''}/>`,
    );
    if (o.label) {
      const right = X > this.width - 140;
      this.label(right ? X - 4 : X + 4, this.m.top + 12, o.label, {
        color: o.color,
        anchor: right ? 'end' : 'start',
      });
    }
    return this;
  }

  /** Text at pixel coordinates (not a data mark: it does not count towards markCount). */
  label(
    X: number,
    Y: number,
    text: string,
    o: { color?: string; anchor?: 'start' | 'middle' | 'end'; size?: number } = {},
  ): this {
    this.overlay.push(
      `<text x="${n(X)}" y="${n(Y)}" fill="${o.color ?? '#333'}" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'start'}">${escapeXml(text)}</text>`,
    );
    return this;
  }

  legend(items: LegendItem[]): this {
    this.legendItems = items;
    return this;
  }

  private axes(): string {
    const { m, width: W, height: H } = this;
    const out: string[] = [];
    const x0 = m.left;
    const x1 = W - m.right;
    const y0 = H - m.bottom;
    const y1 = m.top;
    const xt = this.o.xTicks ?? this.x.ticks().map((v) => ({ value: v, label: this.x.format(v) }));
    const yt = this.o.yTicks ?? this.y.ticks().map((v) => ({ value: v, label: this.y.format(v) }));
    for (const t of yt) {
      const Y = n(this.y.map(t.value));
      if (Y < y1 - 0.5 || Y > y0 + 0.5) continue;
      out.push(`<path d="M${x0},${Y}H${x1}" stroke="#e6e6e6" stroke-width="1"/>`);
      out.push(`<path d="M${x0 - 5},${Y}H${x0}" stroke="#555"/>`);
      out.push(
        `<text x="${x0 - 8}" y="${n(Y + 3.5)}" font-size="10.5" fill="#444" text-anchor="end">${escapeXml(t.label)}</text>`,
      );
    }
    for (const t of xt) {
      const X = n(this.x.map(t.value));
      if (X < x0 - 0.5 || X > x1 + 0.5) continue;
      out.push(`<path d="M${X},${y0}V${y0 + 5}" stroke="#555"/>`);
      out.push(
        `<text x="${X}" y="${y0 + 17}" font-size="10.5" fill="#444" text-anchor="middle">${escapeXml(t.label)}</text>`,
      );
    }
    out.push(`<path d="M${x0},${y1}V${y0}H${x1}" fill="none" stroke="#555" stroke-width="1"/>`);
    out.push(
      `<text x="${n((x0 + x1) / 2)}" y="${H - 8}" font-size="11.5" fill="#222" text-anchor="middle">${escapeXml(this.o.xLabel)}</text>`,
    );
    out.push(
      `<text transform="translate(13,${n((y0 + y1) / 2)}) rotate(-90)" font-size="11.5" fill="#222" text-anchor="middle">${escapeXml(this.o.yLabel)}</text>`,
    );
    out.push(
      `<text x="${x0}" y="16" font-size="13" font-weight="600" fill="#111">${escapeXml(this.o.title)}</text>`,
    );
    return out.join('');
  }

  private legendSvg(): string {
    if (!this.legendItems.length) return '';
    const out: string[] = [];
    let X = this.width - this.m.right;
    const total = this.legendItems.reduce((w, it) => w + 22 + Math.min(36, it.label.length) * 6.2, 0);
    // beside the title when both fit on the first line, else on a line of their own below it
    const Y = this.m.left + this.o.title.length * 7.4 + total < X ? 16 : 32;
    // right-aligned, laid out from the right edge leftwards
    for (const it of [...this.legendItems].reverse()) {
      const label = it.label.length > 36 ? `${it.label.slice(0, 35)}…` : it.label;
      const w = 22 + label.length * 6.2;
      X -= w;
      const sw = X + 2;
      const mark =
        it.kind === 'dot'
          ? `<circle cx="${n(sw + 6)}" cy="${Y - 4}" r="3.5" fill="${it.color}"/>`
          : it.kind === 'band' || it.kind === 'bar'
            ? `<rect x="${n(sw)}" y="${Y - 9}" width="12" height="9" fill="${it.color}" fill-opacity="${it.kind === 'band' ? 0.3 : 0.85}"/>`
            : `<path d="M${n(sw)},${Y - 4}h13" stroke="${it.color}" stroke-width="2"${it.kind === 'dash' ? ' stroke-dasharray="4 3"' : ''}/>`;
      out.push(
        `${mark}<text x="${n(sw + 17)}" y="${Y}" font-size="10.5" fill="#333">${escapeXml(label)}</text>`,
      );
    }
    return `<g class="legend">${out.join('')}</g>`;
  }

  /** The whole chart as a standalone SVG document (also valid inline in HTML). */
  render(): string {
    const { width: W, height: H } = this;
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">` +
      `<title>${escapeXml(this.o.title)}</title>` +
      `<rect width="${W}" height="${H}" fill="#fff"/>` +
      this.axes() +
      `<g class="marks">${this.marks.join('')}</g>` +
      this.overlay.join('') +
      this.legendSvg() +
      `</svg>`
    );
  }
}
