/**
 * A TrainConfig for a spec trainer (README "Bring your own trainer"): the spec itself under
 * `trainer.spec` (so a stored run says exactly what ran, and a session resumes by the same rules), its
 * knob values under `knobs` (defaults, then `--set name=value`), the budget, seed and data folder.
 * The model/optim/schedule sections keep the tiny preset's values only because every TrainConfig has
 * them; a spec trainer never reads them, and research never turns them (its search space is the
 * spec's knobs). `train.batchTokens` is the spec's tokens per step, so rung sizes round to whole steps.
 */
import { FlywheelError } from '../errors.ts';
import { presetConfig } from './presets.ts';
import { parseBudget, validateConfig } from './resolve.ts';
import { evalFormula } from './spec-formula.ts';
import { defaultKnobs, parseKnobValue } from './spec-knobs.ts';
import type { TrainConfig } from './train-config.ts';
import type { TrainerSpec } from './trainer-spec.ts';

export interface SpecResolveOptions {
  spec: TrainerSpec;
  sets?: string[]; // `name=value`, name exactly a knob of the spec
  budget?: string;
  seed?: number;
  dataDir?: string;
}

/** Apply one `--set name=value` to knob values: the name exactly, the value by the knob's type. */
export function applyKnobSet(spec: TrainerSpec, knobs: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new FlywheelError('bad_input', `--set expects knob=value, got "${assignment}"`);
  const name = assignment.slice(0, eq);
  const raw = assignment.slice(eq + 1);
  if (!Object.hasOwn(spec.knobs, name))
    throw new FlywheelError(
      'bad_config',
      `unknown knob "${name}" (spec ${spec.name} has ${Object.keys(spec.knobs).join(', ') || 'no knobs'})`,
    );
  const v = parseKnobValue(spec.knobs[name], raw);
  if (v === undefined)
    throw new FlywheelError(
      'bad_config',
      `bad knob ${name}=${JSON.stringify(raw)}: expected ${spec.knobs[name].type === 'categorical' ? `one of ${JSON.stringify(spec.knobs[name].choices)}` : `a ${spec.knobs[name].type}`}`,
    );
  knobs[name] = v;
}

export function resolveSpecConfig(o: SpecResolveOptions): TrainConfig {
  const { spec } = o;
  const knobs: Record<string, unknown> = defaultKnobs(spec);
  for (const s of o.sets ?? []) applyKnobSet(spec, knobs, s);
  const budgetText = o.budget ?? spec.budget.default;
  if (!budgetText)
    throw new FlywheelError(
      'bad_input',
      `trainer spec ${spec.name}: give --budget (or budget.default in the spec)`,
    );
  let tps = 1024;
  if (spec.tokensPerStep !== undefined) {
    try {
      tps =
        typeof spec.tokensPerStep === 'number' ? spec.tokensPerStep : evalFormula(spec.tokensPerStep, knobs);
    } catch (e) {
      throw new FlywheelError(
        'bad_config',
        `trainer spec ${spec.name}: tokensPerStep: ${(e as Error).message}`,
      );
    }
  }
  const batchTokens = Math.max(8, Math.round(tps));
  const base = presetConfig('tiny') as Record<string, unknown> & {
    model: Record<string, unknown>;
    train: Record<string, unknown>;
  };
  delete base.preset;
  return validateConfig({
    ...base,
    model: { ...base.model, seqLen: Math.min(64, batchTokens) },
    train: { ...base.train, batchTokens, heartbeatSeconds: spec.heartbeatSeconds },
    data: { mixture: {}, ...(o.dataDir ? { dir: o.dataDir } : {}) },
    budget: parseBudget(budgetText),
    seed: o.seed ?? 0,
    trainer: { spec, dir: spec.specDir },
    knobs,
  });
}
