/**
 * Filtering and sorting runs by any field a researcher thinks in: config paths (`model.depth`,
 * `optim.lr`, `data.mixture.code`), summary fields (`valBpb`, `tokens`, also as `summary.valBpb`),
 * and the run's own columns (`status`, `seed`, `preset`, `configHash`, `sessionId`, `createdAt`).
 *
 *   where   = clause (',' or ' ' separated, or repeated ?where=)
 *   clause  = key ':' value     equal (numbers compare as numbers; 'a|b' = any of)
 *           | key '!=' value | key '>' n | key '>=' n | key '<' n | key '<=' n
 *
 * Pure functions over RunRecord; the store does the cheap column filters first (status, session, ...).
 */
import { FlywheelError } from '../errors.ts';
import type { RunRecord } from '../store/base.ts';

export type Scalar = string | number | boolean | null;

/** Dotted paths -> scalar leaves. Arrays become one JSON string leaf (e.g. trainer.command). */
export function flatten(obj: unknown, prefix = '', out: Record<string, Scalar> = {}): Record<string, Scalar> {
  if (obj === null || obj === undefined) return out;
  if (typeof obj !== 'object') {
    out[prefix] = obj as Scalar;
    return out;
  }
  if (Array.isArray(obj)) {
    out[prefix] = JSON.stringify(obj);
    return out;
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>))
    flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/** Config keys never shown as knobs: paths, ids and the seed (a column of its own). */
const HIDDEN = /^(preset|seed|data\.dir|resume\.|trainer\.)/;
const COLUMNS = new Set([
  'id',
  'status',
  'seed',
  'preset',
  'configHash',
  'sessionId',
  'createdAt',
  'startedAt',
  'endedAt',
  'statusReason',
  'stopRule',
  'parentRunId',
]);

/** The value of a field of a run, by the names documented above. */
export function fieldOf(run: RunRecord, key: string, flat?: Record<string, Scalar>): Scalar | undefined {
  if (COLUMNS.has(key)) return (run as unknown as Record<string, Scalar>)[key];
  if (key.startsWith('summary.')) return scalar(run.summary[key.slice(8)]);
  if (key.startsWith('config.')) key = key.slice(7);
  else if (key in run.summary && !key.includes('.')) return scalar(run.summary[key]);
  if (key.startsWith('tags.')) return run.tags[key.slice(5)];
  const f = flat ?? flatten(run.config);
  return f[key];
}

const scalar = (v: unknown): Scalar | undefined =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as Scalar) : undefined;

export interface Clause {
  key: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=';
  values: string[];
}

export function parseWhere(specs: string[]): Clause[] {
  const out: Clause[] = [];
  for (const spec of specs) {
    for (const part of spec.split(/[,\s]+/).filter(Boolean)) {
      const m = /^([A-Za-z_][\w.-]*?)(!=|>=|<=|:|=|>|<)(.*)$/.exec(part);
      if (!m || m[3] === '') {
        throw new FlywheelError(
          'bad_input',
          `bad where clause "${part}": expected key:value, key>n, key<=n, ... (e.g. model.depth:4)`,
        );
      }
      const op = (m[2] === ':' ? '=' : m[2]) as Clause['op'];
      if (op !== '=' && op !== '!=' && !Number.isFinite(Number(m[3]))) {
        throw new FlywheelError('bad_input', `bad where clause "${part}": ${m[2]} needs a number`);
      }
      out.push({ key: m[1], op, values: m[3].split('|') });
    }
  }
  return out;
}

function equal(v: Scalar | undefined, want: string): boolean {
  if (v === undefined || v === null) return want === 'null' || want === '';
  if (typeof v === 'number') return Number(want) === v && want.trim() !== '';
  return String(v) === want;
}

export function matches(run: RunRecord, clauses: Clause[], flat = flatten(run.config)): boolean {
  for (const c of clauses) {
    const v = fieldOf(run, c.key, flat);
    if (c.op === '=' && !c.values.some((w) => equal(v, w))) return false;
    if (c.op === '!=' && c.values.some((w) => equal(v, w))) return false;
    if (c.op !== '=' && c.op !== '!=') {
      if (typeof v !== 'number') return false;
      const n = Number(c.values[0]);
      if (c.op === '>' && !(v > n)) return false;
      if (c.op === '>=' && !(v >= n)) return false;
      if (c.op === '<' && !(v < n)) return false;
      if (c.op === '<=' && !(v <= n)) return false;
    }
  }
  return true;
}

/** Order of two field values: numbers as numbers, else as text; missing (or NaN) last either way. */
export function compareValues(av: Scalar | undefined, bv: Scalar | undefined, desc: boolean): number {
  const am = av === undefined || av === null || (typeof av === 'number' && Number.isNaN(av));
  const bm = bv === undefined || bv === null || (typeof bv === 'number' && Number.isNaN(bv));
  if (am || bm) return am && bm ? 0 : am ? 1 : -1;
  const c = typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
  return desc ? -c : c;
}

/** `sort=-valBpb` (descending) or `sort=model.depth`, over any items; missing values last either way. */
export function sortBy<T>(items: T[], sort: string, get: (item: T, key: string) => Scalar | undefined): T[] {
  const desc = sort.startsWith('-');
  const key = desc ? sort.slice(1) : sort;
  const keyed = items.map((item) => ({ item, v: get(item, key) }));
  keyed.sort((a, b) => compareValues(a.v, b.v, desc));
  return keyed.map((k) => k.item);
}

/**
 * Split config keys over a set of runs: those whose values differ (the knobs worth a column, capped at
 * `limit`) and those equal in every run (`constants`, so a filter on them still works without a column).
 */
export function splitKeys(
  flats: Iterable<Record<string, Scalar>>,
  limit = 40,
): { varying: string[]; constants: Record<string, Scalar> } {
  const first = new Map<string, Scalar>();
  const seen = new Map<string, number>(); // runs that have the key: fewer than all = it varies
  const varying = new Set<string>();
  let n = 0;
  for (const f of flats) {
    for (const [k, v] of Object.entries(f)) {
      if (HIDDEN.test(k)) continue;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      if (!first.has(k)) first.set(k, v);
      else if (first.get(k) !== v) varying.add(k);
    }
    n++;
  }
  for (const [k, c] of seen) if (c < n) varying.add(k);
  const constants: Record<string, Scalar> = {};
  for (const [k, v] of first) if (!varying.has(k)) constants[k] = v;
  return { varying: [...varying].sort().slice(0, limit), constants };
}

export const varyingKeys = (flats: Iterable<Record<string, Scalar>>, limit = 40) =>
  splitKeys(flats, limit).varying;

export function isHiddenKey(key: string): boolean {
  return HIDDEN.test(key);
}
