/**
 * Where `flywheel research --trainer SPEC` starts (README "Bring your own trainer"): the spec's config
 * (knob defaults, then `--set`), and the search space over its knobs. The session engine then runs as for
 * the reference trainer: noise floor, successive halving (a promoted trial restarts at the larger budget,
 * since a spec script does not resume), statistics.
 */
import { resolveSpecConfig } from '../config/spec-config.ts';
import { specSearchSpace } from '../config/spec-knobs.ts';
import type { SearchSpace } from '../config/search-space.ts';
import { loadTrainerSpec } from '../config/trainer-spec.ts';
import type { TrainConfig } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';

export function specSessionStart(o: { trainer: string; set: string[]; dataDir?: string }): {
  config: TrainConfig;
  searchSpace: SearchSpace;
  source: string;
} {
  const spec = loadTrainerSpec(o.trainer);
  if (!spec.budget.steps && !spec.budget.tokens)
    throw new FlywheelError(
      'bad_config',
      `trainer spec ${o.trainer}: budget.steps or budget.tokens is needed for research (its rungs are token budgets)`,
    );
  const searchSpace = specSearchSpace(spec);
  if (!searchSpace.knobs.length)
    throw new FlywheelError('bad_config', `trainer spec ${o.trainer}: knobs: no knob to search`);
  // the budget here is a placeholder: every trial gets its rung's token budget
  const config = resolveSpecConfig({ spec, sets: o.set, budget: '1e6tok', dataDir: o.dataDir });
  return { config, searchSpace, source: `trainer:${spec.name}` };
}
