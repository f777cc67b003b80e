/**
 * The screening study as the offline researcher runs it (README "Screening study"): instead of testing
 * the library's changes one at a time, the session's first proposals are the rows of a two-level
 * design over up to `rows / 2` of them (src/analysis/factorial.ts), each row one measurement at the
 * study rung (Proposal.runAs 'study': never promoted, never judged; the engine measures it at the
 * lowest rung at least twice the base's warmup, research/core/spec.ts `studyRung`). Once every row has
 * ended, the main effects are fitted, with the base's own run at that rung as row 0 (the digest's
 * `baseAtRungs`): a complete design is tested against the noise of its residual contrasts, interaction
 * chains trimmed; one with a lost row by regression (analysis/factorial.ts). The factors whose one-sided
 * effect survives Holm over the factors are stacked into one change, sent straight to the top rung
 * (runAs 'top') and judged there by the engine like any other candidate: sequential looks, the
 * session's family correction, held-out paired confirmation. While the last rows end and the stack is
 * judged, the offline researcher holds the library and the mixture study back (`awaitingBase`) and
 * explores only when it may not wait; a won stack that holds pace changes beside others is judged again
 * without them (`paceCheck`); then the screen's near misses are followed up at the full budget
 * (`followUps`). Under a FLOPs budget, before the rows, one measurement at the full budget: the best
 * guess (`bestGuess`), every factor the library expects to help, together, never judged.
 *
 * Why: with N rows each effect's standard error is 2 sigma / sqrt(N) at the study rung's cost, where a
 * one-at-a-time test pays a full-budget run per seed per change. A short rung's ranking can be biased at
 * short horizons (LR, warmup and batch effects look larger); the stack's full-budget judgement is what
 * decides whether anything is kept, the pace check whether its pace changes ride along, and the
 * engine's ablation then attributes it knob by knob.
 *
 * What it cannot see: a main effect is the change averaged over the design's other rows, not the change
 * on the base. Where the rows interact strongly it misses small changes that help on the base itself: in
 * regime (a) QK-norm reads +0.0013 ± 0.0056 in the screen and −0.0065 on the base, paired, at the same
 * rung; a second screen on the re-based stack selects nothing (BENCHMARKS.md "Screening: main effects
 * against the base's own"). Nor does each change alone on the preset's first two seeds, a design
 * that costs less than this one where seeds pair: on the preset a change's paired differences spread
 * widely, and its se there (0.0062) is as large as the screen's (BENCHMARKS.md "One at a time on paired
 * seeds"). Those changes are left to the one-at-a-time trials that follow, on the re-based stack.
 *
 * Deterministic: the factors are a function of the library, the base config and the search space (not
 * of what was tried since), so a researcher rebuilt on resume plans the same design and proposes the
 * rows it has not proposed yet.
 */
import { designMasks, designRow, fitScreen, type MainEffectsFit } from '../analysis/factorial.ts';
import { isMixtureKey } from '../config/keys.ts';
import { canonicalJson, configHash } from '../config/resolve.ts';
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal, ResultSummary } from './base.ts';
import { studyKey, studyTopKey } from '../research/core/proposals.ts';
import { effectiveValue, ideaKey, outsideSpace } from './config-diff.ts';
import { weighStated } from './history-effect.ts';
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

const isPaceFactor = (f: ScreenFactor) => Object.keys(f.set).some(isPaceKey);

/**
 * A change the screen measured as likely helpful but did not select (one-sided p below this, Holm's
 * bar not met) is followed up: once the stack is concluded it is proposed first, straight to the full
 * budget on the current base, and judged there like any candidate. In regime (a) of
 * bench/research-efficiency the mixture's -0.014 (p 0.02, Holm 0.26) was such a change; one by one
 * through successive halving it sat behind the library's order and the budget ran out.
 */
export const FOLLOW_UP_P = 0.1;
/** How a design row's proposal title starts: `${ROW_TITLE} i/N: change + change`. */
export const ROW_TITLE = 'Screening design row';
/** The share of a design's rows an earlier session may have run before the screen is skipped. */
export const LOST_ROWS_MAX = 0.25;

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

