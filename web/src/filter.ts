/**
 * The runs table's filter box, same syntax as the API's `?where=`: `model.depth:4 optim.lr<0.01
 * status:running|stopped`. Matches list items: their own fields, then config keys (with the keys that
 * are the same for every run taken from `constants`).
 */
import type { RunListItem, Scalar } from '../../src/server/types.ts';

export interface Clause {
  key: string;
  op: '=' | '!=' | '>' | '>=' | '<' | '<=';
  values: string[];
}

export function parseFilter(text: string): { clauses: Clause[]; error?: string } {
  const clauses: Clause[] = [];
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const m = /^([A-Za-z_][\w.-]*?)(!=|>=|<=|:|=|>|<)(.*)$/.exec(part);
    if (!m || m[3] === '') return { clauses, error: `"${part}": expected key:value or key<n` };
    const op = (m[2] === ':' ? '=' : m[2]) as Clause['op'];
    if (op !== '=' && op !== '!=' && !Number.isFinite(Number(m[3])))
      return { clauses, error: `"${part}": ${m[2]} needs a number` };
    clauses.push({ key: m[1], op, values: m[3].split('|') });
  }
  return { clauses };
}

export function fieldOf(
  r: RunListItem,
  key: string,
  constants: Record<string, Scalar> = {},
): Scalar | undefined {
  const k = key.startsWith('config.') ? key.slice(7) : key.startsWith('summary.') ? key.slice(8) : key;
  if (k in r && k !== 'config' && k !== 'tags') return (r as unknown as Record<string, Scalar>)[k];
  if (k.startsWith('tags.')) return r.tags?.[k.slice(5)];
  return k in r.config ? r.config[k] : constants[k];
}

function equal(v: Scalar | undefined, want: string): boolean {
  if (v === undefined || v === null) return want === 'null';
  if (typeof v === 'number') return want.trim() !== '' && Number(want) === v;
  return String(v) === want || (typeof v === 'string' && v.startsWith(want) && want.length >= 6); // id prefixes
}

export function matches(r: RunListItem, clauses: Clause[], constants?: Record<string, Scalar>): boolean {
  for (const c of clauses) {
    const v = fieldOf(r, c.key, constants);
    if (c.op === '=' && !c.values.some((w) => equal(v, w))) return false;
    if (c.op === '!=' && c.values.some((w) => equal(v, w))) return false;
    if (c.op !== '=' && c.op !== '!=') {
      if (typeof v !== 'number') return false;
      const n = Number(c.values[0]);
      if (
        (c.op === '>' && !(v > n)) ||
        (c.op === '>=' && !(v >= n)) ||
        (c.op === '<' && !(v < n)) ||
        (c.op === '<=' && !(v <= n))
      )
        return false;
    }
  }
  return true;
}

export function compareBy(key: string, desc: boolean, constants?: Record<string, Scalar>) {
  return (a: RunListItem, b: RunListItem) => {
    const av = fieldOf(a, key, constants);
    const bv = fieldOf(b, key, constants);
    const am = av === undefined || av === null;
    const bm = bv === undefined || bv === null;
    if (am || bm) return am && bm ? 0 : am ? 1 : -1; // missing last either way
    const c =
      typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av).localeCompare(String(bv));
    return desc ? -c : c;
  };
}
