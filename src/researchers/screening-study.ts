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
 *
 * Where the parts live: the design (factors, rows, the best guess, how many rows a budget pays for) in
 * screening-design.ts; what is read from the rows (their fit, the stack, a screened change's expected
 * effect on a later base) in screening-fit.ts; what follows the fit (the library re-ranked, the pace
 * check, the near misses' follow-ups) in screening-after.ts; this file is the study's flow,
 * `ScreeningStudy`.
 */
import type { MainEffectsFit } from '../analysis/factorial.ts';
import { configHash } from '../config/resolve.ts';
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal, ResultSummary } from './base.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import {
  bestGuess,
  planDesign,
  rowProposals,
  SCREEN_GUESS_SOURCE,
  SCREEN_PACE_CHECK_SOURCE,
  SCREEN_STACK_SOURCE,
  type Row,
  type ScreenDesign,
  type ScreeningOptions,
} from './screening-design.ts';
import { followUpProposals, informedCandidates, paceCheckProposal } from './screening-after.ts';
import { describeFit, signedEffect, ScreenResults, stackProposal } from './screening-fit.ts';

/** The share of a design's rows an earlier session may have run before the screen is skipped. */
export const LOST_ROWS_MAX = 0.25;

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
        `${b.toFixed(4)} on the same seed (${signedEffect(g.value - b)}); one seed of a bundle: the screen says which changes carry it`,
    );
  }

  /**
   * `cands` re-ranked by what the screen measured (screening-after.ts `informedCandidates`); unchanged
   * before the fit and while the stack is judged.
   */
  informed(cands: readonly LibraryCandidate[], base: TrainConfig): LibraryCandidate[] {
    const d = this.planned;
    const fit = this.fit();
    return d && fit ? informedCandidates(d, fit, cands, base) : [...cands];
  }

  /** The fit, once every row ended (a researcher rebuilt after the re-base fits without row 0). */
  private fit(): MainEffectsFit | undefined {
    const d = this.planned;
    if (!d || this.stackPending) return undefined;
    return (this.fitted ??=
      this.results.count >= d.rows - 1 ? this.results.fit(d, this.opts.alpha) : undefined);
  }

  /**
   * The pace check of a stack that won beside pace changes (screening-after.ts `paceCheckProposal`),
   * once the stack is the base. Once, and not on a base the screen has not measured (a stack that
   * lost, a resumed researcher).
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
    const c = paceCheckProposal(d, fit, from, base, space);
    if (!c) return undefined;
    this.check = { title: c.proposal.title, paceTitles: c.paceTitles };
    return { key: c.key, proposal: c.proposal };
  }

  /**
   * Changes not to propose one by one on this session's later bases: the pace changes a confirmed pace
   * check took out of the stack (the full budget measured the stack better without them).
   */
  get droppedTitles(): Set<string> {
    return new Set(this.checkWon ? (this.check?.paceTitles ?? []) : []);
  }

  /**
   * The screen's near misses followed up at the full budget (screening-after.ts `followUpProposals`);
   * none while the stack is judged. A researcher rebuilt on resume after the re-base fits the rows
   * again without row 0 (the digest has the new base's runs): the regression's fit.
   */
  followUps(untried: readonly LibraryCandidate[]): Array<{ key: string; proposal: Proposal }> {
    const d = this.planned;
    const fit = this.fit();
    return d && fit ? followUpProposals(d, fit, untried) : [];
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
