/**
 * Parallel coordinates on a canvas: one vertical axis per config knob plus final val bpb, one polyline
 * per run coloured by val bpb (yellow = best). Drag along an axis to brush a range; runs outside every
 * brush are greyed out. Canvas, not SVG: 10,000 polylines stay interactive.
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import type { RunListItem, Scalar } from '../../../src/server/types.ts';
import { si } from '../format.ts';
import { ramp } from '../series.ts';

interface Axis {
  key: string;
  categories?: string[]; // categorical axis: values in this order
  min: number;
  max: number;
  log: boolean;
}

const PAD = { top: 36, bottom: 28, left: 80, right: 80 };

function valueOf(r: RunListItem, key: string): Scalar | undefined {
  return key === 'valBpb' ? r.valBpb : r.config[key];
}

function buildAxes(runs: RunListItem[], keys: string[]): Axis[] {
  const axes: Axis[] = [];
  for (const key of [...keys, 'valBpb']) {
    const vals = runs.map((r) => valueOf(r, key)).filter((v) => v !== undefined && v !== null);
    if (!vals.length) continue;
    if (vals.every((v) => typeof v === 'number')) {
      const nums = vals as number[];
      const min = Math.min(...nums);
      const max = Math.max(...nums);
      axes.push({ key, min, max, log: min > 0 && max / min > 20 && key !== 'valBpb' });
    } else {
      const categories = [...new Set(vals.map(String))].sort();
      axes.push({ key, categories, min: 0, max: Math.max(1, categories.length - 1), log: false });
    }
  }
  return axes;
}

/** 0 (bottom) .. 1 (top) position of a value on an axis; undefined if the run lacks it. */
function norm(a: Axis, v: Scalar | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (a.categories)
    return a.categories.length < 2 ? 0.5 : a.categories.indexOf(String(v)) / (a.categories.length - 1);
  const x = v as number;
  if (a.max === a.min) return 0.5;
  return a.log
    ? (Math.log(x) - Math.log(a.min)) / (Math.log(a.max) - Math.log(a.min))
    : (x - a.min) / (a.max - a.min);
}

