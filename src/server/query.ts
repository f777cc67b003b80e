/** Reading query parameters once, at the edge, with errors that name the parameter and the value. */
import type { Context } from 'hono';
import { FlywheelError } from '../errors.ts';

export function intParam(c: Context, name: string, dflt: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FlywheelError('bad_input', `?${name}=${raw}: expected an integer from ${min} to ${max}`);
  }
  return n;
}

/** `?ids=a,b&ids=c` -> ['a','b','c'] */
export function listParam(c: Context, name: string): string[] {
  return (c.req.queries(name) ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function enumParam<T extends string>(c: Context, name: string, allowed: readonly T[], dflt: T): T {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return dflt;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new FlywheelError('bad_input', `?${name}=${raw}: expected one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

export function boolParam(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new FlywheelError('bad_input', `?${name}=${raw}: expected true or false`);
}
