/**
 * The corpus as scoring entries: every run except the reference seeds, each with the baseline band built
 * from the reference seeds' curves (the band it is judged against) and its human kill point.
 */
import { buildReference } from '../../src/monitor/reference.ts';
import { toCurve, type CorpusFile, type StoredRun } from './format.ts';
import type { Entry } from './score.ts';

export type SplitName = 'all' | 'tune' | 'held-out';

export function corpusEntries(corpus: CorpusFile, split: SplitName = 'all'): Entry[] {
  const baselines = corpus.runs.filter((r) => corpus.reference.includes(r.id)).map(toCurve);
  const reference = buildReference({
    eval: baselines.map((c) => c.eval),
    train: baselines.map((c) => c.train),
  });
  const inSplit = (r: StoredRun) => r.split !== 'reference' && (split === 'all' || r.split === split);
  return corpus.runs.filter(inSplit).map((r) => ({
    id: r.id,
    label: r.label,
    kind: r.kind,
    split: r.split,
    curve: toCurve(r),
    budgetTokens: r.budgetTokens,
    reference,
    baselines,
    humanKillTokens: r.humanKill?.tokens,
  }));
}
