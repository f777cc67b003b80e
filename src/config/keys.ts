/**
 * The one config-key grammar (SECURITY.md, "Config keys"). A key is exactly a dotted path to a leaf of
 * TrainConfig (`optim.lr`, `model.depth`), or `data.mixture.<domain>` with a domain name: no trimming,
 * no case folding, no group (`train`, `trainer`) given as a whole object. Admission, resolution and
 * `--set` all ask this file, so a key that one of them refuses can never reach another one spelled
 * differently. A trainer that brings its own knobs gets the same grammar over its own key set
 * (`keyGrammar`).
 *
 * `RESEARCHER_KEYS` is, once, what a researcher's config change may touch: the model, the optimizer,
 * the schedule, the batch and the data mixture. Never which code runs (`trainer.*`), where data comes
 * from (`data.dir`, `data.vocabSize`), the budget, the eval sizes that define the metric, seeds, resume
 * points or execution details.
 */
import type { z } from 'zod';
import { FlywheelError } from '../errors.ts';
import { DOMAIN_NAME, TrainConfig } from './train-config.ts';
import { KNOB_NAME, type TrainerSpec } from './trainer-spec.ts';

export { DOMAIN_NAME };

/** A domain's weight key, `data.mixture.<domain>`: the one spelling every module reads and writes. */
export const MIXTURE_PREFIX = 'data.mixture.';
export const mixtureKey = (domain: string): string => `${MIXTURE_PREFIX}${domain}`;
export const isMixtureKey = (key: string): boolean => key.startsWith(MIXTURE_PREFIX);

export interface KeyGrammar {
  /** Exact leaf paths. */
  readonly leaves: ReadonlySet<string>;
  /** Paths whose children are free names with a grammar of their own, e.g. data.mixture -> DOMAIN_NAME. */
  readonly records: ReadonlyMap<string, RegExp>;
  /** Word used in errors: "config", or a trainer's name. */
  readonly what: string;
}

export function keyGrammar(
  leaves: Iterable<string>,
  records: Record<string, RegExp> = {},
  what = 'config',
): KeyGrammar {
  return { leaves: new Set(leaves), records: new Map(Object.entries(records)), what };
}

type Walked = { leaves: string[]; records: string[] };

/** Whole values, never set key by key: a trainer spec comes from its file (`--trainer`), not `--set`. */
const OPAQUE = new Set(['trainer.spec']);

function walk(s: z.ZodType, path: string, out: Walked): void {
  const def = (s as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
  if (OPAQUE.has(path)) out.leaves.push(path);
  else if (def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(def.type)) {
    walk(def.innerType, path, out);
  } else if (def.type === 'object') {
    for (const [k, v] of Object.entries((s as unknown as z.ZodObject).shape))
      walk(v as z.ZodType, path ? `${path}.${k}` : k, out);
  } else if (def.type === 'record') out.records.push(path);
  else out.leaves.push(path);
}

let trainConfigKeys: KeyGrammar | undefined;

/** The grammar of TrainConfig, read from its zod schema (so a new field is a key with no second list). */
export function trainConfigGrammar(): KeyGrammar {
  if (!trainConfigKeys) {
    const w: Walked = { leaves: [], records: [] };
    walk(TrainConfig, '', w);
    // records: data.mixture (domain -> weight) and knobs (a spec trainer's knob -> value); a new one
    // needs its name grammar here
    const names: Record<string, RegExp> = { 'data.mixture': DOMAIN_NAME, knobs: KNOB_NAME };
    const records = Object.fromEntries(
      w.records.map((p) => {
        if (!names[p]) throw new Error(`keys.ts: no name grammar for the config record ${p}`);
        return [p, names[p]];
      }),
    );
    trainConfigKeys = keyGrammar(w.leaves, records);
  }
  return trainConfigKeys;
}

const isGroup = (g: KeyGrammar, key: string) =>
  [...g.leaves].some((l) => l.startsWith(`${key}.`)) || g.records.has(key);

function allKeys(g: KeyGrammar): string[] {
  return [...g.leaves, ...[...g.records.keys()].map((r) => `${r}.<name>`)];
}

/** Why `key` is not a key of the grammar (one line naming it), or undefined when it is one. */
export function keyError(key: unknown, g: KeyGrammar = trainConfigGrammar()): string | undefined {
  if (typeof key !== 'string' || key === '') return `empty ${g.what} key`;
  if (g.leaves.has(key)) return undefined;
  const shown = JSON.stringify(key);
  for (const [prefix, re] of g.records) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const name = key.slice(prefix.length + 1);
    if (re.test(name)) return undefined;
    return `bad ${g.what} key ${shown}: "${name}" is not a valid name under ${prefix} (${re.source})`;
  }
  if (key !== key.trim())
    return `bad ${g.what} key ${shown}: keys are exact dotted paths, with no surrounding spaces`;
  const folded = allKeys(g).find((k) => k.toLowerCase() === key.toLowerCase());
  if (folded) return `bad ${g.what} key ${shown}: keys are case-sensitive; the key is "${folded}"`;
  if (isGroup(g, key)) {
    const example = allKeys(g).find((k) => k.startsWith(`${key}.`));
    return `bad ${g.what} key ${shown}: it is a group of keys, not a key; set its leaves one by one (e.g. ${example})`;
  }
  return `unknown ${g.what} key ${key}`;
}

