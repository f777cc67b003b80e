/**
 * Welch's unequal-variance t-test: does the candidate's mean differ from the baseline's?
 * t = (mean_c - mean_b) / sqrt(s_c^2/n_c + s_b^2/n_b), with the Welch–Satterthwaite degrees of freedom
 *   df = (v_c + v_b)^2 / (v_c^2/(n_c - 1) + v_b^2/(n_b - 1)),  v = s^2/n.
 * Welch rather than Student: a change (a higher LR, say) can change seed-to-seed variance as well as the mean.
 */
import { mean, sampleVariance } from './summary.ts';
import { studentTTwoSidedP } from './student-t.ts';

export interface WelchResult {
  /** mean(candidate) - mean(baseline); negative = candidate lower (better for bpb). */
  delta: number;
  t: number;
  df: number;
  /** Two-sided p-value; NaN when either side has fewer than two values. */
  pValue: number;
  /** Standard error of `delta`. */
  se: number;
}

export function welchTest(baseline: readonly number[], candidate: readonly number[]): WelchResult {
  const nb = baseline.length;
  const nc = candidate.length;
  const delta = mean(candidate) - mean(baseline);
  if (nb < 2 || nc < 2) return { delta, t: NaN, df: NaN, pValue: NaN, se: NaN };
  const vb = sampleVariance(baseline) / nb;
  const vc = sampleVariance(candidate) / nc;
  const se = Math.sqrt(vb + vc);
  if (se === 0) {
    // Both sides constant: identical means are no evidence at all, different ones are certain.
    return {
      delta,
      t: delta === 0 ? 0 : Math.sign(delta) * Infinity,
      df: nb + nc - 2,
      pValue: delta === 0 ? 1 : 0,
      se,
    };
  }
  const t = delta / se;
  const df = (vb + vc) ** 2 / (vb ** 2 / (nb - 1) + vc ** 2 / (nc - 1));
  return { delta, t, df, pValue: studentTTwoSidedP(t, df), se };
}
