/**
 * Phase (b) of the offline researcher: TPE over the search space's knobs, fed by every finished result
 * whose change only touches those knobs (library ablations included: they are free warm-start data).
 *
 * The objective is `result.delta` (candidate minus baseline at the *same rung*), not the raw val bpb: rungs
 * differ in budget, so raw bpb at rung 0 is far higher than at rung 2 and would rank every early-stopped run
 * as bad. The delta removes each rung's level; what scale difference is left matters little, since TPE only
 * uses ranks to split good from bad. A result seen at several rungs counts once, at its highest rung (least
 * noisy, closest to the goal). Failed or diverged runs, and monitor stops without a delta, go to the bad
 * group (value Infinity). The current best itself is an observation with delta 0.
 *
 * A result's change is a diff from the best of its day; knobs it leaves unset are read from the current
 * best. Treating deltas as effects relative to their base is what lets results from an earlier best still
 * inform the search after a win.
 */
import { canonicalJson } from '../config/resolve.ts';
import type { Knob, SearchSpace } from '../config/search-space.ts';
import type { TrainConfig } from '../config/train-config.ts';
import type { Proposal, ResultSummary } from './base.ts';
import {
  effectiveDiff,
  effectiveValue,
  ideaKey,
  inertPaths,
  outsideSpace,
  isSeedOnly,
  roundSig,
  tryApply,
  type ConfigSet,
  type KnobValue,
} from './config-diff.ts';
import { neutralValue } from './history.ts';
import type { IdeaContext } from './idea.ts';
import { relativeCost } from './idea-library.ts';
import type { Rng } from './rng.ts';
import { Tpe, type Observation, type Point, type TpeOptions } from './tpe.ts';

/** Knobs TPE leaves alone: the model shape (width, heads and head size are coupled; the library's
 * fixed-FLOP trades move them) and mixture weights (a simplex, not independent knobs). */
export const TPE_EXCLUDED = [/^model\.(depth|width|heads|seqLen|mlpRatio)$/, /^data\.mixture\./];

export function tpeKnobs(space: SearchSpace, exclude = TPE_EXCLUDED): Knob[] {
  return space.knobs.filter((k) => !exclude.some((re) => re.test(k.path)));
}

/** The objective of one result (lower is better), or undefined when it teaches nothing. */
export function objective(r: ResultSummary): number | undefined {
  if (r.status === 'running' || r.status === 'rejected') return undefined;
  if (r.delta !== undefined && Number.isFinite(r.delta)) return r.delta;
  if (r.status === 'failed' || r.status === 'diverged' || r.status === 'stopped') return Infinity;
  return undefined;
}

export function tpeObservations(results: ResultSummary[], base: TrainConfig, knobs: Knob[]): Observation[] {
  const paths = new Set(knobs.map((k) => k.path));
  const basePoint = Object.fromEntries(
    knobs.map((k) => [k.path, (effectiveValue(base, k.path) ?? neutralValue(k)) as KnobValue]),
  );
  const out: Observation[] = [{ point: basePoint, value: 0 }];
  for (const r of results) {
    const value = objective(r);
    if (value === undefined || r.change.kind !== 'config') continue;
    const set = r.change.set;
    if (!Object.keys(set).every((p) => paths.has(p))) continue; // shape, mixture, off-space: not TPE's to explain
    out.push({ point: { ...basePoint, ...(set as Point) }, value });
  }
  return out;
}

function describe(set: ConfigSet): string {
  const parts = Object.entries(set).map(([p, v]) => `${p.split('.').pop()}=${v}`);
  return parts.length > 3 ? `${parts.slice(0, 3).join(', ')} (+${parts.length - 3})` : parts.join(', ');
}

export interface TpeProposalInput {
  base: TrainConfig;
  ctx: IdeaContext;
  knobs: Knob[];
  observations: Observation[];
  avoidKeys: Set<string>;
  rng: Rng;
  options?: TpeOptions;
  /** How many of `observations` come from earlier sessions' runs (history.ts), for the hypothesis. */
  fromHistory?: number;
}

/** One TPE proposal as a diff from the current best, or undefined when none could be found. */
export function tpeProposal(input: TpeProposalInput): { proposal: Proposal; key: string } | undefined {
  const { base, ctx, knobs, observations, avoidKeys, rng } = input;
  const tpe = new Tpe(knobs, input.options);
  let key = '';
  const repair = (raw: Point): Point | undefined => {
    const p: Point = {};
    for (const k of knobs) {
      const v = raw[k.path];
      p[k.path] = k.type === 'float' ? Math.min(k.high, Math.max(k.low, roundSig(v as number, 3))) : v;
    }
    const T = base.model.seqLen; // the trainer runs floor(batchTokens / seqLen) sequences: say what runs
    const bt = p['train.batchTokens'];
    if (typeof bt === 'number') p['train.batchTokens'] = Math.max(T, Math.round(bt / T) * T);
    const next = tryApply(base, effectiveDiff(base, p));
    if (!next) return undefined;
    for (const path of inertPaths(next)) if (path in p) p[path] = effectiveValue(base, path) as KnobValue;
    const set = effectiveDiff(base, p);
    if (isSeedOnly(set) || outsideSpace({ knobs }, set)) return undefined;
    key = ideaKey(base, set);
    return avoidKeys.has(key) ? undefined : p;
  };
  const s = tpe.suggest(observations, rng, (raw) => repair(raw));
  if (!s) return undefined;
  repair(s.point); // the key of the chosen point (the last repaired draw may have been another)
  const set = effectiveDiff(base, s.point);
  const next = tryApply(base, set)!;
  const n = observations.length;
  const predicted = s.predicted === undefined ? 0 : Number(s.predicted.toFixed(4));
  const hypothesis = s.random
    ? `TPE startup: a uniformly random point of the search space (${n}${input.fromHistory ? `, ${input.fromHistory} from earlier sessions,` : ''} of ${tpe.opts.nStartup} observations so far); no prediction.`
    : `TPE over ${knobs.length} knobs and ${n} observations${input.fromHistory ? ` (${input.fromHistory} from earlier sessions' comparable runs, as deltas from this session's baseline)` : ''} (good = best ${Math.round(tpe.opts.gamma * 100)} %): ` +
      `the draw from l(x) with the highest l(x)/g(x). Expected effect ${predicted} bpb is a kernel-weighted average ` +
      'of the deltas of nearby observed points, not a calibrated prediction.';
  return {
    key,
    proposal: {
      title: `TPE: ${describe(set)}`,
      hypothesis,
      change: { kind: 'config', set },
      expectedEffect: s.random ? 0 : predicted,
      cost: Number(relativeCost(base, next, ctx).toFixed(3)),
      source: 'tpe',
      tags: s.random ? ['tpe', 'random'] : ['tpe'],
    },
  };
}

/** A stable fingerprint of the observations, for seeding the RNG (resume replays the same ones). */
export const observationsFingerprint = (obs: Observation[]) =>
  canonicalJson(obs.map((o) => [o.point, o.value]));
