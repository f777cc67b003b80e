/**
 * A spec trainer's knobs: strict parsing of `--set name=value`, the check every value passes (CLI, a
 * researcher's proposal, a stored config) and the search space research samples from. In a TrainConfig
 * the values live under `knobs.<name>`, so the research engine turns them like any other dotted path.
 */
import type { Knob, SearchSpace } from './search-space.ts';
import { KNOB_NAME, type SpecKnob, type TrainerSpec } from './trainer-spec.ts';

export type KnobValue = number | string | boolean;

/** undefined when `value` is allowed for knob `name` of `spec`; else one line naming knob and value. */
export function checkKnobValue(spec: TrainerSpec, name: string, value: unknown): string | undefined {
  if (!KNOB_NAME.test(name) || !Object.hasOwn(spec.knobs, name))
    return `unknown knob "${name}" (spec ${spec.name} has ${Object.keys(spec.knobs).join(', ') || 'none'})`;
  const k = spec.knobs[name];
  const shown = `${name}=${JSON.stringify(value)}`;
  if (k.type === 'categorical')
    return k.choices!.some((c) => c === value)
      ? undefined
      : `${shown} is not one of ${JSON.stringify(k.choices)}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${shown} is not a number`;
  if (k.type === 'int' && !Number.isInteger(value)) return `${shown} must be an integer`;
  if (value < k.low! || value > k.high!) return `${shown} is outside [${k.low}, ${k.high}]`;
  return undefined;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A `--set` value for a knob, exactly: numbers as numbers, a categorical by the text of one of its choices. */
export function parseKnobValue(k: SpecKnob, raw: string): KnobValue | undefined {
  if (k.type !== 'categorical') return NUMBER.test(raw) ? Number(raw) : undefined;
  return k.choices!.find((c) => String(c) === raw);
}

/**
 * How a value is written into an argv element or env var: numbers as JS prints them, except that a float
 * knob's whole number keeps a decimal point (`1.0`), since scripts that literal_eval their flags (nanoGPT's
 * configurator.py) check the type against their default; booleans as true/false.
 */
export const formatValue = (v: KnobValue, type?: SpecKnob['type']): string =>
  type === 'float' && typeof v === 'number' && Number.isInteger(v) ? v.toFixed(1) : String(v);

/** The research search space over the spec's searchable knobs (paths `knobs.<name>`). */
export function specSearchSpace(spec: TrainerSpec): SearchSpace {
  const knobs: Knob[] = [];
  for (const [name, k] of Object.entries(spec.knobs)) {
    if (!k.search) continue;
    const path = `knobs.${name}`;
    if (k.type === 'categorical') knobs.push({ path, type: 'categorical', choices: k.choices! });
    else knobs.push({ path, type: k.type, low: k.low!, high: k.high!, log: k.log });
  }
  return { knobs };
}

/** The knob values a spec starts from: every default. */
export function defaultKnobs(spec: TrainerSpec): Record<string, KnobValue> {
  const out: Record<string, KnobValue> = {};
  for (const [name, k] of Object.entries(spec.knobs)) if (k.default !== undefined) out[name] = k.default;
  return out;
}
