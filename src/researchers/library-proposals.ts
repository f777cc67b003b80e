/**
 * Phase (a) of the offline researcher: the library's ideas that apply to the current best, as one-change
 * ablations, not yet tried (by idea key), inside the search space, ordered by expected gain per FLOP.
 */
import type { SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal } from './base.ts';
import { effectiveDiff, ideaKey, isSeedOnly, outsideSpace, tryApply } from './config-diff.ts';
import type { Idea, IdeaContext } from './idea.ts';
import { relativeCost } from './idea-library.ts';

export interface LibraryCandidate {
  idea: Idea;
  key: string;
  proposal: Proposal;
}

export interface LibraryFilter {
  avoidKeys: Set<string>; // tried (any session) or already proposed and pending
  triedTitles: Set<string>; // titles run before, possibly on an earlier best
  rejectedTitles: Set<string>; // titles the engine refused: never re-sent
}

/**
 * Every applicable, untried library idea for `base`, best expected gain per FLOP first (ties by id, so the
 * order is deterministic). An idea whose title was tried on an earlier best is a re-test of an interaction
 * with the new best: kept, but at half its expected effect, so fresh ideas go first.
 */
export function libraryCandidates(
  ideas: Idea[],
  base: TrainConfig,
  ctx: IdeaContext,
  space: SearchSpace,
  filter: LibraryFilter,
): LibraryCandidate[] {
  const out: Array<LibraryCandidate & { rank: number }> = [];
  for (const idea of ideas) {
    if (filter.rejectedTitles.has(idea.title) || !idea.applies(base, ctx)) continue;
    const set = effectiveDiff(base, idea.change(base, ctx));
    if (isSeedOnly(set) || outsideSpace(space, set)) continue;
    const next = tryApply(base, set);
    if (!next) continue;
    const key = ideaKey(base, set);
    if (filter.avoidKeys.has(key)) continue;
    const retest = filter.triedTitles.has(idea.title);
    const expectedEffect = retest ? idea.expectedEffect / 2 : idea.expectedEffect;
    const cost = Number((idea.cost?.(base, ctx) ?? relativeCost(base, next, ctx)).toFixed(3));
    const proposal: Proposal = {
      title: idea.title,
      hypothesis: retest
        ? `${idea.hypothesis} (Re-test on the new best: tried on an earlier one.)`
        : idea.hypothesis,
      change: { kind: 'config', set },
      expectedEffect,
      cost,
      source: 'library',
      tags: [...idea.tags, `idea:${idea.id}`],
    };
    // gain per FLOP: most negative first; a positive (expected-worse) probe ranks after every gain
    out.push({ idea, key, proposal, rank: expectedEffect / cost });
  }
  out.sort((a, b) => a.rank - b.rank || a.idea.id.localeCompare(b.idea.id));
  return out.map(({ idea, key, proposal }) => ({ idea, key, proposal }));
}
