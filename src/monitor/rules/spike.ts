/**
 * Loss spike, by robust z-score: z = (loss - median) / max(1.4826 * MAD, floor), where median and MAD
 * come from the `window` train points *before* the points being judged (so a spike cannot hide itself
 * by inflating its own reference). Only upward spikes count; a falling loss has negative z.
 *
 * Mini-batch losses are noisy and a single odd batch (a long code file, a rare domain) can sit 5-10
 * sigmas out; Adam usually shrugs off even bigger ones. So one point never stops a run. Stop when:
 *  - sustained: each of the last `sustainPoints` points has z > `zSustained`; or
 *  - unrecovered: the point `recoverPoints` ago was a huge spike (z > `zHuge`) and no point since came
 *    back within `zRecover` of the pre-spike median.
 * The floor on the scale (`scaleFloorRel` x |median|) keeps a very quiet plateau from turning ordinary
 * noise into large z.
 */
import { CONTINUE, type Curve, type Decision, type MonitorRule } from '../base.ts';
import { lossesIn, robustScale, round } from '../curve.ts';

export interface SpikeParams {
  window: number; // default 20 points of reference
  zSustained: number; // default 5
  sustainPoints: number; // default 8
  zHuge: number; // default 15
  recoverPoints: number; // default 6
  zRecover: number; // default 3
  scaleFloorRel: number; // default 0.002 (0.2 % of the loss level)
}

export const DEFAULT_SPIKE_PARAMS: SpikeParams = {
  window: 20,
  zSustained: 5,
  sustainPoints: 8,
  zHuge: 15,
  recoverPoints: 6,
  zRecover: 3,
  scaleFloorRel: 0.002,
};

export function spikeRule(params: Partial<SpikeParams> = {}): MonitorRule {
  const p = { ...DEFAULT_SPIKE_PARAMS, ...params };
  return {
    name: 'spike',
    check(curve: Curve): Decision {
      return sustained(curve, p) ?? unrecovered(curve, p) ?? CONTINUE;
    },
  };
}

/** z-scores of the last `tailLen` points against the `window` points before them; undefined if too short. */
function tailZ(curve: Curve, p: SpikeParams, tailLen: number) {
  const train = curve.train;
  const n = train.length;
  const from = n - tailLen - p.window;
  if (from < 0) return undefined;
  const ref = lossesIn(train, from, n - tailLen);
  if (ref.length < p.window) return undefined; // NaNs in the reference: nan's business
  const { center, sigma } = robustScale(ref, p.scaleFloorRel);
  const tail = train.slice(n - tailLen);
  return { center, sigma, tail, z: tail.map((t) => (t.loss - center) / sigma) };
}

function sustained(curve: Curve, p: SpikeParams): Decision | undefined {
  const r = tailZ(curve, p, p.sustainPoints);
  if (!r || !r.z.every((z) => z > p.zSustained)) return undefined;
  const first = r.tail[0];
  return stop(`loss ${p.sustainPoints} points above z=${p.zSustained} since step ${first.step}`, {
    test: 'sustained',
    fromStep: first.step,
    toStep: r.tail.at(-1)!.step,
    referenceMedian: round(r.center),
    referenceSigma: round(r.sigma),
    zScores: r.z.map((z) => round(z, 3)),
  });
}

function unrecovered(curve: Curve, p: SpikeParams): Decision | undefined {
  const r = tailZ(curve, p, p.recoverPoints + 1);
  if (!r || !(r.z[0] > p.zHuge) || !r.z.slice(1).every((z) => z >= p.zRecover)) return undefined;
  const spike = r.tail[0];
  return stop(
    `loss spike z=${r.z[0].toFixed(1)} at step ${spike.step} not recovered after ${p.recoverPoints} points`,
    {
      test: 'unrecovered',
      spikeStep: spike.step,
      spikeLoss: round(spike.loss),
      referenceMedian: round(r.center),
      referenceSigma: round(r.sigma),
      zScores: r.z.map((z) => round(z, 3)),
    },
  );
}

function stop(message: string, evidence: Record<string, unknown>): Decision {
  return { action: 'stop', rule: 'spike', message, evidence };
}
