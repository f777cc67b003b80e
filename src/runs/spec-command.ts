/**
 * The command line of a spec trainer's run (README "Bring your own trainer"): the spec's argv with its
 * placeholders filled, then each knob, the seed and the budget delivered as the spec says (a flag
 * template filled into one argv element, an env var, or a key of a config file written into the run
 * folder). No shell ever sees a value: the process is spawned from the argv array, and every knob value
 * was checked against its search space when the config was validated (src/config/spec-knobs.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evalFormula } from '../config/spec-formula.ts';
import { formatValue, type KnobValue } from '../config/spec-knobs.ts';
import { specPath, type SpecKnob, type TrainerSpec } from '../config/trainer-spec.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';

export interface SpecLaunch {
  command: string[];
  env: Record<string, string>;
  cwd: string;
  /** Budget units the spec cannot pass to the script: Flywheel ends the run when one is reached. */
  enforce: { tokens?: number; seconds?: number };
  tokensPerStep?: number;
  flopsPerToken?: number;
  params?: number;
}

type Delivery = { flag?: string | string[]; env?: string; file?: string };

function formula(
  spec: TrainerSpec,
  field: 'tokensPerStep' | 'flopsPerToken' | 'params',
  vars: Record<string, unknown>,
) {
  const f = spec[field];
  if (f === undefined) return undefined;
  if (typeof f === 'number') return f;
  try {
    return evalFormula(f, vars);
  } catch (e) {
    throw new FlywheelError('bad_config', `trainer spec ${spec.name}: ${field}: ${(e as Error).message}`);
  }
}

/** tokens per step, FLOPs per token and params of a spec run, from its formulas and knob values. */
export function specSizes(
  config: TrainConfig,
): Pick<SpecLaunch, 'tokensPerStep' | 'flopsPerToken' | 'params'> {
  const spec = config.trainer.spec!;
  const vars = { ...(config.knobs ?? {}) };
  const params = formula(spec, 'params', vars);
  const fpt = formula(spec, 'flopsPerToken', vars) ?? (params !== undefined ? 6 * params : undefined);
  return { tokensPerStep: formula(spec, 'tokensPerStep', vars), flopsPerToken: fpt, params };
}

export function specLaunch(config: TrainConfig, runDir: string, resolvePython: () => string): SpecLaunch {
  const spec = config.trainer.spec;
  if (!spec) throw new FlywheelError('internal', 'specLaunch without a trainer spec');
  const sizes = specSizes(config);
  const fill = (s: string) =>
    s.replace(/\{(python|run_dir|data_dir)\}/g, (_, name: string) => {
      if (name === 'python') return resolvePython();
      if (name === 'run_dir') return runDir;
      if (!config.data.dir)
        throw new FlywheelError(
          'bad_input',
          `trainer spec ${spec.name}: command uses {data_dir}: give --data`,
        );
      return config.data.dir;
    });
  const command = spec.command.map(fill);
  const env: Record<string, string> = { ...spec.env };
  if (config.data.dir) env.FLYWHEEL_DATA_DIR = config.data.dir;
  const file: Record<string, KnobValue> = {};

  const deliver = (d: Delivery, value: KnobValue, what: string, type?: SpecKnob['type']) => {
    const text = formatValue(value, type);
    if (d.flag !== undefined) {
      const parts = typeof d.flag === 'string' ? [d.flag] : d.flag;
      for (const p of parts) command.push(p.split('{value}').join(text));
    } else if (d.env !== undefined) env[d.env] = text;
    else if (d.file !== undefined) file[d.file] = value;
    else throw new FlywheelError('internal', `no delivery for ${what}`);
  };

  for (const [name, k] of Object.entries(spec.knobs)) {
    const v = config.knobs?.[name];
    if (v !== undefined) deliver(k, v, `knob ${name}`, k.type);
  }
  if (spec.seed) deliver(spec.seed, config.seed, 'seed');

  const enforce: SpecLaunch['enforce'] = {};
  const b = config.budget;
  const tps = sizes.tokensPerStep;
  let tokens = b.tokens;
  if (tokens === undefined && b.flops !== undefined && sizes.flopsPerToken)
    tokens = b.flops / sizes.flopsPerToken;
  if (tokens !== undefined) {
    if (spec.budget.steps && tps)
      deliver(spec.budget.steps, Math.max(1, Math.ceil(tokens / tps)), 'budget.steps');
    else if (spec.budget.tokens) deliver(spec.budget.tokens, Math.round(tokens), 'budget.tokens');
    else enforce.tokens = tokens;
  }
  if (b.seconds !== undefined) {
    if (spec.budget.seconds)
      deliver(spec.budget.seconds, Math.max(1, Math.round(b.seconds)), 'budget.seconds');
    else enforce.seconds = b.seconds;
  }
  const every = config.train.evalEveryTokens;
  if (every && spec.budget.evalInterval && tps)
    deliver(spec.budget.evalInterval, Math.max(1, Math.round(every / tps)), 'budget.evalInterval');

  if (spec.configFile) {
    const cf = spec.configFile;
    const path = join(runDir, cf.name);
    const body =
      cf.format === 'json'
        ? JSON.stringify(file, null, 2) + '\n'
        : Object.entries(file)
            .map(
              ([k, v]) => `${k} = ${typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v)}\n`,
            )
            .join('');
    writeFileSync(path, body);
    if (cf.flag !== undefined)
      for (const p of typeof cf.flag === 'string' ? [cf.flag] : cf.flag)
        command.push(p.split('{path}').join(path));
    if (cf.env !== undefined) env[cf.env] = path;
  }
  return { command, env, cwd: specPath(spec, spec.cwd), enforce, ...sizes };
}
