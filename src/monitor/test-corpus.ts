/**
 * Real curves for the monitor's tests: the labelled corpus of reference-trainer runs in bench/curves/
 * (made by bench/curves/generate.ts), with the baseline band every run in it is judged against.
 */
import type { Curve } from './base.ts';
import { loadCorpus, toCurve } from '../../bench/curves/format.ts';
import { corpusReference } from '../../bench/curves/labels.ts';

export const corpus = loadCorpus();
export const corpusBand = corpusReference(corpus);

export interface CorpusCurve {
  id: string;
  curve: Curve;
}

/** Every run of a recipe (e.g. 'frozen-mlp'), all seeds. */
export function recipeRuns(recipe: string): CorpusCurve[] {
  const runs = corpus.runs.filter((r) => r.recipe === recipe);
  if (runs.length === 0) throw new Error(`no corpus runs of recipe ${recipe}`);
  return runs.map((r) => ({ id: r.id, curve: toCurve(r) }));
}

/** Every healthy run a rule must let live (the reference seeds are the band itself and left out). */
export function healthyRuns(): CorpusCurve[] {
  return corpus.runs
    .filter((r) => r.label === 'healthy' && r.split !== 'reference')
    .map((r) => ({ id: r.id, curve: toCurve(r) }));
}
