/**
 * The screening study's design (README "Screening study"; the study itself: screening-study.ts): which
 * library changes become its factors, the two-level design over them and its rows as study proposals,
 * how many rows a budget pays for, and the best guess that runs before them. Pure functions of the
 * library, the base config and the search space, so a researcher rebuilt on resume plans the same design.
 */
import { designMasks, designRow } from '../analysis/factorial.ts';
import { isMixtureKey } from '../config/keys.ts';
import { canonicalJson, configHash } from '../config/resolve.ts';
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal } from './base.ts';
import { studyKey, studyTopKey } from '../research/core/proposals.ts';
import { ideaKey, outsideSpace } from './config-diff.ts';
import type { LibraryCandidate } from './library-proposals.ts';

export const SCREEN_SOURCE = 'screening-study';
export const SCREEN_STACK_SOURCE = 'screening-stack';
export const SCREEN_FOLLOW_UP_SOURCE = 'screening-follow-up';
export const SCREEN_GUESS_SOURCE = 'screening-guess';
export const SCREEN_PACE_CHECK_SOURCE = 'screening-pace-check';

/**
 * Knobs that set the optimisation's pace: the learning rates and the optimizer's other settings (not
 * its identity), the schedule, the batch. A run shorter than the full budget rewards a faster pace, so
 * a pace change's effect at the study rung can change sign at the full budget (short-horizon bias). In
 * regime (a) of bench/research-efficiency at 48 full runs, a 64-row screen selected WSD (−0.0062 ±
 * 0.0012 at the study rung) and LR × 2 (−0.0103 ± 0.0012) beside five other changes; on greedy's stack
 * at the full budget they measured +0.020 and +0.042, and the stack that held them re-ran 0.064 behind
 * the one without them. The stack is judged whole, so such a change rides along with the large ones.
 */
export const isPaceKey = (path: string): boolean =>
  (path.startsWith('optim.') && path !== 'optim.name') ||
  path.startsWith('schedule.') ||
  path === 'train.batchTokens';

/** Whether a change sets any pace knob (`isPaceKey`). */
export const isPaceSet = (set: ConfigSet): boolean => Object.keys(set).some(isPaceKey);

/** How a design row's proposal title starts: `${ROW_TITLE} i/N: change + change`. */
export const ROW_TITLE = 'Screening design row';

export interface ScreeningOptions {
  /** Design size: 16, 32 or 64 rows (the base is row 0, so rows - 1 runs). */
  rows: number;
  /** Family-wise level for selecting factors (default 0.05). */
  alpha?: number;
}

export interface ScreenFactor {
  title: string;
  set: Record<string, unknown>;
  /** The library's stated expectation for it (val bpb, negative = better). */
  expected?: number;
}

export interface ScreenDesign {
  baseHash: string;
  rows: number;
  factors: ScreenFactor[];
  masks: number[];
}

export type ConfigSet = Record<string, unknown>;

/**
 * The share of a session's budget the screening study may take. The study is the session's broad first
 * look, and its rows run at the study rung (a third of the full budget with 3 rungs x eta 3 when rung 0
 * ends inside warmup): at 30 % a 24-run session paid for 16 rows (8 changes, 7 residual df), and in the
 * planted regime of bench/research-efficiency that found 2, 1, 2 of 10 planted wins; 32 rows at 45 %
 * found 6, 5, 6 (BENCHMARKS.md). Nor does the design stop at its half when the effects look large: its
 * first 16 rows lose equal domain weights in regime (a), and 1 to 3 planted wins in regime (b), whose
 * half-screens show t statistics as large (bench/screen-half.ts; BENCHMARKS.md "A screen stopped at
 * its half").
 */
export const SCREEN_SHARE = 0.45;

/**
 * The largest design the budget pays for with `share` of it: rows whose study-rung runs cost `rowCost` full
 * runs each, out of `capacity` full runs. 0 (no study) below 16 rows.
 */
export function affordableRows(capacity: number, rowCost: number, share = SCREEN_SHARE): number {
  if (!(capacity > 0) || !(rowCost > 0)) return 0;
  for (const rows of [64, 32, 16]) if ((rows - 1) * rowCost <= share * capacity) return rows;
  return 0;
}

const sameFlops = (c: LibraryCandidate) => Math.abs((c.proposal.cost ?? 1) - 1) <= 0.05;
// the optimizer's identity changes what every optimizer knob means: no factor may touch it
const entangled = (path: string) => path === 'optim.name';
// the mixture's weights are normalised together: one factor may set them, as one knob
const knobOf = (path: string) => (isMixtureKey(path) ? 'data.mixture' : path);

/**
 * Factors, in the library's order (expected gain per FLOP): config changes at the base's FLOPs per
 * token (a FLOP-matched change trains fewer tokens, which no 0/1 column can hold), none touching the
 * optimizer's identity, and no knob shared with an earlier factor (the mixture's weights count as one
 * knob). At most `max`.
 */