/** Why `value` cannot be given to a leaf: an object where a number, string, boolean or list belongs. */
export function valueError(key: string, value: unknown): string | undefined {
  if (value === undefined) return `${key} has no value`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value))
    return `${key}: an object is not a value (a key takes a number, string, boolean or list)`;
  return undefined;
}

/** keyError, then valueError. */
export function assignmentError(
  key: string,
  value: unknown,
  g: KeyGrammar = trainConfigGrammar(),
): string | undefined {
  return keyError(key, g) ?? valueError(key, value);
}

/** Throws the one-line `bad_config` error for a key or value the grammar refuses. */
export function assertAssignment(key: string, value: unknown, g: KeyGrammar = trainConfigGrammar()): void {
  const bad = assignmentError(key, value, g);
  if (bad) throw new FlywheelError('bad_config', bad);
}

/**
 * The keys a researcher's config change may touch (an allow-list: a field added to TrainConfig later is
 * refused until someone decides it is a research knob). Everything else is the session's or the user's.
 */
export const RESEARCHER_KEYS: { prefixes: readonly string[]; exact: ReadonlySet<string> } = {
  prefixes: ['model.', 'optim.', 'schedule.', MIXTURE_PREFIX],
  exact: new Set(['train.batchTokens', 'train.microBatchTokens']),
};

/** Why a researcher may not change `key` (a valid key), or undefined when it may. */
export function researcherKeyError(key: string): string | undefined {
  if (RESEARCHER_KEYS.exact.has(key) || RESEARCHER_KEYS.prefixes.some((p) => key.startsWith(p)))
    return undefined;
  if (key === 'seed') return "a change of only seed is noise, never a win; seeds are the engine's to choose";
  return `${key} is not the researcher's to change (it decides which code runs, the data, the budget, the seed or what is measured)`;
}

/** What a researcher may propose for one trainer: its key grammar and its allow-list. */
export interface ResearcherKeys {
  grammar: KeyGrammar;
  /** Why the researcher may not change this (valid) key, or undefined. */
  refuse: (key: string) => string | undefined;
}

/** TrainConfig's grammar with RESEARCHER_KEYS; a trainer with its own knobs passes its own. */
export const trainConfigResearcherKeys = (): ResearcherKeys => ({
  grammar: trainConfigGrammar(),
  refuse: researcherKeyError,
});

/** The grammar, then the researcher's allow-list: the check every proposed config key goes through. */
export function researcherAssignmentError(
  key: string,
  value: unknown,
  keys: ResearcherKeys = trainConfigResearcherKeys(),
): string | undefined {
  return assignmentError(key, value, keys.grammar) ?? keys.refuse(key);
}

/**
 * What a researcher may propose for a spec trainer (README "Bring your own trainer"): the script reads
 * only its knobs, so `knobs.<name>` of a knob the spec declares is the whole allow-list.
 */
export const specResearcherKeys = (spec: Pick<TrainerSpec, 'name' | 'knobs'>): ResearcherKeys => ({
  grammar: trainConfigGrammar(),
  refuse: (key) => {
    if (key.startsWith('knobs.') && Object.hasOwn(spec.knobs, key.slice('knobs.'.length))) return undefined;
    if (key === 'seed') return researcherKeyError(key);
    return `${key} is not a knob of trainer ${spec.name} (its knobs: ${Object.keys(spec.knobs)
      .map((k) => `knobs.${k}`)
      .join(', ')})`;
  },
});
