/**
 * What `research --json` says about the best's parts (summary.ts `best.attribution`): one entry per knob
 * of the best win, `{key, value, delta, ci95}` plus the verdict and the seeds behind it, and the minimal
 * change the session keeps. A one-knob win is its own attribution; a multi-knob win not (yet) ablated
 * says why.
 */
import type { KnobAttribution, MinimalChange } from './ablation-state.ts';
import { attribute } from './ablation-stats.ts';
import { ablatable, ablationPlan, ablationRunsLeft, ablationTarget, winKnobs } from './ablation.ts';
import type { SessionSpec } from './spec.ts';
import { proposalOf, type ProposalState, type SessionState } from './state.ts';

export interface AttributionRow {
  key: string;
  value: unknown;
  delta: number | null; // null: not measured (see verdict)
  ci95: [number, number] | null;
  n: number;
  verdict: KnobAttribution['verdict'] | 'whole' | 'pending';
  alone?: KnobAttribution['alone'];
}

export interface BestAttribution {
  attribution: AttributionRow[] | null;
  attributionReason?: string;
  minimalChange?: { change: { kind: 'config'; set: Record<string, unknown> } } & Omit<MinimalChange, 'set'>;
}

/** `perToken` (the base's FLOPs per token) lets a FLOPs budget's share say why no ablation was scheduled. */
export function bestAttribution(
  state: SessionState,
  spec: SessionSpec,
  proposalId: string,
  perToken?: number,
): BestAttribution {
  const p = proposalOf(state, proposalId);
  if (p.verdict !== 'win' || !p.confirmed || !p.stats)
    return { attribution: null, attributionReason: 'the best is not a confirmed win' };
  const set = winKnobs(p);
  if (!set)
    return { attribution: null, attributionReason: 'a code change: its edits cannot be split by knob' };
  const keys = Object.keys(set);
  const study = state.ablations?.find((a) => a.winId === p.id);
  if (keys.length === 1 && !study)
    return {
      attribution: [
        {
          key: keys[0],
          value: set[keys[0]],
          delta: p.stats.delta,
          ci95: p.stats.ci95,
          n: p.stats.n,
          verdict: 'whole',
        },
      ],
    };
  if (!study)
    return { attribution: null, attributionReason: `not ablated: ${whyNot(state, spec, p, perToken)}` };
  const done = study.status === 'done';
  const rows = (done && study.attribution ? study.attribution : attribute(state, spec, study)).map(
    (a): AttributionRow => ({
      key: a.key,
      value: a.value,
      delta: a.delta,
      ci95: a.ci95,
      n: a.n,
      verdict: done || !study.knobs.includes(a.key) ? a.verdict : 'pending',
      ...(a.alone ? { alone: a.alone } : {}),
    }),
  );
  const m = study.minimal;
  return {
    attribution: rows,
    ...(done ? {} : { attributionReason: 'the ablation runs are not all in yet' }),
    ...(m
      ? {
          minimalChange: {
            change: { kind: 'config', set: m.set },
            keys: m.keys,
            verified: m.verified,
            note: m.note,
            delta: m.delta,
            ci95: m.ci95,
          },
        }
      : {}),
  };
}

/** Why a confirmed multi-knob win has no ablation: not ablatable, over the session's share, or never asked. */
function whyNot(state: SessionState, spec: SessionSpec, p: ProposalState, perToken?: number): string {
  const refusal = ablatable(state, p);
  if (refusal) return refusal;
  const cap = ablationRunsLeft(state, spec, perToken);
  const target = ablationTarget(state, p);
  const plan = ablationPlan(state, spec, p, proposalOf(state, target.baseId).config, cap, target.set);
  return 'missing' in plan
    ? plan.missing
    : 'not scheduled (not the best when it was confirmed, or not asked for)';
}