export function chooseFactors(cands: readonly LibraryCandidate[], max: number): ScreenFactor[] {
  const used = new Set<string>();
  const out: ScreenFactor[] = [];
  for (const c of cands) {
    if (out.length >= max) break;
    if (c.proposal.change.kind !== 'config' || !sameFlops(c)) continue;
    const paths = Object.keys(c.proposal.change.set);
    const knobs = [...new Set(paths.map(knobOf))];
    if (paths.length === 0 || paths.some(entangled) || knobs.some((k) => used.has(k))) continue;
    for (const k of knobs) used.add(k);
    out.push({ title: c.proposal.title, set: c.proposal.change.set, expected: c.proposal.expectedEffect });
  }
  return out;
}

/** The design for `base` over these candidates, or undefined when fewer than 3 factors qualify. */
export function planDesign(
  base: TrainConfig,
  cands: readonly LibraryCandidate[],
  rows: number,
): ScreenDesign | undefined {
  const factors = chooseFactors(cands, rows / 2);
  if (factors.length < 3) return undefined;
  // fewer factors than bits would repeat rows: the full factorial of k factors is then the design
  const size = Math.min(rows, 2 ** factors.length);
  return { baseHash: configHash(base), rows: size, factors, masks: designMasks(factors.length, size) };
}

/** Row i's change: the union of its factors' sets (disjoint knobs). */
export function rowSet(d: ScreenDesign, i: number): ConfigSet {
  const on = designRow(i, d.masks);
  return Object.assign({}, ...d.factors.filter((_, j) => on[j]).map((f) => f.set));
}

/** Which factors a change turns on (each factor's whole set must be in it, with its values). */
export function factorsOn(d: ScreenDesign, set: ConfigSet): boolean[] {
  return d.factors.map((f) =>
    Object.entries(f.set).every(([k, v]) => canonicalJson(set[k]) === canonicalJson(v)),
  );
}

export interface Row {
  key: string;
  set: ConfigSet;
  proposal: Proposal;
}

/** The design's rows not in `avoidKeys` (row 0 is the base itself), as study proposals. */
export function rowProposals(
  d: ScreenDesign,
  base: TrainConfig,
  space: SearchSpace,
  avoidKeys: Set<string>,
  n: number,
): Row[] {
  const out: Row[] = [];
  for (let i = 1; i < d.rows && out.length < n; i++) {
    const set = rowSet(d, i);
    const key = studyKey(ideaKey(base, set)); // a measurement, not a trial of the idea (core/proposals.ts)
    if (avoidKeys.has(key) || outsideSpace(space, set)) continue;
    const on = d.factors.filter((_, j) => designRow(i, d.masks)[j]).map((f) => f.title);
    out.push({
      key,
      set,
      proposal: {
        title: `${ROW_TITLE} ${i}/${d.rows - 1}: ${on.join(' + ')}`,
        hypothesis:
          `Row ${i} of a ${d.rows}-row two-level screening design (resolution IV) over ${d.factors.length} library changes, ` +
          'measured once at the study rung. With the other rows it estimates every change’s main effect; the changes ' +
          'that survive Holm’s correction are then stacked and judged at the full budget like any change.',
        change: { kind: 'config', set },
        expectedEffect: 0,
        cost: 1,
        source: SCREEN_SOURCE,
        tags: ['study', 'screening'],
        runAs: 'study',
      },
    });
  }
  return out;
}

/**
 * The best guess: every factor the library expects to help, together, as one measurement at the full
 * budget (runAs 'study-top': never judged, never kept, on the base's first seed). It runs before the
 * rows, so the session has a full-budget number for where its changes lead while the screen finds out
 * which of them carry it: the rows' study rung is a third of the budget, and without the guess the
 * first changed config at the full budget was the screen's stack, after about 60 % of a 24-run budget
 * (bench/research-efficiency, regime (a)). Run only under a FLOPs budget (`step`'s `guess`). Undefined
 * below two such factors (one is its own idea).
 */
export function bestGuess(
  d: ScreenDesign,
  base: TrainConfig,
  space: SearchSpace,
): { key: string; proposal: Proposal; changes: number } | undefined {
  const chosen = d.factors.filter((f) => (f.expected ?? 0) < 0);
  if (chosen.length < 2) return undefined;
  const set: ConfigSet = Object.assign({}, ...chosen.map((f) => f.set));
  if (outsideSpace(space, set)) return undefined;
  const sum = chosen.reduce((a, f) => a + (f.expected ?? 0), 0);
  return {
    key: studyTopKey(ideaKey(base, set)),
    proposal: {
      title: `Best guess: ${chosen.map((f) => f.title).join(' + ')}`,
      hypothesis:
        `Every change of the screening study that the library expects to help (${chosen.length} of ${d.factors.length}), ` +
        'together, measured once at the full budget on the base’s first seed. A measurement, never judged or kept: the ' +
        'session’s first full-budget look at where its changes lead, while the screen finds out which of them carry it.',
      change: { kind: 'config', set },
      expectedEffect: Number(sum.toFixed(4)),
      cost: 1,
      source: SCREEN_GUESS_SOURCE,
      tags: ['study', 'screening', 'guess'],
      runAs: 'study-top',
    },
    changes: chosen.length,
  };
}
