/**
 * Which of a candidate's looks are judged on paired seeds (stats/paired-seeds.ts), and on what runs.
 *
 * Decided by the design alone, never by the values: a config change (not an agent's code) of a session
 * whose trainer pairs seeds, both sides on the session's trainer, and at least MIN_PAIRS of the
 * candidate's top-rung decision seeds run by its base's decision runs (core/base.ts). The reference
 * trainer draws a seed's data order, and the initial weights of every config with the same parameter
 * shapes, from the seed alone (trainers/gpt/harness.py); a brought script pairs when its spec says
 * so (`seed.pairs`); a foreign command (`trainer.command`) or a spec that does not say promises
 * nothing of the kind, and its candidates keep the unpaired test or the seed-blocked fit with its
 * pre-test (stats/seed-blocks.ts). A new session records which it is
 * (`spec.pairedSeeds`, `withPairing`), so a session resumed later runs by the rules it started with.
 * Candidates run on their base's decision seeds first (next-seed.ts `nextSeed`), so a candidate's
 * third seed is normally its third pair; once it has run all of them, each further seed is run by the
 * base too (next-seed.ts `nextSeedTrials`), so every look adds a pair.
 *
 * With `withConfirm`, the held-out confirmation runs join as pairs of their own: the candidate's
 * confirmation run and its base's re-run on that seed (base.ts `baseConfirmTrials`), for the
 * all-seeds test of the verdict when the decision was paired too (conclude.ts: the judge scales that
 * test's p by the decision's adjustment, which only means something between tests of one kind).
 */
import { canonicalJson } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { pairedContrast, type PairedContrast, type SeedValue } from '../../stats/paired-seeds.ts';
import { baseConfirmTrials, baseDecisionTrials } from './base.ts';
import { topRung, type SessionSpec } from './spec.ts';
import {
  DECISION_PURPOSES,
  proposalOf,
  type ProposalState,
  type SessionState,
  type TrialState,
} from './state.ts';

/** The reference trainer runs this config: no foreign command, no brought script, no patched code dir. */
export const onReferenceTrainer = (c: TrainConfig): boolean =>
  !c.trainer.command && !c.trainer.spec && !c.trainer.dir;

/**
 * Whether a trainer's seeds pair: the reference trainer's do; a brought script's do when its spec says
 * so (`seed.pairs`, config/trainer-spec.ts: the user's word about the user's script); a bare foreign
 * command promises nothing.
 */
export const seedsPair = (c: TrainConfig): boolean =>
  onReferenceTrainer(c) || (!c.trainer.command && c.trainer.spec?.seed?.pairs === true);

/** A new session's spec with whether its trainer pairs seeds recorded (`seedsPair`). */
export const withPairing = (spec: SessionSpec): SessionSpec =>
  spec.pairedSeeds === undefined ? { ...spec, pairedSeeds: seedsPair(spec.baseConfig) } : spec;

/**
 * Whether the design pairs a candidate with its base (the file comment): the session's trainer pairs
 * seeds, and both are config changes on it. From the design alone; how many seeds are shared is
 * `pairedOf`'s business.
 */
export function designPairs(
  state: SessionState,
  spec: SessionSpec,
  p: ProposalState,
  baseId: string,
): boolean {
  const trainer = canonicalJson(spec.baseConfig.trainer);
  const paired = (x: ProposalState) =>
    (x.id === baseId || x.change.kind === 'config') && canonicalJson(x.config.trainer) === trainer;
  return spec.pairedSeeds === true && [p, proposalOf(state, baseId)].every(paired);
}

/** A candidate's contrast with its base on paired seeds, or undefined when the design does not pair it. */
export function pairedOf(
  state: SessionState,
  spec: SessionSpec,
  p: ProposalState,
  baseId: string,
  withConfirm = false,
): PairedContrast | undefined {
  if (!designPairs(state, spec, p, baseId)) return undefined;
  const top = String(topRung(spec));
  const at = (ts: TrialState[]): SeedValue[] =>
    ts.flatMap((t) => {
      const v = t.results[top];
      return typeof v === 'number' && Number.isFinite(v) ? [{ seed: t.seed, value: v }] : [];
    });
  const mine = state.trials.filter((t) => t.proposalId === p.id);
  const cand = at(mine.filter((t) => DECISION_PURPOSES.includes(t.purpose)));
  const theirs = at(baseDecisionTrials(state, baseId));
  if (!withConfirm) return pairedContrast(cand, theirs);
  const held = at(mine.filter((t) => t.purpose === 'confirm'));
  const reRuns = at(baseConfirmTrials(state, p.id));
  return pairedContrast([...cand, ...held], [...theirs, ...reRuns]);
}