type ConfigSet = Record<string, unknown>;

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

interface Row {
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

const setKey = (set: ConfigSet) => canonicalJson(set);

/** Results of study rows, one per row at the study rung (kept before a design exists: a resumed researcher observes first). */
export class ScreenResults {
  private readonly values = new Map<string, { set: ConfigSet; y?: number }>();
  /** The rung the rows ran at (the engine's study rung), once one has a value. */
  rung?: number;

  observe(r: ResultSummary): void {
    if (r.source !== SCREEN_SOURCE || r.change.kind !== 'config' || r.status === 'running') return;
    const y = r.status === 'completed' ? r.valBpb?.mean : undefined; // a study point runs one rung only
    this.values.set(setKey(r.change.set), { set: r.change.set, y });
    if (y !== undefined) this.rung = r.rung;
  }

  /** Row `set` will not run here (an earlier session ran it): ended, without a value. */
  lose(set: ConfigSet): void {
    if (!this.values.has(setKey(set))) this.values.set(setKey(set), { set });
  }

  /** Whether row `set` has ended (with or without a value). */
  ended(set: ConfigSet): boolean {
    return this.values.has(setKey(set));
  }

  get count(): number {
    return this.values.size;
  }

  /**
   * The fit; `base0` is row 0 (the base itself at the rows' rung, on their seed). With it and every row,
   * the whole design is tested against its residual contrasts (analysis/factorial.ts `fitComplete`).
   */
  fit(d: ScreenDesign, alpha = 0.05, base0?: number): MainEffectsFit | undefined {
    const runs = [...this.values.values()].flatMap((v) =>
      v.y === undefined ? [] : [{ on: factorsOn(d, v.set), y: v.y }],
    );
    if (base0 !== undefined && Number.isFinite(base0))
      runs.push({ on: d.factors.map(() => false), y: base0 });
    return fitScreen(runs, d.factors.length, alpha, d.rows);
  }
}

const f4 = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** The fit in words, one factor per line (for the journal). */
export function describeFit(d: ScreenDesign, fit: MainEffectsFit): string {
  const lines = d.factors.map((f, j) => {
    const e = fit.factors[j];
    return `${e.selected ? '✓' : '·'} ${f.title}: ${f4(e.effect)} ± ${e.se.toFixed(4)} at the study rung (Holm p ${e.adjustedP.toPrecision(2)})`;
  });
  // a +/-1 interaction column's coefficient is half the contrast "both on or both off" vs "one on"
  const inter = fit.interactions.map(
    (x) =>
      `× ${d.factors[x.pair[0]].title} with ${d.factors[x.pair[1]].title}: interaction ${f4(2 * x.coef)} ± ${(2 * x.se).toFixed(4)}`,
  );
  const how =
    fit.method === 'contrasts'
      ? `${fit.runs} rows with the base, noise from ${fit.df} residual contrasts, interaction chains trimmed (per-run sd ${fit.sigma.toFixed(4)})`
      : `${fit.runs} rows, residual sd ${fit.sigma.toFixed(4)} (${fit.df} df)`;
  return `${how}\n${[...lines, ...inter].join('\n')}`;
}

/** The stack of selected factors as one change, straight to the top rung; undefined when none was selected. */
export function stackProposal(
  d: ScreenDesign,
  fit: MainEffectsFit,
  base: TrainConfig,
): { key: string; proposal: Proposal } | undefined {
  const chosen = d.factors.filter((_, j) => fit.factors[j].selected);
  if (chosen.length === 0) return undefined;
  const set: ConfigSet = Object.assign({}, ...chosen.map((f) => f.set));
  const sum = fit.factors.reduce((s, e) => s + (e.selected ? e.effect : 0), 0);
  const parts = d.factors
    .map((f, j) => ({ f, e: fit.factors[j] }))
    .filter((x) => x.e.selected)
    .map((x) => `${x.f.title} ${f4(x.e.effect)} ± ${x.e.se.toFixed(4)}`);
  return {
    key: ideaKey(base, set),
    proposal: {
      title: `Screened stack: ${chosen.map((f) => f.title).join(' + ')}`,
      hypothesis:
        `The screening study (${fit.runs} study-rung rows over ${d.factors.length} changes, ${fit.method === 'contrasts' ? 'per-run sd from the residual contrasts' : 'residual sd'} ${fit.sigma.toFixed(4)}) ` +
        `selected ${chosen.length} change(s) whose main effect survives Holm at 5 %: ${parts.join('; ')}. ` +
        'Effects at a shorter budget can be larger than at the full budget (short-horizon bias), so the stack is judged at the full budget.',
      change: { kind: 'config', set },
      expectedEffect: Number(Math.min(-0.001, sum / 2).toFixed(4)),
      cost: 1,
      source: SCREEN_STACK_SOURCE,
      tags: ['study', 'screening', 'stack'],
      runAs: 'top',
    },
  };
}

/** The factor a library candidate is (same title, same change), or -1. */
export function screenedFactor(d: ScreenDesign, c: LibraryCandidate): number {
  const set = c.proposal.change.kind === 'config' ? c.proposal.change.set : undefined;
  if (!set) return -1;
  return d.factors.findIndex(
    (f) => f.title === c.proposal.title && canonicalJson(f.set) === canonicalJson(set),
  );
}

/** Whether `base` already has factor `f` (every knob it sets at its value). */
const hasFactor = (base: TrainConfig, f: ScreenFactor) =>
  Object.entries(f.set).every(([k, v]) => canonicalJson(effectiveValue(base, k)) === canonicalJson(v));

/**
 * What factor `j` is expected to do on `base`: its screened main effect plus, for each factor the base
 * has taken since (the re-based stack), their fitted interaction (effect heredity: the effect of a change
 * on the new base is its effect on the old one, moved by how it interacts with what changed), combined
 * with the library's `stated` expectation by precision (history-effect.ts `weighStated`, the guess's
 * prior variance at least se²). Study-rung effects can overstate LR, warmup and batch moves
 * (short-horizon bias): they order proposals here, and the full budget judges them.
 */
export function screenedExpectation(
  d: ScreenDesign,
  fit: MainEffectsFit,
  j: number,
  base: TrainConfig,
  stated: number,
): { effect: number; se: number; expected: number; heredity: boolean } {
  let effect = fit.factors[j].effect;
  let v = fit.factors[j].se ** 2;
  let heredity = false;
  for (const x of fit.interactions) {
    const other = x.pair[0] === j ? x.pair[1] : x.pair[1] === j ? x.pair[0] : -1;
    if (other < 0 || !hasFactor(base, d.factors[other])) continue;
    // +/-1 columns: turning j on with `other` on moves the response by effect + 2 coef
    effect += 2 * x.coef;
    v += 4 * x.se ** 2;
    heredity = true;
  }
  const se = Math.sqrt(v);
  const expected = weighStated(Number.isFinite(stated) ? stated : 0, effect, v, v);
  return { effect, se, expected: Number(expected.toFixed(4)), heredity };
}

/**
 * The study as one researcher runs it: planned on the first call before any confirmed win, its rows
 * proposed while any is left and only while the base is the one it was planned on, then (every row
 * ended or refused) the fit, journaled, and the stack of what it selected, once. When the base moves
 * before the rows have ended (another idea was confirmed first), the rows left are given up: they are
 * diffs on a base the session has left, so the study would never end and the library would wait on
 * it for the rest of the session (found in the README demo: a mixture study point was confirmed while
 * 29 of the 31 rows were still to be proposed, and the library's ideas never ran; TPE points did).
 */
export class ScreeningStudy {
  private planned?: ScreenDesign;
  private analysed = false;
  private abandoned = false;
  private readonly results = new ScreenResults();
  private stackConcluded = false;
  private stackSent = false;
  private stackTitle?: string;
  private fitted?: MainEffectsFit;
  private guessSent = false;
  private guess?: { value: number; rung: number; noted?: boolean };
  /** The base the design was planned on (the values a pace check sets back). */
  private designBase?: TrainConfig;
  private stackWon = false;
  /** The pace check once sent: its title and the pace changes it takes out of the stack. */
  private check?: { title: string; paceTitles: string[] };
  private checkConcluded = false;
  private checkWon = false;

