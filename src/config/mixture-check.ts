/**
 * Domain weights from a researcher, checked before admission (README, "Data-mixture study"): every
 * `data.mixture.<domain>` must name a domain of the session's dataset and be a finite weight >= 0, and
 * the resulting mixture must give some domain a positive weight. Otherwise the run would only fail in the
 * trainer (trainers/gpt/harness.py mixture_weights) after its slot was spent; here it is refused before
 * any compute, by the engine's admission (src/research/io/intake.ts) and the LLM tools' dry run alike.
 * The known domains are the search space's mixture knobs (the session adds one per dataset domain), else
 * the dataset's meta; with neither, only values are checked.
 */
import { loadDatasetMeta } from '../data/prepare.ts';
import { isMixtureKey, MIXTURE_PREFIX } from './keys.ts';
import type { SearchSpace } from './search-space.ts';
import type { TrainConfig } from './train-config.ts';

function knownDomains(base: TrainConfig, space: SearchSpace): string[] | undefined {
  const fromSpace = space.knobs
    .filter((k) => isMixtureKey(k.path))
    .map((k) => k.path.slice(MIXTURE_PREFIX.length));
  if (fromSpace.length) return fromSpace;
  if (!base.data.dir) return undefined;
  try {
    return loadDatasetMeta(base.data.dir).domains.map((d) => d.name);
  } catch {
    return undefined;
  }
}

/** Why this change's mixture weights must not run, or undefined when they may (or it sets none). */
export function mixtureRefusal(
  change: { set?: unknown } | undefined,
  base: TrainConfig,
  space: SearchSpace,
): string | undefined {
  const set = change?.set;
  if (!set || typeof set !== 'object' || Array.isArray(set)) return undefined;
  const entries = Object.entries(set as Record<string, unknown>).filter(([k]) => isMixtureKey(k));
  if (!entries.length) return undefined;
  const domains = knownDomains(base, space);
  const mixture: Record<string, number> = { ...base.data.mixture };
  for (const [path, v] of entries) {
    const name = path.slice(MIXTURE_PREFIX.length);
    if (domains && !domains.includes(name))
      return `${path}: the dataset has no domain "${name}" (its domains: ${domains.join(', ')})`;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      return `${path}=${typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v))}: a domain weight must be a finite number >= 0`;
    mixture[name] = v;
  }
  // a non-empty mixture gives every domain it leaves out weight 0 (the trainer normalises the rest)
  if (!(Object.values(mixture).reduce((a, b) => a + b, 0) > 0))
    return `data.mixture gives every domain weight 0: the trainer would have nothing to sample`;
  return undefined;
}
