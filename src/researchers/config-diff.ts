/**
 * Config diffs as the offline researcher sees them: applying a `set` to the current best, the dedup key
 * of an idea, reading a knob's effective value, and checking a diff against the search space.
 */
import { isSeedOnlyChange } from '../stats/seed-only.ts';
import { mixtureKey } from '../config/keys.ts';
import { configHash, getPath, setPath, validateConfig } from '../config/resolve.ts';
import type { Knob, SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { ConfigChange } from './base.ts';

export type KnobValue = string | number | boolean;
export type ConfigSet = Record<string, unknown>;

/** The base config with `set` applied (a copy; the base is not touched). Not validated. */
export function applyConfigSet(base: TrainConfig, set: ConfigSet): Record<string, unknown> {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(set)) setPath(out, path, value);
  return out;
}

/**
 * The dedup key of an idea: `configHash` of the base config with the change applied, exactly what the
 * engine stores in `digest.tried`. Seed and budget do not enter the hash, so a seed-only change has
 * the base's own key. The applied config is validated first when it can be (validation only fills
 * defaults, so a valid config hashes the same either way). Config changes only: a code change's key
 * also needs the hash of the patched trainer, which the engine owns.
 */
export function ideaKey(baseConfig: TrainConfig, change: ConfigChange | ConfigSet): string {
  const set =
    change.kind === 'config' && typeof change.set === 'object'
      ? (change as ConfigChange).set
      : (change as ConfigSet);
  const applied = applyConfigSet(baseConfig, set);
  let config: TrainConfig;
  try {
    config = validateConfig(applied);
  } catch {
    config = applied as unknown as TrainConfig;
  }
  return configHash(config);
}

/** Validate base + set; undefined when the result is not a valid TrainConfig. */
export function tryApply(base: TrainConfig, set: ConfigSet): TrainConfig | undefined {
  try {
    return validateConfig(applyConfigSet(base, set));
  } catch {
    return undefined;
  }
}

/**
 * The value a knob really has in a config: per-group LRs left unset follow `optim.lr` (adamw) or
 * `optim.adamLr` (muon), as trainers/gpt/train.py resolves them.
 */
export function effectiveValue(config: TrainConfig, path: string): unknown {
  const v = getPath(config, path);
  if (v !== undefined) return v;
  if (/^optim\.(embedLr|headLr|scalarLr)$/.test(path)) {
    return config.optim.name === 'muon' ? config.optim.adamLr : config.optim.lr;
  }
  return undefined;
}

export function findKnob(space: SearchSpace, path: string): Knob | undefined {
  return space.knobs.find((k) => k.path === path);
}

/** Why `set` falls outside the space (a path that is not a knob, a value out of range), or undefined. */
export function outsideSpace(space: SearchSpace, set: ConfigSet): string | undefined {
  for (const [path, value] of Object.entries(set)) {
    const knob = findKnob(space, path);
    if (!knob) return `${path} is not a knob of the search space`;
    if (knob.type === 'categorical') {
      if (!knob.choices.some((c) => c === value))
        return `${path}=${JSON.stringify(value)} is not one of its choices`;
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value))
        return `${path}=${JSON.stringify(value)} is not a number`;
      if (knob.type === 'int' && !Number.isInteger(value)) return `${path}=${value} is not an integer`;
      if (value < knob.low || value > knob.high)
        return `${path}=${value} is outside [${knob.low}, ${knob.high}]`;
    }
  }
  return undefined;
}

/** The entries of `set` that really change `base` (a no-op entry would only blur the idea). */
export function effectiveDiff(base: TrainConfig, set: ConfigSet): ConfigSet {
  return Object.fromEntries(Object.entries(set).filter(([p, v]) => effectiveValue(base, p) !== v));
}

/**
 * Knobs that do nothing in `config`: the AdamW-group LR and Muon settings under adamw, the warmdown under
 * cosine, a head LR with a tied head. A diff that sets them would be a new key for the same experiment.
 */
export function inertPaths(config: TrainConfig): string[] {
  const out: string[] = [];
  if (config.optim.name !== 'muon') out.push('optim.adamLr', 'optim.muonMomentum', 'optim.muonNsSteps');
  if (config.schedule.name !== 'wsd') out.push('schedule.warmdownFrac');
  if (config.model.tiedEmbeddings) out.push('optim.headLr');
  return out;
}

/** A seed-only (or empty) change can never be a finding; such diffs are never proposed. */
export function isSeedOnly(set: ConfigSet): boolean {
  return isSeedOnlyChange({ kind: 'config', set });
}

/** Round to `digits` significant digits: proposals read `lr=0.00424`, not `0.004242640687119285`. */
export function roundSig(x: number, digits = 3): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(digits));
}

/**
 * The search space extended with one weight knob per data domain, `data.mixture.<domain>` in [0, 1].
 * Mixture ideas express weights normalised to sum 1, so [0, 1] holds every mixture. The default space
 * cannot name domains (they depend on the dataset), so the session adds these for its dataset.
 */
export function withMixtureKnobs(space: SearchSpace, domains: string[]): SearchSpace {
  const extra: Knob[] = domains
    .filter((d) => !findKnob(space, mixtureKey(d)))
    .map((d) => ({ path: mixtureKey(d), type: 'float', low: 0, high: 1, log: false }));
  return { knobs: [...space.knobs, ...extra] };
}