  constructor(private readonly opts: ScreeningOptions) {}

  get design(): ScreenDesign | undefined {
    return this.planned;
  }

  observe(r: ResultSummary): void {
    this.results.observe(r);
    if (r.source === SCREEN_GUESS_SOURCE && r.status !== 'running' && r.valBpb && !this.guess)
      this.guess = { value: r.valBpb.mean, rung: r.rung };
    const over = r.status === 'stopped' || r.status === 'failed' || (r.verdict && r.verdict !== 'pending');
    if (r.source === SCREEN_STACK_SOURCE && over) {
      this.stackConcluded = true;
      if (r.verdict === 'win') this.stackWon = true;
    }
    if (r.source === SCREEN_PACE_CHECK_SOURCE && over) {
      this.checkConcluded = true;
      if (r.verdict === 'win') this.checkWon = true;
    }
  }

  /** The stack is out and its verdict not yet observed. */
  get stackPending(): boolean {
    return this.stackSent && !this.stackConcluded;
  }

  /** What the researcher waits for while `awaitingBase`, in words. */
  get waitReason(): string {
    if (this.stackPending) return 'the screened stack is judged; ideas wait for the base it may set';
    if (this.check && !this.checkConcluded)
      return 'the screened stack is judged without its pace changes; ideas wait for the base it may set';
    return "the screening study's last rows are running; ideas wait for its stack";
  }

