/**
 * A trainer spec: how Flywheel runs a training script the user brings (README "Bring your own trainer").
 * One small JSON file in the user's project (`flywheel.trainer.json`), validated here once; errors name
 * the field. The file says how to start the script, how each knob reaches it (a flag template such as
 * `--learning_rate={value}`, an environment variable, or a key of a config file Flywheel writes), the
 * knobs' search space, how metrics arrive (stdout regexes or flywheel_log), how many tokens a step is,
 * what the val metric is, how a budget maps to the script, and what to snapshot.
 *
 * Knob values are only ever placed into single argv elements, env values or a generated file, never
 * through a shell, and only after they are checked against the knob's type and range (spec-knobs.ts).
 * Comments: JSON has none, so any key starting with `//` or `$comment` is allowed and ignored.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { FlywheelError } from '../errors.ts';
import { checkFormula } from './spec-formula.ts';

/** Knob and env names: an identifier, exactly (no dots, spaces or case folding). */
export const KNOB_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const Template = z
  .string()
  .min(1)
  .refine((s) => s.split('{value}').length === 2, 'must contain {value} exactly once');
/** One argv element (`--lr={value}`) or several (`["--lr", "{value}"]`), each a template or a literal. */
const FlagTemplate = z.union([Template, z.array(z.string().min(1)).min(1)]);

/** How one value reaches the script: exactly one of flag, env, file (a key of the generated config file). */
const Delivery = {
  flag: FlagTemplate.optional(),
  env: z.string().regex(ENV_NAME, 'must be an environment variable name').optional(),
  file: z.string().regex(KNOB_NAME, 'must be an identifier').optional(),
};
const oneDelivery = (d: { flag?: unknown; env?: unknown; file?: unknown }) =>
  [d.flag, d.env, d.file].filter((x) => x !== undefined).length === 1;
const DELIVERY_MSG = 'give exactly one of flag, env, file';

const Comments = z.record(z.string().regex(/^(\/\/|\$comment)/), z.unknown());
const withComments = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .catchall(z.unknown())
    .superRefine((o, ctx) => {
      for (const k of Object.keys(o)) {
        if (k in shape) continue;
        if (!Comments.safeParse({ [k]: 0 }).success)
          ctx.addIssue({ code: 'custom', path: [k], message: `unknown field "${k}"` });
      }
    });

const Scalar = z.union([z.number(), z.string(), z.boolean()]);

export const SpecKnob = withComments({
  type: z.enum(['float', 'int', 'categorical']),
  low: z.number().optional(),
  high: z.number().optional(),
  log: z.boolean().default(false),
  choices: z.array(Scalar).min(1).optional(),
  default: Scalar.optional(), // the base config's value; absent: the script's own default (nothing passed)
  search: z.boolean().default(true), // false: settable with --set, but not searched by research
  ...Delivery,
}).superRefine((k, ctx) => {
  if (!oneDelivery(k)) ctx.addIssue({ code: 'custom', message: DELIVERY_MSG });
  if (k.type === 'categorical') {
    if (!k.choices) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'required for categorical' });
  } else {
    if (k.low === undefined || k.high === undefined || !(k.low <= k.high))
      ctx.addIssue({ code: 'custom', path: ['low'], message: 'low and high are required, low <= high' });
    else if (k.log && k.low <= 0)
      ctx.addIssue({ code: 'custom', path: ['low'], message: 'a log-scale knob needs low > 0' });
    if (k.type === 'int' && !(Number.isInteger(k.low) && Number.isInteger(k.high)))
      ctx.addIssue({ code: 'custom', path: ['low'], message: 'an int knob needs integer low and high' });
  }
});
export type SpecKnob = z.infer<typeof SpecKnob>;

const DeliveryOnly = withComments(Delivery).refine(oneDelivery, DELIVERY_MSG);

/**
 * How the seed reaches the script, and whether it pairs: `pairs: true` says the seed alone fixes the
 * script's data order and, for configs with the same parameter shapes, its initial weights (as
 * `torch.manual_seed(seed)` before the model is built and batches are drawn does). Research then judges
 * a knob change from its third seed shared with its base on its own differences from the base (README
 * "Research sessions", **Paired seeds**). The user's word about the user's script: the researcher
 * cannot set it (no `trainer.*` key is its to change, SECURITY.md). Left out of the parsed spec when not
 * given, so a spec written before it keeps its config hashes.
 */
const SeedDelivery = withComments({ ...Delivery, pairs: z.boolean().optional() }).refine(
  oneDelivery,
  DELIVERY_MSG,
);

const Regex = z.string().refine((s) => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
}, 'is not a valid regular expression');
const Formula = z.union([z.number().positive(), z.string().refine((s) => checkFormula(s) === undefined)]);

