/**
 * Turning user input (a preset, `--set key=value` pairs, `--budget 60s`) into a validated TrainConfig.
 * Validation happens once, here; errors name the bad key and value in one line.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ZodError } from 'zod';
import { FlywheelError } from '../errors.ts';
import { assertAssignment, trainConfigGrammar, type KeyGrammar } from './keys.ts';
import { presetConfig } from './presets.ts';
import { TrainConfig, type BudgetConfig, type TrainConfigInput } from './train-config.ts';

/** Parse a `--set` value: JSON when it is JSON (numbers, booleans, arrays), else the raw string. */
export function parseSetValue(raw: string): unknown {
  const t = raw.trim();
  if (t === '') return '';
  try {
    return JSON.parse(t);
  } catch {
    return t;
  }
}

/**
 * Apply `a.b.c=value` to a plain object, creating intermediate objects. The key is taken exactly as
 * written (no trimming): it must be a key of `grammar` (src/config/keys.ts), the value not an object.
 */
export function applySet(
  target: Record<string, unknown>,
  assignment: string,
  grammar: KeyGrammar = trainConfigGrammar(),
): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new FlywheelError('bad_input', `--set expects key=value, got "${assignment}"`);
  const path = assignment.slice(0, eq);
  const value = parseSetValue(assignment.slice(eq + 1));
  setPath(target, path, value, grammar);
}

/** Set one key (checked against `grammar`, see src/config/keys.ts) in a plain object. */
export function setPath(
  target: Record<string, unknown>,
  path: string,
  value: unknown,
  grammar: KeyGrammar = trainConfigGrammar(),
): void {
  const keys = path.split('.');
  if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
    throw new FlywheelError('bad_input', `bad config path "${path}"`);
  }
  assertAssignment(path, value, grammar);
  let obj: Record<string, unknown> = target;
  for (const k of keys.slice(0, -1)) {
    const next = obj[k];
    if (next === undefined || next === null) obj[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new FlywheelError('bad_config', `cannot set "${path}": "${k}" is not an object`);
    }
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]] = value;
}

export function getPath(source: unknown, path: string): unknown {
  let cur: unknown = source;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

const UNITS: Record<string, { key: keyof BudgetConfig; scale: number }> = {
  s: { key: 'seconds', scale: 1 },
  sec: { key: 'seconds', scale: 1 },
  m: { key: 'seconds', scale: 60 },
  min: { key: 'seconds', scale: 60 },
  h: { key: 'seconds', scale: 3600 },
  tok: { key: 'tokens', scale: 1 },
  tokens: { key: 'tokens', scale: 1 },
  flop: { key: 'flops', scale: 1 },
  flops: { key: 'flops', scale: 1 },
};

/** `60s`, `5m`, `2e6tok`, `1e13flop`, or several joined by commas (`90s,5e6tok`: first one reached). */
export function parseBudget(text: string): BudgetConfig {
  const out: BudgetConfig = {};
  for (const part of text.split(',')) {
    const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]+)\s*$/i.exec(part);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (!m || !unit) {
      throw new FlywheelError(
        'bad_input',
        `bad budget "${part.trim()}": use a number with s|m|h (seconds), tok (tokens) or flop (FLOPs), e.g. 60s, 2e6tok, 1e13flop`,
      );
    }
    const v = Number(m[1]) * unit.scale;
    if (!(v > 0)) throw new FlywheelError('bad_input', `bad budget "${part.trim()}": must be > 0`);
    out[unit.key] = unit.key === 'seconds' ? v : Math.round(v);
  }
  return out;
}

/** One line naming the first bad key and its value. */
export function describeZodError(err: ZodError, input: unknown, what = 'config'): string {
  const issue = err.issues[0];
  const path = issue.path.map(String).join('.');
  const value = path ? getPath(input, path) : undefined;
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys.map((k) => (path ? `${path}.${k}` : k));
    return `unknown ${what} key ${keys.join(', ')}`;
  }
  const shown = value === undefined ? '' : `=${JSON.stringify(value)}`;
  return `bad ${what} ${path || '(root)'}${shown}: ${issue.message}`;
}

export function validateConfig(input: unknown): TrainConfig {
  const r = TrainConfig.safeParse(input);
  if (!r.success) throw new FlywheelError('bad_config', describeZodError(r.error, input));
  return r.data;
}

export interface ResolveOptions {
  preset?: string;
  base?: TrainConfigInput; // e.g. a stored run's config for `run --from`
  sets?: string[];
  budget?: string;
  seed?: number;
}

export function resolveConfig(opts: ResolveOptions): TrainConfig {
  const input = structuredClone(opts.base ?? presetConfig(opts.preset ?? 'tiny')) as Record<string, unknown>;
  if (opts.base && opts.preset) input.preset = opts.preset;
  for (const s of opts.sets ?? []) applySet(input, s);
  if (opts.budget) input.budget = parseBudget(opts.budget);
  if (opts.seed !== undefined) input.seed = opts.seed;
  return validateConfig(input);
}

/** Train settings that change how a run executes but not what it learns: not part of its config hash. */
export const EXECUTION_KEYS = [
  'evalEveryTokens',
  'evalTokensPerDomain',
  'alsoEvalTokensPerDomain',
  'logEveryTokens',
  'checkpointAtStable',
  'checkpointEveryTokens',
  'threads',
  'device',
  'heartbeatSeconds',
];

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

export const canonicalJson = (v: unknown) => JSON.stringify(canonical(v));

/**
 * Identity of an experiment: the config without its seed, budget, resume point or preset label, with the
 * data dir reduced to the dataset hash (its basename). Runs that differ only by seed or by budget rung
 * share a hash (so "was this idea tried?" is one lookup), and the hash is the same on every machine.
 * Execution details that do not change the experiment (eval cadence, checkpointing, threads, device,
 * heartbeat, the size of the periodic evals that only feed the monitor) are left out too; the final
 * eval's size stays in, because it defines the metric.
 * `extra` (e.g. the hash of patched trainer code) is mixed in.
 */
export function configHash(config: TrainConfig, extra = ''): string {
  const c = structuredClone(config) as Partial<TrainConfig>;
  delete c.seed;
  delete c.budget;
  delete c.resume;
  delete c.preset;
  if (c.data?.dir) c.data = { ...c.data, dir: basename(c.data.dir) };
  if (c.train) {
    const t: Record<string, unknown> = { ...c.train };
    for (const k of EXECUTION_KEYS) delete t[k];
    c.train = t as TrainConfig['train'];
  }
  return createHash('sha256')
    .update(canonicalJson(c) + extra)
    .digest('hex')
    .slice(0, 16);
}
