/**
 * Checks each run's label against its outcome and computes, for failing runs, the point where a human
 * would kill it, from the full curve (hindsight a live monitor does not have):
 *
 * - clearly worse at an eval: val bpb above the reference band's upper edge there,
 *   mean + max(3 sigma, 1 % of the mean) (sigma = the reference seeds' sample std at the same tokens);
 * - `band` criterion: the first eval from which every later eval is clearly worse (it never recovers);
 *   a run the trainer aborted (NaN, loss > 3x start) with no such eval is killed where it became non-finite
 *   or where the trainer stopped it;
 * - `first-eval` criterion: the first eval, for faults visible in the events themselves (eval size).
 *
 * Outcome checks: a healthy run's final val bpb must be inside the reference finals' band (same upper edge
 * rule); a failing run must have a human kill point. Violations are reported, not silently relabelled.
 */
import { buildReference } from '../../src/monitor/reference.ts';
import type { Curve, Reference } from '../../src/monitor/base.ts';
import { mean, sampleStd } from '../../src/stats/summary.ts';
import { toCurve, type CorpusFile, type StoredRun } from './format.ts';
import { RECIPES } from './recipes.ts';

export const CLEARLY_WORSE_SIGMAS = 3;
export const CLEARLY_WORSE_REL = 0.01;

export const upperEdge = (m: number, s: number) =>
  m + Math.max(CLEARLY_WORSE_SIGMAS * (Number.isFinite(s) ? s : 0), CLEARLY_WORSE_REL * m);

export function corpusReference(corpus: CorpusFile, exclude?: string): Reference {
  const curves = corpus.runs.filter((r) => corpus.reference.includes(r.id) && r.id !== exclude).map(toCurve);
  return buildReference({ eval: curves.map((c) => c.eval), train: curves.map((c) => c.train) });
}

/** Train-point index at or just after `tokens`. */
export function indexAtTokens(curve: Curve, tokens: number): number {
  const i = curve.train.findIndex((p) => p.tokens >= tokens);
  return i < 0 ? curve.train.length - 1 : i;
}

export function humanKill(run: StoredRun, reference: Reference): StoredRun['humanKill'] {
  const curve = toCurve(run);
  const criterion = RECIPES.find((r) => r.id === run.recipe)?.killAt ?? 'band';
  if (criterion === 'first-eval' && curve.eval.length > 0) {
    const e = curve.eval[0];
    return {
      index: indexAtTokens(curve, e.tokens),
      tokens: e.tokens,
      criterion: 'first eval (its size is in the events)',
    };
  }
  const worse = curve.eval.map((e) => {
    if (!Number.isFinite(e.valBpb)) return true;
    const band = reference.evalBand(e.tokens);
    return band !== undefined && e.valBpb > upperEdge(band.mean, band.std);
  });
  const aborted = run.status === 'diverged';
  let first = -1;
  for (let i = worse.length - 1; i >= 0 && worse[i]; i--) first = i;
  if (first >= 0) {
    const e = curve.eval[first];
    return {
      index: indexAtTokens(curve, e.tokens),
      tokens: e.tokens,
      criterion: 'first eval from which val bpb stays above the band upper edge (mean + max(3 sd, 1 %))',
    };
  }
  if (aborted) {
    const bad = curve.train.findIndex((p) => !Number.isFinite(p.loss));
    const index = bad >= 0 ? bad : curve.train.length - 1;
    return {
      index,
      tokens: curve.train[index]?.tokens ?? 0,
      criterion: 'trainer abort (non-finite or exploded loss)',
    };
  }
  return undefined;
}

/** Fills in humanKill on every failing run; returns one line per run plus any label violation. */
export function finalizeLabels(corpus: CorpusFile): string[] {
  const reference = corpusReference(corpus);
  const finals = corpus.runs.filter((r) => corpus.reference.includes(r.id)).map((r) => r.finalValBpb ?? NaN);
  const edge = upperEdge(mean(finals), sampleStd(finals));
  const lines = [
    `reference finals: mean ${mean(finals).toFixed(4)} sd ${sampleStd(finals).toFixed(4)} edge ${edge.toFixed(4)}`,
  ];
  for (const run of corpus.runs) {
    delete run.humanKill;
    let problem = '';
    if (run.label === 'failing') {
      run.humanKill = humanKill(run, reference);
      if (!run.humanKill) problem = 'LABEL CHECK: failing but never clearly worse than the band';
    } else if (!(run.finalValBpb !== null && run.finalValBpb <= edge)) {
      problem = `LABEL CHECK: healthy but final ${run.finalValBpb} > edge ${edge.toFixed(4)}`;
    }
    const kill = run.humanKill ? ` kill@${(run.humanKill.tokens / run.budgetTokens).toFixed(2)}` : '';
    lines.push(
      `${run.id.padEnd(26)} ${run.label.padEnd(8)} ${run.status.padEnd(9)} final ${run.finalValBpb}${kill} ${problem}`,
    );
  }
  return lines;
}