export const TrainerSpec = withComments({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64)'),
  /** argv; `{python}` is a Python with torch, `{run_dir}` the run folder, `{data_dir}` the --data corpus. */
  command: z.array(z.string().min(1)).min(1),
  cwd: z.string().default('.'), // relative to the spec file's folder
  env: z.record(z.string().regex(ENV_NAME), z.string()).default({}),
  knobs: z.record(z.string().regex(KNOB_NAME, 'knob names are identifiers'), SpecKnob).default({}),
  /** Where `file` knobs go: a file Flywheel writes in the run folder, and how its path reaches the script. */
  configFile: withComments({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .default('flywheel_knobs.json'),
    format: z.enum(['json', 'python']).default('json'), // python: `name = value` lines (nanoGPT config files)
    flag: z
      .union([
        z.string().refine((s) => s.split('{path}').length === 2, 'must contain {path}'),
        z.array(z.string()),
      ])
      .optional(),
    env: z.string().regex(ENV_NAME).optional(),
  }).optional(),
  seed: SeedDelivery.optional(), // how the run's seed reaches the script; absent: the script's own seed
  budget: withComments({
    steps: DeliveryOnly.optional(), // tokens budget -> ceil(tokens / tokensPerStep) steps (e.g. --max_iters)
    tokens: DeliveryOnly.optional(),
    seconds: DeliveryOnly.optional(), // e.g. a TIME_BUDGET env var
    evalInterval: DeliveryOnly.optional(), // steps between evals (research asks for ~6 per run)
    resume: z.boolean().default(false), // the script cannot resume: a promoted trial restarts at the larger budget
    default: z.string().optional(), // budget when none is given, e.g. "2e6tok" or "60s"; absent: the script's own
  }).default({ resume: false }),
  metrics: withComments({
    source: z.enum(['stdout', 'flywheel_log']).default('stdout'),
    /** Named groups become event fields: step, loss, lr, tokens, gradNorm, valLoss, valBpb, params. */
    train: Regex.optional(),
    eval: Regex.optional(),
    final: Regex.optional(), // a line printed once at the end with the final metric (`val_bpb: 0.9979`)
    params: Regex.optional(), // a line with the parameter count (group `params`)
    paramsScale: z.number().positive().default(1), // e.g. 1e6 when the script prints "0.80M"
  }).default({ source: 'stdout', paramsScale: 1 }),
  /** A number, or a formula over knob values (+ - * / parentheses), e.g. "batch_size * block_size". */
  tokensPerStep: Formula.optional(),
  flopsPerToken: Formula.optional(), // default: 6 * params when params are known
  params: Formula.optional(),
  /** loss: the eval value is nats/token (bpb = loss / ln 2 / bytesPerToken); bpb: it is bits per byte. */
  valMetric: withComments({
    kind: z.enum(['loss', 'bpb']).default('loss'),
    bytesPerToken: z.number().positive().optional(), // e.g. 1 for a character-level tokenizer
  }).default({ kind: 'loss' }),
  snapshot: withComments({
    dir: z.string().default('.'),
    exclude: z.array(z.string()).default([]), // globs relative to dir: "data/**", "*.bin", "out*/**"
    maxBytes: z.number().int().positive().default(5_000_000),
  }).default({ dir: '.', exclude: [], maxBytes: 5_000_000 }),
  heartbeatSeconds: z.number().positive().default(300), // silence after which the run is called hung
  /** Set by the loader: the spec file's folder (absolute); relative paths above resolve against it. */
  specDir: z.string().optional(),
}).superRefine((s, ctx) => {
  for (const [name, k] of Object.entries(s.knobs)) {
    if (k.file !== undefined && !s.configFile)
      ctx.addIssue({ code: 'custom', path: ['knobs', name, 'file'], message: 'needs a configFile section' });
  }
  if (s.metrics.source === 'stdout' && !s.metrics.train && !s.metrics.eval && !s.metrics.final)
    ctx.addIssue({
      code: 'custom',
      path: ['metrics'],
      message: 'give train, eval or final regexes (or source "flywheel_log")',
    });
  if ((s.budget.steps || s.budget.evalInterval) && s.tokensPerStep === undefined)
    ctx.addIssue({ code: 'custom', path: ['tokensPerStep'], message: 'required to map budgets to steps' });
  for (const f of ['tokensPerStep', 'flopsPerToken', 'params'] as const) {
    const v = s[f];
    if (typeof v === 'string') {
      const bad = checkFormula(v, Object.keys(s.knobs));
      if (bad) ctx.addIssue({ code: 'custom', path: [f], message: bad });
    }
  }
});
export type TrainerSpec = z.infer<typeof TrainerSpec>;

/** One line naming the field: `trainer spec x.json: knobs.lr.low: ...`. */
function describe(err: z.ZodError, where: string): string {
  const i = err.issues[0];
  const path = i.path.map(String).join('.') || '(root)';
  return `trainer spec ${where}: ${path}: ${i.message}`;
}

export function parseTrainerSpec(input: unknown, where = '(inline)'): TrainerSpec {
  const r = TrainerSpec.safeParse(input);
  if (!r.success) throw new FlywheelError('bad_config', describe(r.error, where));
  return r.data;
}

/** Read and validate a spec file; relative paths in it resolve against its folder. */
export function loadTrainerSpec(path: string): TrainerSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FlywheelError(
      'not_found',
      `trainer spec ${path}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new FlywheelError('bad_config', `trainer spec ${path}: not JSON: ${(e as Error).message}`);
  }
  if (raw && typeof raw === 'object' && 'specDir' in raw)
    throw new FlywheelError('bad_config', `trainer spec ${path}: specDir: set by Flywheel, not in the file`);
  const spec = parseTrainerSpec(raw, path);
  return { ...spec, specDir: dirname(resolve(path)) };
}

/** An absolute path for a spec-relative one. */
export const specPath = (spec: TrainerSpec, p: string) => resolve(spec.specDir ?? '.', p);
