/**
 * The report's mixture section: the data-mixture study (src/analysis/mixture.ts) over the session's own
 * runs, when they hold enough distinct mixtures (README "Data-mixture study"). Reads dataset metadata for
 * the default weights, so it lives beside gather.ts, the report's I/O.
 */
import { mixtureStudy } from '../analysis/mixture.ts';
import { toMixtureRun } from '../analysis/mixture-data.ts';
import { trainTokensReader } from '../data/train-tokens.ts';
import type { RunRecord } from '../store/base.ts';
import type { MixtureView } from './model.ts';

export function sessionMixture(runs: RunRecord[]): MixtureView | undefined {
  const r = mixtureStudy(runs.map(toMixtureRun), {
    targets: 'overall',
    candidates: 5000,
    trainTokensOf: trainTokensReader(),
  });
  if (!r.ok) return undefined;
  return {
    predicted: r.predicted.weights,
    predictedValBpb: r.predicted.valBpb,
    heldOutRmse: r.heldOut.valBpb.rmse,
    n: r.runs,
  };
}
