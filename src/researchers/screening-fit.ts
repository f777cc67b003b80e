/**
 * What the screening study reads from its rows (README "Screening study"; the study itself:
 * screening-study.ts): the rows' results and their fit, the fit in words, the stack of the changes it
 * selected, and what a screened change is expected to do on a later base.
 */
import { fitScreen, type MainEffectsFit } from '../analysis/factorial.ts';
import { canonicalJson } from '../config/resolve.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal, ResultSummary } from './base.ts';
import { effectiveValue, ideaKey } from './config-diff.ts';
import { weighStated } from './history-effect.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import {
  factorsOn,
  SCREEN_SOURCE,
  SCREEN_STACK_SOURCE,
  type ConfigSet,
  type ScreenDesign,
  type ScreenFactor,
} from './screening-design.ts';

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

/** A signed effect to four decimals, with a true minus sign. */
export const signedEffect = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** The fit in words, one factor per line (for the journal). */
export function describeFit(d: ScreenDesign, fit: MainEffectsFit): string {
  const lines = d.factors.map((f, j) => {
    const e = fit.factors[j];
    return `${e.selected ? '✓' : '·'} ${f.title}: ${signedEffect(e.effect)} ± ${e.se.toFixed(4)} at the study rung (Holm p ${e.adjustedP.toPrecision(2)})`;
  });
  // a +/-1 interaction column's coefficient is half the contrast "both on or both off" vs "one on"
  const inter = fit.interactions.map(
    (x) =>
      `× ${d.factors[x.pair[0]].title} with ${d.factors[x.pair[1]].title}: interaction ${signedEffect(2 * x.coef)} ± ${(2 * x.se).toFixed(4)}`,
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
    .map((x) => `${x.f.title} ${signedEffect(x.e.effect)} ± ${x.e.se.toFixed(4)}`);
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
export const hasFactor = (base: TrainConfig, f: ScreenFactor) =>
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
