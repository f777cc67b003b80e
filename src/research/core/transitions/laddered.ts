/**
 * The size ladder's stage (README "Research sessions: the size ladder"): `ladderStarted` queues the
 * best change and its base at the larger sizes once the ladder is due (core/ladder-state.ts
 * `ladderDue`); `laddered` takes a ladder run's end, records the result on its trial (never in a rung's
 * results), and journals each size's entry and verdict with its runs as evidence, then the whole
 * ladder in words. A win that flips at a larger size is said so, and its finding carries the ladder
 * (setup.ts does not start the next session from it). See ../transitions.ts.
 */
import { formatEffect } from '../../../stats/describe.ts';
import { vocabOf, type TrainConfig } from '../../../config/train-config.ts';
import { matmulParams } from '../../../runs/flops.ts';
import { journal, type Effect, type Step } from '../effects.ts';
import { describeLadder, type LadderEntry } from '../ladder.ts';
import {
  affordableSizes,
  LADDER_SHARE_MAX,
  ladderSeed,
  plannedSizes,
  sizeOf,
  winBase,
  type LadderState,
} from '../ladder-state.ts';
import { ladderEntries, ladderSubject } from '../ladder-subject.ts';
import { newTrial } from '../trial-steps.ts';
import { topRung } from '../spec.ts';
import { BASELINE, proposalOf, type SessionState } from '../state.ts';
import { countRunFlops } from '../trial-runs.ts';
import { type EngineContext, type StopDecision, draftOf, trialOf } from './context.ts';
import type { RunRecord } from '../../../store/base.ts';

const baseParams = (c: TrainConfig) => (c.trainer.spec ? undefined : matmulParams(c.model, vocabOf(c)));
const mParams = (p: number) => `${(p / 1e6).toFixed(2)}M`;

/** The ladder is due (`ladderDue`): choose what climbs and queue its runs, or say why there is none. */
export function ladderStarted(ctx: EngineContext, state: SessionState): Step & { created: number } {
  if (state.ladder || !ctx.spec.ladder) return { state, effects: [], created: 0 };
  const { spec } = ctx;
  const st = draftOf(state);
  const pick = ladderSubject(st, spec);
  const planned = plannedSizes(spec, winBase(st, pick.ok ? pick.subject.proposalId : BASELINE).config);
  const sizes = pick.ok ? affordableSizes(st, spec, spec.parallel) : [];
  const reason = !pick.ok
    ? `${pick.reason} when the ladder came due`
    : sizes.length
      ? ''
      : planned.length
        ? `one larger size would take more than ${Math.round(LADDER_SHARE_MAX * 100)} % of the budget at the throughput measured`
        : 'the trainer has no GPT model whose width and depth the ladder could grow';
  const s = pick.ok ? pick.subject : { proposalId: '', baseId: '', baseDelta: 0, confirmed: false };
  const l: LadderState = {
    ...s,
    baseFlopsPerToken: ctx.baseFlopsPerToken,
    ...(pick.ok ? { baseParams: baseParams(winBase(st, pick.subject.proposalId).config) } : {}),
    sizes,
    entries: [],
    status: reason ? 'skipped' : 'running',
    reason,
  };
  st.ladder = l;
  if (reason) return { state: st, effects: [journal('note', `no size ladder: ${reason}`)], created: 0 };
  const top = topRung(spec);
  let created = 0;
  for (const size of sizes) {
    for (let i = 0; i < spec.ladderSeeds; i++) {
      for (const id of [l.baseId, l.proposalId]) {
        const t = newTrial(st, id, ladderSeed(spec, i), 'ladder', top);
        t.ladder = { step: size.step };
        created++;
      }
    }
  }
  l.entries = ladderEntries(st, spec, l);
  const p = proposalOf(st, l.proposalId);
  const at = sizes.map((z) => `${mParams(z.params)} params x ${z.tokens} tokens`).join(', ');
  return {
    state: st,
    created,
    effects: [
      journal(
        'schedule',
        `size ladder: ${p.id} ${p.title}${l.confirmed ? '' : ' (best change, not a confirmed win)'} against ${l.baseId} at ${at}, ${spec.ladderSeeds} seeds a side${sizes.length < spec.ladder ? ` (${sizes.length} of ${spec.ladder} sizes: more would take over ${Math.round(LADDER_SHARE_MAX * 100)} % of the budget at the throughput measured)` : ''}`,
        {
          proposalId: p.id,
          data: { ladder: { baseId: l.baseId, baseDelta: l.baseDelta, sizes, seeds: spec.ladderSeeds } },
        },
      ),
    ],
  };
}

