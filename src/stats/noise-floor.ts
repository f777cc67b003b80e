/**
 * The noise floor: how much the goal metric moves when only the seed changes. Measured from k baseline
 * seeds at each budget rung (a rung is a fraction of the full token budget), because seed noise shrinks as
 * training goes on and a difference is only meaningful against the noise at the same rung.
 */
import { mean, sampleStd } from './summary.ts';

export interface NoiseFloor {
  mean: number;
  /** Sample standard deviation (n - 1). NaN when n < 2: unknown, which is not the same as zero. */
  std: number;
  n: number;
}

/** Mean / sample std / n of the finite values (a failed baseline seed contributes nothing). */
export function noiseFloor(values: readonly number[]): NoiseFloor {
  const xs = values.filter(Number.isFinite);
  return { mean: mean(xs), std: sampleStd(xs), n: xs.length };
}

/** Noise floor per rung from baseline results tagged with their rung index. */
export function noiseFloorByRung(
  results: readonly { rung: number; value: number }[],
): Map<number, NoiseFloor> {
  const byRung = new Map<number, number[]>();
  for (const r of results) {
    const xs = byRung.get(r.rung) ?? [];
    xs.push(r.value);
    byRung.set(r.rung, xs);
  }
  const out = new Map<number, NoiseFloor>();
  for (const rung of [...byRung.keys()].sort((a, b) => a - b)) out.set(rung, noiseFloor(byRung.get(rung)!));
  return out;
}