export function ParallelCoords({
  runs,
  keys,
  onSelect,
}: {
  runs: RunListItem[];
  keys: string[];
  onSelect?: (ids: string[]) => void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(1000);
  const height = 460;
  const [brushes, setBrushes] = useState<Record<string, [number, number]>>({});
  const [drag, setDrag] = useState<{ key: string; from: number; to: number }>();
  const scored = useMemo(() => runs.filter((r) => r.valBpb !== undefined), [runs]);
  const axes = useMemo(() => buildAxes(scored, keys), [scored, keys]);
  const xOf = (i: number) => PAD.left + (i * (width - PAD.left - PAD.right)) / Math.max(1, axes.length - 1);
  const yOf = (t: number) => PAD.top + (1 - t) * (height - PAD.top - PAD.bottom);
  const tOf = (y: number) => 1 - (y - PAD.top) / (height - PAD.top - PAD.bottom);

  const selected = useMemo(() => {
    const active = Object.entries({
      ...brushes,
      ...(drag ? { [drag.key]: [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] } : {}),
    });
    return scored.filter((r) =>
      active.every(([key, [lo, hi]]) => {
        const a = axes.find((x) => x.key === key);
        const t = a && norm(a, valueOf(r, key));
        return t !== undefined && t >= lo && t <= hi;
      }),
    );
  }, [scored, axes, brushes, drag]);

  useEffect(() => onSelect?.(selected.map((r) => r.id)), [selected, onSelect]);

  useEffect(() => {
    const el = canvas.current!.parentElement!;
    const ro = new ResizeObserver(() => setWidth(Math.max(400, el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current!;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const bpbAxis = axes.find((a) => a.key === 'valBpb');
    const sel = new Set(selected);
    const alpha = Math.max(0.06, Math.min(0.8, 30 / Math.sqrt(scored.length + 1)));
    const draw = (r: RunListItem, style: string) => {
      ctx.strokeStyle = style;
      ctx.beginPath();
      let pen = false;
      axes.forEach((a, i) => {
        const t = norm(a, valueOf(r, a.key));
        if (t === undefined) {
          pen = false;
          return;
        }
        if (pen) ctx.lineTo(xOf(i), yOf(t));
        else ctx.moveTo(xOf(i), yOf(t));
        pen = true;
      });
      ctx.stroke();
    };
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.08;
    for (const r of scored) if (!sel.has(r)) draw(r, '#999');
    ctx.globalAlpha = alpha;
    // Best last, so the good runs are on top.
    const ordered = [...selected].sort((a, b) => (b.valBpb ?? 0) - (a.valBpb ?? 0));
    for (const r of ordered) draw(r, ramp(bpbAxis ? norm(bpbAxis, r.valBpb)! : 0.5));
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#222';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    axes.forEach((a, i) => {
      const x = xOf(i);
      ctx.strokeStyle = '#444';
      ctx.beginPath();
      ctx.moveTo(x, yOf(0));
      ctx.lineTo(x, yOf(1));
      ctx.stroke();
      ctx.fillText(a.key === 'valBpb' ? 'val bpb' : a.key, x, PAD.top - 18);
      const lab = (t: number) =>
        a.categories
          ? (a.categories[Math.round(t * (a.categories.length - 1))] ?? '')
          : si(
              a.log
                ? Math.exp(Math.log(a.min) + t * (Math.log(a.max) - Math.log(a.min)))
                : a.min + t * (a.max - a.min),
              4,
            );
      ctx.fillText(lab(1), x, PAD.top - 4);
      ctx.fillText(lab(0), x, height - PAD.bottom + 14);
      if (a.categories && a.categories.length > 2) {
        ctx.textAlign = 'left';
        a.categories.forEach((cat, j) => ctx.fillText(cat, x + 4, yOf(j / (a.categories!.length - 1)) + 4));
        ctx.textAlign = 'center';
      }
      const b =
        drag?.key === a.key ? [Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)] : brushes[a.key];
      if (b) {
        ctx.fillStyle = 'rgba(30,100,200,0.25)';
        ctx.fillRect(x - 7, yOf(b[1]), 14, yOf(b[0]) - yOf(b[1]));
        ctx.fillStyle = '#222';
      }
    });
    c.dataset.drawn = String(Number(c.dataset.drawn ?? 0) + 1);
  }, [axes, scored, selected, width, brushes, drag]);

  const axisAt = (x: number) => axes.findIndex((_a, i) => Math.abs(xOf(i) - x) < 14);
  const local = (e: ReactMouseEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  return (
    <div className="pc-box">
      <canvas
        ref={canvas}
        style={{ width, height }}
        data-axes={axes.map((a) => a.key).join(',')}
        data-runs={scored.length}
        onMouseDown={(e) => {
          const p = local(e);
          const i = axisAt(p.x);
          if (i >= 0) setDrag({ key: axes[i].key, from: tOf(p.y), to: tOf(p.y) });
        }}
        onMouseMove={(e) => drag && setDrag({ ...drag, to: tOf(local(e).y) })}
        onMouseUp={() => {
          if (!drag) return;
          const lo = Math.max(0, Math.min(drag.from, drag.to));
          const hi = Math.min(1, Math.max(drag.from, drag.to));
          setBrushes((b) => {
            const next = { ...b };
            if (hi - lo < 0.01) delete next[drag.key];
            else next[drag.key] = [lo, hi];
            return next;
          });
          setDrag(undefined);
        }}
      />
      <p className="muted">
        {selected.length} of {scored.length} runs with a val bpb; drag along an axis to filter, click an axis
        to clear its filter.
      </p>
    </div>
  );
}
