/**
 * The report's mixture section: the data-mixture study (src/analysis/mixture.ts) over the session's own
 * runs, when they hold enough distinct mixtures (README "Data-mixture study"). Reads dataset metadata for
 * the default weights, so it lives beside gather.ts, the report's I/O.
 */
import { mixtureStudy } from '../analysis/mixture.ts';
import { toMixtureRun } from '../analysis/mixture-data.ts';
import { loadDatasetMeta } from '../data/prepare.ts';
import type { RunRecord } from '../store/base.ts';
import type { MixtureView } from './model.ts';

function trainTokens(dir: string): Record<string, number> | undefined {
  try {
    return Object.fromEntries(loadDatasetMeta(dir).domains.map((d) => [d.name, d.trainTokens]));
  } catch {
    return undefined; // the dataset is gone: the study uses the weights the runs state
  }
}

export function sessionMixture(runs: RunRecord[]): MixtureView | undefined {
  const r = mixtureStudy(runs.map(toMixtureRun), {
    targets: 'overall',
    candidates: 5000,
    trainTokensOf: trainTokens,
  });
  if (!r.ok) return undefined;
  return {
    predicted: r.predicted.weights,
    predictedValBpb: r.predicted.valBpb,
    heldOutRmse: r.heldOut.valBpb.rmse,
    n: r.runs,
  };
}
