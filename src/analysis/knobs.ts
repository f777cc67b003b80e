/**
 * Config knobs as analysis features: every leaf of a TrainConfig under a dotted path, except what does not
 * define the experiment (seed, budget, preset label, resume point, trainer command, data dir, execution
 * settings), each coded per run as a small integer level: categorical values one level each, numbers by
 * value when there are few distinct ones, else by quantile bin.
 */
import { EXECUTION_KEYS } from '../config/resolve.ts';

const SKIP = new Set(['seed', 'budget', 'preset', 'resume', 'trainer', 'data.dir']);
const SKIP_TRAIN = new Set<string>(EXECUTION_KEYS); // the one list of execution-only train settings

export function flattenConfig(config: unknown): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  const walk = (v: unknown, path: string) => {
    if (SKIP.has(path)) return;
    if (path.startsWith('train.') && SKIP_TRAIN.has(path.slice(6))) return;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, path ? `${path}.${k}` : k);
    } else if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out.set(path, v);
    else if (Array.isArray(v)) out.set(path, JSON.stringify(v));
  };
  walk(config, '');
  return out;
}

export interface CodedKnob {
  key: string;
  codes: Int32Array; // level per run
  labels: string[]; // level -> human label
}

/** Level codes for one knob's values across runs (`undefined` = not set: its own level). */
export function codeKnob(
  key: string,
  values: readonly (string | number | boolean | undefined)[],
  bins = 4,
): CodedKnob {
  const nums = values.filter((v): v is number => typeof v === 'number');
  const distinct = [...new Set(values.map((v) => (v === undefined ? '\u0000unset' : String(v))))];
  if (nums.length === values.length && distinct.length > bins) {
    const sorted = [...nums].sort((a, b) => a - b);
    const cuts: number[] = [];
    for (let b = 1; b < bins; b++) {
      const c = sorted[Math.floor((b * sorted.length) / bins)];
      if (cuts.length === 0 || c > cuts[cuts.length - 1]) cuts.push(c);
    }
    const level = (x: number) => {
      let l = 0;
      while (l < cuts.length && x >= cuts[l]) l++;
      return l;
    };
    const edges = [sorted[0], ...cuts, sorted[sorted.length - 1]];
    const labels = edges
      .slice(0, -1)
      .map((lo, i) => `[${fmt(lo)}, ${fmt(edges[i + 1])}${i === edges.length - 2 ? ']' : ')'}`);
    return { key, codes: Int32Array.from(nums, level), labels };
  }
  const index = new Map(distinct.map((d, i) => [d, i]));
  return {
    key,
    codes: Int32Array.from(values, (v) => index.get(v === undefined ? '\u0000unset' : String(v)) as number),
    labels: distinct.map((d) => (d === '\u0000unset' ? '(unset)' : d)),
  };
}

const fmt = (x: number) =>
  Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : String(+x.toPrecision(3));