  /**
   * The study's rows are out but not all ended, or its stack is judged: an idea judged now would be
   * judged against a base the stack may replace (found in bench/research-efficiency: a library idea got
   * 5 full-budget seeds against the old base while the stack that replaced it was judged), so the
   * researcher explores meanwhile.
   */
  get awaitingBase(): boolean {
    return (
      (Boolean(this.planned) && !this.analysed && !this.abandoned) ||
      this.stackPending ||
      (this.check !== undefined && !this.checkConcluded)
    );
  }

  /** This call's proposals, and the factors' titles (not to be proposed one by one on this base). */
  async step(o: {
    hasWin: boolean;
    base: TrainConfig;
    space: SearchSpace;
    candidates: () => LibraryCandidate[];
    avoidKeys: Set<string>;
    rejectedTitles: ReadonlySet<string>;
    n: number;
    tried: (keys: string[]) => Promise<Set<string>>;
    note: (m: string) => void;
    /** The base's val bpb at a rung on the rows' seed (the digest's `baseAtRungs`): the design's row 0. */
    baseAt?: (rung: number) => number | undefined;
    /**
     * Whether to run the best guess (`bestGuess`): only under a FLOPs budget. There its run costs its
     * FLOPs whenever it runs, so running it first only brings its number forward. Under a wall-time
     * budget it delays the design's fit by its own run: in a README demo at 9,359 tok/s that cost the
     * stack's held-out confirmation the last 40 s it needed, and the session ended with `rebases: 0`.
     */
    guess?: boolean;
  }): Promise<{ proposals: Proposal[]; factorTitles: Set<string> }> {
    const { base, space } = o;
    const baseHash = configHash(base);
    if (!this.planned && !this.analysed && !o.hasWin) await this.plan(o);
    const d = this.planned;
    if (d && d.baseHash !== baseHash && !this.analysed && !this.abandoned) {
      this.abandoned = true;
      o.note(
        `screening study given up: the base moved when ${this.results.count} of its ${d.rows - 1} rows ` +
          'had ended; its changes come back as library ideas on the new base',
      );
    }
    if (!d || d.baseHash !== baseHash) return { proposals: [], factorTitles: new Set() };
    this.noteGuess(o);
    // the screened changes are not proposed one by one on the base they were screened on, before the
    // stack is judged or after: the screen measured them (found when a session proposed RoPE alone
    // while the stack holding it was at the top)
    const factorTitles = new Set(d.factors.map((f) => f.title));
    // a stack the engine refused is never judged: nothing to wait for
    if (this.stackTitle && o.rejectedTitles.has(this.stackTitle)) this.stackConcluded = true;
    if (this.analysed) return { proposals: [], factorTitles };
    const rows = rowProposals(d, base, space, new Set([baseHash]), d.rows);
    const refused = (r: Row) => o.rejectedTitles.has(r.proposal.title);
    const proposals: Proposal[] = [];
    // the best guess first, once (an earlier session that ran it on this base measured it already)
    const guess = this.guessSent || !o.guess ? undefined : bestGuess(d, base, space);
    this.guessSent = true;
    if (guess && !o.avoidKeys.has(guess.key) && !(await o.tried([guess.key])).has(guess.key)) {
      proposals.push(guess.proposal);
      o.avoidKeys.add(guess.key);
      o.note(
        `screening study: first its best guess, ${guess.changes} of its changes together at the full budget (measured once, never judged)`,
      );
    }
    for (const r of rows) {
      if (proposals.length >= o.n) break;
      if (o.avoidKeys.has(r.key) || this.results.ended(r.set) || refused(r)) continue;
      proposals.push(r.proposal);
      o.avoidKeys.add(r.key);
    }
    if (!rows.every((r) => refused(r) || this.results.ended(r.set))) return { proposals, factorTitles };
    this.analysed = true;
    const rung = this.results.rung;
    const fit = this.results.fit(d, this.opts.alpha, rung === undefined ? undefined : o.baseAt?.(rung));
    if (!fit) {
      o.note(`screening study: too few rows ended to fit ${d.factors.length} effects`);
      return { proposals, factorTitles };
    }
    o.note(`screening study fitted: ${describeFit(d, fit)}`);
    this.fitted = fit;
    const stack = stackProposal(d, fit, base);
    if (!stack) return { proposals, factorTitles };
    // out now, or (a resumed researcher) by the session before: pending until its conclusion is observed
    this.stackSent = true;
    this.stackTitle = stack.proposal.title;
    if (!o.avoidKeys.has(stack.key) && !(await o.tried([stack.key])).has(stack.key)) {
      proposals.push(stack.proposal);
      o.avoidKeys.add(stack.key);
    }
    return { proposals, factorTitles };
  }

