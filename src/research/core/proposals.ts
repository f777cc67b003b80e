/**
 * Admitting a researcher's proposal: validate it, refuse what must not be run, dedup against every idea
 * ever tried, and turn it into a ProposalState with its resolved config. All before any compute.
 */
import { researcherAssignmentError, specResearcherKeys } from '../../config/keys.ts';
import { canonicalJson, configHash, getPath, setPath, validateConfig } from '../../config/resolve.ts';
import type { SearchSpace } from '../../config/search-space.ts';
import { vocabOf, type TrainConfig } from '../../config/train-config.ts';
import { FlywheelError, errorLine } from '../../errors.ts';
import type { Change, Proposal } from '../../researchers/base.ts';
import { flopsPerToken } from '../../runs/flops.ts';
import { onlyNoisePaths } from '../../stats/seed-only.ts';

/**
 * The idea key of a study point (Proposal.runAs 'study'): a measurement for a designed study is
 * not a trial of the idea, so it is kept apart. The same config can then still be proposed and judged
 * (a screened stack that is also one of the design's rows), and a design row is not refused because
 * someone ran that config as an idea.
 */
export const studyKey = (key: string): string => `${key}:study`;
/** The same for a measurement at the top rung (runAs 'study-top'): apart from a design row of that config too. */
export const studyTopKey = (key: string): string => `${key}:study-top`;

/** Whether a proposal is a measurement for a study (at the study rung or the top), never judged. */
export const isStudyPoint = (p: Pick<Proposal, 'runAs'>): boolean =>
  p.runAs === 'study' || p.runAs === 'study-top';

/** The key a proposal is admitted (and remembered as tried) under: its config's hash, apart for a study point. */
export const proposalKey = (p: Pick<Proposal, 'runAs'>, hash: string): string =>
  p.runAs === 'study' ? studyKey(hash) : p.runAs === 'study-top' ? studyTopKey(hash) : hash;

/** The source of a carried stack (core/stack.ts `carryOver`), titled `Stack: part + part`. */
export const STACK_SOURCE = 'stack';

/** The titles of the changes a proposal stands for: a carried stack's parts, else its own title. */
export const stackParts = (p: { title: string; source: string }): string[] =>
  p.source === STACK_SOURCE ? p.title.replace(/^Stack: /, '').split(' + ') : [p.title];

export type Admission =
  | { ok: true; config: TrainConfig; key: string; cost: number; set: Record<string, unknown> }
  | { ok: false; reason: string };

/** The set of dotted paths a change assigns (config part only). */
export function changeSets(change: Change): Record<string, unknown> {
  return change.kind === 'config' ? change.set : (change.set ?? {});
}

function checkBounds(space: SearchSpace, path: string, value: unknown): string | undefined {
  const knob = space.knobs.find((k) => k.path === path);
  if (!knob) return undefined;
  if (knob.type === 'categorical') {
    return knob.choices.some((c) => c === value)
      ? undefined
      : `${path}=${JSON.stringify(value)} is not one of ${JSON.stringify(knob.choices)}`;
  }
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `${path}=${JSON.stringify(value)} is not a number`;
  if (value < knob.low || value > knob.high)
    return `${path}=${value} is outside the search space [${knob.low}, ${knob.high}]`;
  if (knob.type === 'int' && !Number.isInteger(value)) return `${path}=${value} must be an integer`;
  return undefined;
}

export function admitProposal(
  p: Proposal,
  base: TrainConfig,
  opts: {
    searchSpace: SearchSpace;
    noiseKeys: readonly string[];
    triedKeys: Map<string, string>;
    codeHash?: string;
  },
): Admission {
  if (!p || typeof p.title !== 'string' || !p.title.trim())
    return { ok: false, reason: 'proposal has no title' };
  if (!p.change || (p.change.kind !== 'config' && p.change.kind !== 'code'))
    return { ok: false, reason: 'proposal has no valid change' };
  const set = changeSets(p.change);
  if (set === null || typeof set !== 'object' || Array.isArray(set))
    return { ok: false, reason: 'change.set must be an object of config key -> value' };
  const paths = Object.keys(set);
  if (p.change.kind === 'config' && paths.length === 0) return { ok: false, reason: 'empty change' };
  const keys = base.trainer.spec ? specResearcherKeys(base.trainer.spec) : undefined;
  for (const path of paths) {
    // one grammar, one allow-list (src/config/keys.ts; SECURITY.md "Config keys"); a spec trainer's
    // allow-list is its knobs (README "Bring your own trainer")
    const refused = researcherAssignmentError(path, set[path], keys);
    if (refused) return { ok: false, reason: refused };
    const bad = checkBounds(opts.searchSpace, path, set[path]);
    if (bad) return { ok: false, reason: bad };
  }
  const input = structuredClone(base) as unknown as Record<string, unknown>;
  try {
    for (const path of paths) setPath(input, path, set[path]);
  } catch (e) {
    return { ok: false, reason: errorLine(e) };
  }
  let config: TrainConfig;
  try {
    config = validateConfig(input);
  } catch (e) {
    return { ok: false, reason: e instanceof FlywheelError ? e.message : errorLine(e) };
  }
  const changed = paths.filter(
    (path) => canonicalJson(getPath(base, path)) !== canonicalJson(getPath(config, path)),
  );
  if (p.change.kind === 'config' && changed.length === 0)
    return { ok: false, reason: 'the change equals the current config' };
  if (p.change.kind === 'config' && onlyNoisePaths(changed, opts.noiseKeys)) {
    return { ok: false, reason: `a change of only ${changed.join(', ')} is noise, never a win` };
  }
  const hash = configHash(config, opts.codeHash ?? '');
  const key = proposalKey(p, hash);
  const seen = opts.triedKeys.get(key);
  if (seen) return { ok: false, reason: `already tried (${seen})` };
  const vocab = vocabOf(base);
  const cost = flopsPerToken(config.model, vocab) / flopsPerToken(base.model, vocab);
  return { ok: true, config, key, cost, set };
}
