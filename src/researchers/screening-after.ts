/**
 * What follows a screen's fit, once its stack is out (the flow is screening-study.ts): the library's
 * candidates re-ranked by what the screen measured (`informedCandidates`), the pace check of a stack
 * that won with pace changes beside others (`paceCheckProposal`), and the near misses followed up at
 * the full budget (`followUpProposals`). Pure functions of the design, its fit and the base.
 */
import type { MainEffectsFit } from '../analysis/factorial.ts';
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal } from './base.ts';
import { effectiveValue, ideaKey, outsideSpace } from './config-diff.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import {
  isPaceSet,
  SCREEN_FOLLOW_UP_SOURCE,
  SCREEN_PACE_CHECK_SOURCE,
  type ConfigSet,
  type ScreenDesign,
  type ScreenFactor,
} from './screening-design.ts';
import { hasFactor, screenedExpectation, screenedFactor, signedEffect } from './screening-fit.ts';

const isPaceFactor = (f: ScreenFactor) => isPaceSet(f.set);

/**
 * A change the screen measured as likely helpful but did not select (one-sided p below this, Holm's
 * bar not met) is followed up: once the stack is concluded it is proposed first, straight to the full
 * budget on the current base, and judged there like any candidate. In regime (a) of
 * bench/research-efficiency the mixture's -0.014 (p 0.02, Holm 0.26) was such a change; one by one
 * through successive halving it sat behind the library's order and the budget ran out.
 */
export const FOLLOW_UP_P = 0.1;

/**
 * `cands` (library candidates of the current base, in the library's order) with what the screen
 * measured taken into account: a candidate that is one of the screen's factors, with the same change,
 * gets the screened expectation (`screenedExpectation`) in place of the library's stated one, and the
 * list is re-ordered by expected gain per FLOP (stable). Why: after a re-base the screened changes come
 * back as library ideas on the new base, and in their stated order a session spent its first
 * full-budget runs on WSD, which the screen had measured at +0.022 ± 0.004 (worse), while changes it
 * measured as gains waited (README "Screening study"). Among the expected gains, a pace change
 * (`isPaceKey`: optimizer settings, schedule, batch) goes after the others: its expectation is the
 * least likely to hold on the new base, since the best pace moves with the model and the horizon, and
 * a faster pace read at the study rung looks better than it ends (the pace check below exists for the
 * same reason). In regime (a) of bench/research-efficiency, WSD (screened −0.0053) and batch × 0.5
 * went before logit softcap 15 (−0.0042) on the new base, both lost at the first rung, and the 0.67
 * full runs they took left softcap's held-out pair 0.46 short (BENCHMARKS.md "Pace changes after the
 * others").
 */
export function informedCandidates(
  d: ScreenDesign,
  fit: MainEffectsFit,
  cands: readonly LibraryCandidate[],
  base: TrainConfig,
): LibraryCandidate[] {
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
        `${c.proposal.hypothesis} The screening study measured ${signedEffect(e.effect)} ± ${e.se.toFixed(4)} at the study rung` +
        `${e.heredity ? ', with its interactions with the changes the base has since taken' : ''}; ` +
        `with the library's ${signedEffect(c.proposal.expectedEffect)} that makes ${signedEffect(e.expected)} expected here.`,
      tags: [...(c.proposal.tags ?? []), 'screened'],
    };
    return { c: { ...c, proposal }, i, rank: e.expected / (proposal.cost ?? 1) };
  });
  // 0: a gain that is not a pace change, 1: a pace change's gain, 2: no gain expected
  const pace = (c: LibraryCandidate) =>
    c.proposal.change.kind === 'config' && isPaceSet(c.proposal.change.set);
  const tier = (x: (typeof ranked)[number]) => (x.rank >= 0 ? 2 : pace(x.c) ? 1 : 0);
  return ranked.sort((a, b) => tier(a) - tier(b) || a.rank - b.rank || a.i - b.i).map((x) => x.c);
}

/**
 * The pace changes (`isPaceKey`) of a stack that won beside other changes: they were selected at the
 * study rung, where a faster pace looks better than it is, and the full budget judged only the whole
 * stack. Once the stack is the base (every one of its factors in `base`), the engine judges the stack
 * without them: those knobs set back to the screened base's values (`from`), straight to the full
 * budget, like any candidate. Kept (the base moves) only if the full budget confirms the stack is
 * better without them; in the common case, pace changes that help, it is behind after its first seed
 * and stopped. Undefined when there is nothing to check, or the base does not hold the whole stack.
 */
export function paceCheckProposal(
  d: ScreenDesign,
  fit: MainEffectsFit,
  from: TrainConfig,
  base: TrainConfig,
  space: SearchSpace,
): { key: string; proposal: Proposal; paceTitles: string[] } | undefined {
  const chosen = d.factors.filter((_, j) => fit.factors[j].selected);
  const pace = chosen.filter(isPaceFactor);
  if (pace.length === 0 || pace.length === chosen.length) return undefined;
  if (!chosen.every((f) => hasFactor(base, f))) return undefined;
  const set: ConfigSet = {};
  for (const k of pace.flatMap((f) => Object.keys(f.set))) set[k] = effectiveValue(from, k);
  if (Object.values(set).some((v) => v === undefined) || outsideSpace(space, set)) return undefined;
  const titles = pace.map((f) => f.title);
  return {
    key: ideaKey(base, set),
    paceTitles: titles,
    proposal: {
      title: `Screened stack without its pace changes (${titles.join(', ')})`,
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
 * The screen's near misses (FOLLOW_UP_P) among `untried` library candidates of the current base,
 * most likely first, as full-budget proposals.
 */
export function followUpProposals(
  d: ScreenDesign,
  fit: MainEffectsFit,
  untried: readonly LibraryCandidate[],
): Array<{ key: string; proposal: Proposal }> {
  return d.factors
    .map((f, j) => ({ f, e: fit.factors[j] }))
    .filter((x) => !x.e.selected && x.e.effect < 0 && x.e.p < FOLLOW_UP_P)
    .sort((a, b) => a.e.p - b.e.p)
    .flatMap(({ f, e }) => {
      const c = untried.find((x) => x.proposal.title === f.title);
      if (!c) return []; // in the base already, or no longer applicable
      const evidence =
        `The screening study measured ${signedEffect(e.effect)} ± ${e.se.toFixed(4)} at the study rung (one-sided p ${e.p.toPrecision(2)}), ` +
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