/** How a ladder run ended (run-ended.ts `RunEnd` hands it over as it is). */
export interface LadderRunEnd {
  trialId: string;
  run?: RunRecord;
  decision?: StopDecision;
  error?: string;
  aborted?: string;
  resumed?: boolean;
}

const settled = (e: LadderEntry) => e.verdict !== 'pending';

/** A ladder run ended: its result, then every size whose verdict is in, then (all done) the ladder. */
export function laddered(ctx: EngineContext, state: SessionState, o: LadderRunEnd): Step {
  const { spec, sessionId } = ctx;
  const st = draftOf(state);
  const fx: Effect[] = [];
  const t = trialOf(st, o.trialId);
  const l = st.ladder!;
  const size = sizeOf(st, t);
  const p = proposalOf(st, t.proposalId);
  const run = o.run;
  if (run) countRunFlops(st, t, undefined, run, size.flopsPerToken * p.cost);
  const done = run?.summary.trainerStatus === 'completed' || run?.status === 'completed';
  const v = run?.summary.valBpb;
  if (run && done && typeof v === 'number' && Number.isFinite(v)) {
    t.ladder = { step: size.step, valBpb: v, runId: run.id };
    t.status = 'done';
    fx.push(
      journal(
        'result',
        `${t.proposalId} ${t.id} ladder size ${size.step} (${mParams(size.params)} params) seed ${t.seed}: val bpb ${v.toFixed(4)}`,
        {
          proposalId: t.proposalId,
          runIds: [run.id],
          data: { trial: t.id, ladderStep: size.step, valBpb: v, purpose: t.purpose },
        },
      ),
    );
  } else if (o.resumed && !o.decision) {
    return { state: st, effects: fx }; // settled after a crash without a result: `resumed` re-queues it
  } else {
    t.status = o.decision ? 'killed' : o.aborted ? 'cancelled' : 'failed';
    t.stopRule = o.decision?.rule;
    t.note = o.decision?.message ?? o.aborted ?? o.error ?? run?.statusReason ?? 'no result';
    fx.push(
      journal('result', `${t.proposalId} ${t.id} ladder size ${size.step}: ${t.status} — ${t.note}`, {
        proposalId: t.proposalId,
        runIds: run ? [run.id] : [],
      }),
    );
  }
  const before = l.entries;
  l.entries = ladderEntries(st, spec, l);
  const subject = proposalOf(st, l.proposalId);
  l.entries.forEach((e, i) => {
    if (!settled(e) || (before[i] && settled(before[i]))) return;
    const runIds = st.trials
      .filter((x) => x.purpose === 'ladder' && x.ladder?.step === e.step && x.ladder.runId)
      .map((x) => x.ladder!.runId!);
    fx.push(
      journal(
        'conclusion',
        `${subject.id} ${subject.title} ${e.verdict} at ${mParams(e.params)} params (${e.tokens} tokens): ${formatEffect(e.delta!, e.ci95!)} vs ${formatEffect(l.baseDelta)} at the session's size${e.computeMultiplier ? `, ${e.computeMultiplier.text}` : ''}`,
        { proposalId: subject.id, runIds, data: { ladder: e, baseDelta: l.baseDelta } },
      ),
    );
  });
  const open = st.trials.some(
    (x) => x.purpose === 'ladder' && (x.status === 'pending' || x.status === 'running'),
  );
  const changed = l.entries.some((e, i) => settled(e) && !(before[i] && settled(before[i])));
  if (!open) {
    l.status = 'done';
    const flips = l.entries.some((e) => e.verdict === 'flips');
    fx.push(
      journal(
        'finding',
        `size ladder of ${subject.id} ${subject.title}: ${describeLadder(l.entries)}${flips ? '; it flips at a larger size, so the next session does not start from it' : ''}`,
        { proposalId: subject.id, data: { ladder: l.entries } },
      ),
    );
  }
  if ((changed || !open) && l.confirmed) {
    fx.push({
      kind: 'findingLadder',
      findingId: `${sessionId}-${subject.id}`,
      ladder: l.entries.map((e) => ({
        params: e.params,
        tokens: e.tokens,
        delta: e.delta ?? NaN,
        ci95: e.ci95 ?? [NaN, NaN],
        ...(e.computeMultiplier
          ? { computeMultiplier: { value: e.computeMultiplier.value, ci95: e.computeMultiplier.ci95 } }
          : {}),
        verdict: e.verdict,
      })),
      words: describeLadder(l.entries),
    });
  }
  return { state: st, effects: fx };
}
