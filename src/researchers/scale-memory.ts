/**
 * What earlier sessions' size ladders say about a library idea (README "What a win is worth"): an
 * idea whose win held at larger model sizes goes first, one whose win flipped at a larger size goes
 * last (it is still tried when nothing else is left: at this size it did win). Within each group the
 * library's own order (expected gain per FLOP) stands. The hypothesis says why it moved.
 */
import { describeScale, ladderOutcome } from '../analysis/scale-words.ts';
import { canonicalJson } from '../config/resolve.ts';
import type { FindingSummary } from './base.ts';
import type { LibraryCandidate } from './library-proposals.ts';

/** Findings about the same idea: its title (findings are titled "<proposal title>: better/worse ...") or its exact change. */
export function findingsAbout(c: LibraryCandidate, findings: readonly FindingSummary[]): FindingSummary[] {
  const set = c.proposal.change.kind === 'config' ? c.proposal.change.set : {};
  const key = canonicalJson(set);
  return findings.filter(
    (f) =>
      f.title.startsWith(`${c.idea.title}:`) ||
      (f.change?.kind === 'config' && f.change.set !== null && canonicalJson(f.change.set) === key),
  );
}

export function preferByScale(
  candidates: LibraryCandidate[],
  findings: readonly FindingSummary[],
): LibraryCandidate[] {
  const rank = (c: LibraryCandidate): number => {
    const about = findingsAbout(c, findings).filter((f) => ladderOutcome(f.scale));
    if (!about.length) return 1;
    const flipped = about.find((f) => ladderOutcome(f.scale) === 'flipped');
    const f = flipped ?? about[0];
    const words = f.scaleText ?? describeScale(f.scale);
    c.proposal = {
      ...c.proposal,
      hypothesis: `${c.proposal.hypothesis} (Session ${f.sessionId}: ${words}${flipped ? '; tried last' : '; tried first'}.)`,
      tags: [...(c.proposal.tags ?? []), flipped ? 'scale:flipped' : 'scale:held'],
    };
    return flipped ? 2 : 0;
  };
  return candidates
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.c);
}