  /** The best guess's full-budget value against the base's on the same seed, in the journal once. */
  private noteGuess(o: { note: (m: string) => void; baseAt?: (rung: number) => number | undefined }): void {
    const g = this.guess;
    const b = g && !g.noted ? o.baseAt?.(g.rung) : undefined;
    if (!g || b === undefined || !Number.isFinite(b)) return;
    g.noted = true;
    o.note(
      `screening study: the best guess measured ${g.value.toFixed(4)} val bpb at the full budget against the base's ` +
        `${b.toFixed(4)} on the same seed (${f4(g.value - b)}); one seed of a bundle: the screen says which changes carry it`,
    );
  }

  /**
   * `cands` (library candidates of the current base, in the library's order) with what the screen
   * measured taken into account: a candidate that is one of the screen's factors, with the same change,
   * gets the screened expectation (`screenedExpectation`) in place of the library's stated one, and the
   * list is re-ordered by expected gain per FLOP (stable). Unchanged before the fit and while the stack
   * is judged. Why: after a re-base the screened changes come back as library ideas on the new base,
   * and in their stated order a session spent its first full-budget runs on WSD, which the screen had
   * measured at +0.022 ± 0.004 (worse), while changes it measured as gains waited (README "Screening
   * study").
   */
  informed(cands: readonly LibraryCandidate[], base: TrainConfig): LibraryCandidate[] {
    const d = this.planned;
    const fit = this.fit();
    if (!d || !fit) return [...cands];
    const ranked = cands.map((c, i) => {
      const j = screenedFactor(d, c);
      const e = j < 0 ? undefined : screenedExpectation(d, fit, j, base, c.proposal.expectedEffect);
      // a fit that cannot say (no finite estimate) leaves the library's expectation alone
      if (!e || !Number.isFinite(e.expected))
        return { c, i, rank: c.proposal.expectedEffect / (c.proposal.cost ?? 1) };
      const proposal: Proposal = {
        ...c.proposal,
        expectedEffect: e.expected,
        hypothesis:
          `${c.proposal.hypothesis} The screening study measured ${f4(e.effect)} ± ${e.se.toFixed(4)} at the study rung` +
          `${e.heredity ? ', with its interactions with the changes the base has since taken' : ''}; ` +
          `with the library's ${f4(c.proposal.expectedEffect)} that makes ${f4(e.expected)} expected here.`,
        tags: [...(c.proposal.tags ?? []), 'screened'],
      };
      return { c: { ...c, proposal }, i, rank: e.expected / (proposal.cost ?? 1) };
    });
    return ranked.sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.c);
  }

