/**
 * `flywheel research`'s options: the checks that fail before anything starts (one line each, exit 2),
 * and the session rules they set (statistics and monitor) in SessionSpec terms.
 */
import { parseBudget } from '../config/resolve.ts';
import { FlywheelError } from '../errors.ts';
import type { MonitorParams } from '../monitor/index.ts';
import { checkResearcherEnv, RESEARCHER_NAMES } from '../researchers/index.ts';
import type { SessionSpecInput } from '../research/core/spec.ts';
import { LADDER_MAX } from '../research/core/ladder.ts';

export interface ResearchOptions {
  researcher: string;
  budget: string;
  parallel: number;
  executor: string;
  resume?: string;
  preset?: string;
  set: string[];
  fullTokens?: number;
  rungs: number;
  eta: number;
  seeds: number;
  seed: number;
  confirmSeeds?: number;
  alpha?: number;
  correction?: string;
  monitor: string[];
  maxLlmCost?: number;
  maxProposals?: number;
  unsafeNoSandbox?: boolean;
  ladder?: number; // larger sizes the best change is re-tested at (research/ladder-plan.ts)
  trainer?: string; // a trainer spec (README "Bring your own trainer")
  data?: string; // a prepared corpus: folder or hash
  json?: boolean;
}

const bad = (message: string) => new FlywheelError('bad_input', message);

export const parseNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw bad(`${name} must be a positive number, got "${v}"`);
  return n;
};

/** Everything that can be refused before a store is opened or a dataset read; returns the budget. */
export function checkOptions(o: ResearchOptions): { seconds?: number; flops?: number } {
  // The one researcher-name check: a missing API key also fails here, before any dataset work.
  if (!RESEARCHER_NAMES.includes(o.researcher))
    throw bad(`--researcher ${o.researcher}: use one of ${RESEARCHER_NAMES.join(', ')}`);
  if (!o.resume) checkResearcherEnv(o.researcher);
  if (o.parallel < 1) throw bad(`--parallel must be >= 1, got ${o.parallel}`);
  if (o.seeds < 3) throw bad(`--seeds must be >= 3 (a win needs >= 3 seeds), got ${o.seeds}`);
  if (o.rungs < 1 || o.rungs > 6) throw bad(`--rungs must be 1..6, got ${o.rungs}`);
  if (o.ladder !== undefined && !(Number.isInteger(o.ladder) && o.ladder >= 0 && o.ladder <= LADDER_MAX))
    throw bad(`--ladder must be 0..${LADDER_MAX} larger sizes, got ${o.ladder}`);
  if (o.ladder && o.trainer)
    throw bad('--ladder needs the built-in GPT trainer (a trainer spec has no width and depth to grow)');
  if (o.alpha !== undefined && !(o.alpha >= 0.001 && o.alpha <= 0.5))
    throw bad(`--alpha must be in [0.001, 0.5], got ${o.alpha}`);
  if (o.correction !== undefined && o.correction !== 'holm' && o.correction !== 'bh')
    throw bad(`--correction must be holm or bh, got "${o.correction}"`);
  monitorParams(o.monitor);
  const budget = parseBudget(o.budget);
  if (budget.tokens) throw bad('--budget for a session is wall time and/or FLOPs (tokens are per run)');
  return budget;
}

const RULES = [
  'nan',
  'divergence',
  'spike',
  'stall',
  'evalSize',
  'lrSchedule',
  'trainValGap',
  'cannotCatchUp',
  'behindBaseline',
] as const satisfies readonly (keyof MonitorParams)[];

/**
 * `--monitor RULE=false` leaves a rule out, `--monitor RULE.PARAM=VALUE` sets one of its parameters
 * (src/monitor/rules/: e.g. `behindBaseline.m=5`, `spike.zHuge=20`). Values are JSON, else strings.
 */
export function monitorParams(items: string[]): MonitorParams {
  const out: Record<string, Record<string, unknown> | false> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const path = eq > 0 ? item.slice(0, eq) : '';
    const [rule, param, ...rest] = path.split('.');
    if (!RULES.includes(rule as (typeof RULES)[number]) || rest.length)
      throw bad(`--monitor ${item}: use RULE=false or RULE.PARAM=VALUE with RULE one of ${RULES.join(', ')}`);
    const raw = item.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    if (param === undefined) {
      if (value !== false)
        throw bad(`--monitor ${item}: a whole rule can only be switched off (${rule}=false)`);
      out[rule] = false;
    } else {
      const cur = out[rule];
      out[rule] = { ...(cur === false || cur === undefined ? {} : cur), [param]: value };
    }
  }
  return out as MonitorParams;
}

/** The session rules the options set (defaults from SessionSpec where an option is absent). */
export function ruleSpec(o: ResearchOptions): Partial<SessionSpecInput> {
  return {
    eta: o.eta,
    baselineSeeds: o.seeds,
    candidateSeeds: o.seeds,
    sessionSeed: o.seed,
    ...(o.confirmSeeds !== undefined ? { confirmSeeds: o.confirmSeeds } : {}),
    ...(o.alpha !== undefined ? { alpha: o.alpha } : {}),
    ...(o.correction !== undefined ? { correction: o.correction as 'holm' | 'bh' } : {}),
    ...(o.monitor.length ? { monitor: monitorParams(o.monitor) as Record<string, unknown> } : {}),
    ...(o.maxProposals ? { maxProposals: o.maxProposals } : {}),
  };
}
