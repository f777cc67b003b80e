/**
 * What the screening study's tests share (screening-study.test.ts, screening-after.test.ts): the base,
 * every row of a study proposed by the offline researcher, a row's result, and a study driven directly.
 * Not a test itself: node's runner reads only *.test.ts.
 */
import assert from 'node:assert/strict';
import { resolveConfig } from '../config/resolve.ts';
import { admitProposal } from '../research/core/proposals.ts';
import { DEFAULT_NOISE_KEYS } from '../stats/seed-only.ts';
import type { Proposal, ResultSummary } from './base.ts';
import type { LibraryCandidate } from './library-proposals.ts';
import type { OfflineResearcher } from './offline.ts';
import { suiteDigest } from './researcher-suite.ts';
import { SCREEN_SOURCE } from './screening-design.ts';
import { ScreeningStudy } from './screening-study.ts';

export const base = resolveConfig({ preset: 'small' });
export const set = (p: Proposal) => (p.change.kind === 'config' ? p.change.set : {});

/** Every row of the study, proposed over as many calls as it takes. */
export async function allRows(r: OfflineResearcher, notes: string[]) {
  const digest = suiteDigest(base);
  const rows: Proposal[] = [];
  for (let call = 0; call < 10; call++) {
    const got = await r.propose(digest, 8, { note: (m) => void notes.push(m) });
    const study = got.filter((p) => p.source === SCREEN_SOURCE);
    if (study.length === 0) break;
    rows.push(...study);
    digest.tried = [
      ...digest.tried,
      ...study.map((p) => ({ key: keyOf(p), title: p.title, status: 'pending' })),
    ];
  }
  return { rows, digest };
}

export const keyOf = (p: Proposal) => {
  const a = admitProposal(p, base, {
    searchSpace: suiteDigest(base).searchSpace,
    noiseKeys: DEFAULT_NOISE_KEYS,
    triedKeys: new Map(),
  });
  assert.ok(a.ok, `row admissible: ${a.ok ? '' : a.reason}`);
  return a.key;
};

export const result = (p: Proposal, i: number, y: number): ResultSummary => ({
  proposalId: `p${i + 1}`,
  title: p.title,
  change: p.change,
  source: p.source,
  rung: 0,
  status: 'completed',
  valBpb: { mean: y, std: 0, n: 1 },
  runIds: [`r${i}`],
});

/**
 * A 16-row study over `cands` on the base, its notes and its step; `earlier`: the keys an earlier session
 * ran; `guess`: whether it runs its best guess (the session has a FLOPs budget).
 */
export function studyOf(
  cands: LibraryCandidate[],
  earlier: (keys: string[]) => string[] = () => [],
  guess = true,
) {
  const study = new ScreeningStudy({ rows: 16 });
  const notes: string[] = [];
  const step = (avoid: Set<string>, baseAt?: (rung: number) => number | undefined) =>
    study.step({
      hasWin: false,
      base,
      space: suiteDigest(base).searchSpace,
      candidates: () => cands,
      avoidKeys: avoid,
      rejectedTitles: new Set(),
      n: 32,
      tried: async (keys) => new Set(earlier(keys)),
      note: (m) => void notes.push(m),
      baseAt,
      guess,
    });
  return { study, notes, step };
}