  /** The fit, once every row ended (a researcher rebuilt after the re-base fits without row 0). */
  private fit(): MainEffectsFit | undefined {
    const d = this.planned;
    if (!d || this.stackPending) return undefined;
    return (this.fitted ??=
      this.results.count >= d.rows - 1 ? this.results.fit(d, this.opts.alpha) : undefined);
  }

  /**
   * The pace changes (`isPaceKey`) of a stack that won beside other changes: they were selected at the
   * study rung, where a faster pace looks better than it is, and the full budget judged only the whole
   * stack. Once the stack is the base (every one of its factors in `base`), the engine judges the stack
   * without them: those knobs set back to the screened base's values, straight to the full budget, like
   * any candidate. Kept (the base moves) only if the full budget confirms the stack is better without
   * them; in the common case, pace changes that help, it is behind after its first seed and stopped.
   * Once, and not on a base the screen has not measured (a stack that lost, a resumed researcher).
   */
  paceCheck(
    base: TrainConfig,
    space: SearchSpace,
    rejectedTitles: ReadonlySet<string>,
  ): { key: string; proposal: Proposal } | undefined {
    // a check the engine refused is never judged: nothing to wait for
    if (this.check && rejectedTitles.has(this.check.title)) this.checkConcluded = true;
    const d = this.planned;
    const fit = this.fit();
    const from = this.designBase;
    if (!d || !fit || !from || !this.stackWon || this.check) return undefined;
    const chosen = d.factors.filter((_, j) => fit.factors[j].selected);
    const pace = chosen.filter(isPaceFactor);
    if (pace.length === 0 || pace.length === chosen.length) return undefined;
    if (!chosen.every((f) => hasFactor(base, f))) return undefined;
    const set: ConfigSet = {};
    for (const k of pace.flatMap((f) => Object.keys(f.set))) set[k] = effectiveValue(from, k);
    if (Object.values(set).some((v) => v === undefined) || outsideSpace(space, set)) return undefined;
    const titles = pace.map((f) => f.title);
    this.check = {
      title: `Screened stack without its pace changes (${titles.join(', ')})`,
      paceTitles: titles,
    };
    return {
      key: ideaKey(base, set),
      proposal: {
        title: this.check.title,
        hypothesis:
          `The screened stack won at the full budget as a whole, but ${titles.join(' and ')} set the optimisation's pace, and ` +
          'the screen measured them at the study rung, where a faster pace is rewarded (short-horizon bias). With those knobs ' +
          'set back to the screened base’s values, is the stack better at the full budget? If so, they were riding along.',
        change: { kind: 'config', set },
        expectedEffect: 0,
        cost: 1,
        source: SCREEN_PACE_CHECK_SOURCE,
        tags: ['screening', 'pace'],
        runAs: 'top',
      },
    };
  }

  /**
   * Changes not to propose one by one on this session's later bases: the pace changes a confirmed pace
   * check took out of the stack (the full budget measured the stack better without them).
   */
  get droppedTitles(): Set<string> {
    return new Set(this.checkWon ? (this.check?.paceTitles ?? []) : []);
  }

  /**
   * The screen's near misses (FOLLOW_UP_P) among `untried` library candidates of the current base,
   * most likely first, as full-budget proposals; none while the stack is judged. A researcher rebuilt
   * on resume after the re-base fits the rows again without row 0 (the digest has the new base's runs):
   * the regression's fit.
   */
  followUps(untried: readonly LibraryCandidate[]): Array<{ key: string; proposal: Proposal }> {
    const d = this.planned;
    const fit = this.fit();
    if (!d || !fit) return [];
    return d.factors
      .map((f, j) => ({ f, e: fit.factors[j] }))
      .filter((x) => !x.e.selected && x.e.effect < 0 && x.e.p < FOLLOW_UP_P)
      .sort((a, b) => a.e.p - b.e.p)
      .flatMap(({ f, e }) => {
        const c = untried.find((x) => x.proposal.title === f.title);
        if (!c) return []; // in the base already, or no longer applicable
        const evidence =
          `The screening study measured ${f4(e.effect)} ± ${e.se.toFixed(4)} at the study rung (one-sided p ${e.p.toPrecision(2)}), ` +
          "short of Holm's bar over its changes; judged at the full budget on the current base.";
        return [
          {
            key: c.key,
            proposal: {
              ...c.proposal,
              hypothesis: `${c.proposal.hypothesis} ${evidence}`,
              source: SCREEN_FOLLOW_UP_SOURCE,
              tags: [...(c.proposal.tags ?? []), 'screening'],
              runAs: 'top' as const,
            },
          },
        ];
      });
  }

  /**
   * Plan the design. A row an earlier session already ran (the same config at the study rung: the next
   * session's base is often the last one's stack, so a last-session row that held the stack's changes
   * and one more is this session's row of that one) would be refused here, as any idea tried before
   * is: it is left out, ended without a value, and the fit is a regression over the rows that ran
   * (analysis/factorial.ts `fitScreen`). Which rows are left out depends on what earlier sessions
   * tried, not on this session's numbers. When more than LOST_ROWS_MAX of the design was run before,
   * the screen is mostly a repeat of one already fitted, and it is skipped. Found in a second 8-minute
   * CLI session in one home: 1 of its 31 rows had run in the first, and the whole screen was skipped.
   */
  private async plan(o: {
    base: TrainConfig;
    space: SearchSpace;
    candidates: () => LibraryCandidate[];
    tried: (keys: string[]) => Promise<Set<string>>;
    note: (m: string) => void;
  }): Promise<void> {
    const d = planDesign(o.base, o.candidates(), this.opts.rows);
    if (!d) return;
    const rows = rowProposals(d, o.base, o.space, new Set([configHash(o.base)]), d.rows);
    // a resumed session has observed its own rows: only a fresh study checks the store
    const before = this.results.count === 0 ? await o.tried(rows.map((r) => r.key)) : new Set<string>();
    const lost = rows.filter((r) => before.has(r.key));
    if (lost.length > LOST_ROWS_MAX * (d.rows - 1)) {
      this.analysed = true;
      o.note(
        `screening study skipped: ${lost.length} of its ${d.rows - 1} rows were run by an earlier session`,
      );
      return;
    }
    for (const r of lost) this.results.lose(r.set);
    this.planned = d;
    this.designBase = o.base;
    const left = lost.length
      ? `; ${lost.length} row(s) an earlier session ran are left out (the fit is a regression)`
      : '';
    o.note(
      `screening study: ${d.rows - 1} rows over ${d.factors.length} changes (${d.factors.map((f) => f.title).join(', ')})${left}`,
    );
  }
}
