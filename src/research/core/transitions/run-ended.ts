/** A run ended: what it means for its trial and proposal. See ../transitions.ts. */
import type { RunRecord, TriedIdea } from '../../../store/base.ts';
import { formatEffect } from '../../../stats/describe.ts';
import { mean } from '../../../stats/summary.ts';
import { resultOf } from '../digest.ts';
import { journal, type Effect, type Step } from '../effects.ts';
import { baseOf, baseValuesAt, isBaseId } from '../base.ts';
import { afterRung, cancelPending, newTrial } from '../trial-steps.ts';
import { isFlopMatched, topRung } from '../spec.ts';
import { BASELINE, proposalOf, type SessionState, type TrialState } from '../state.ts';
import { alsoResultOfRun, countRunFlops, resultOfRun, runEndState } from '../trial-runs.ts';
import { type EngineContext, type StopDecision, draftOf, trialOf, idea } from './context.ts';
import { ablationProgress } from './ablated.ts';
import { concludeAll } from './concluded.ts';
import { RESEARCHER_STOP } from './stop-request.ts';
import { laddered } from './laddered.ts';

/** How a trial's run ended, as the session saw it. */
export interface RunEnd {
  trialId: string;
  rung: number;
  resumeFrom?: string; // the checkpoint the run resumed from (its FLOPs start there)
  run?: RunRecord;
  decision?: StopDecision; // a monitor rule stopped it
  error?: string; // it could not be launched or followed
  aborted?: string; // the session was stopping when it ended
  resumed?: boolean; // settled after a crash (no live decision available)
  /** Ideas stored by earlier sessions: a stack proposed now is refused if one of them is the same. */
  ideas: TriedIdea[];
  now: string;
}

/**
 * A run ended: its FLOPs and calibration, then what it means for its trial and proposal (a result at
 * a rung, a monitor kill, a failure, a run cut short), then every conclusion that is ready now, and a
 * stack once two wins are confirmed. The researcher observes this result and every conclusion.
 */
export function runEnded(ctx: EngineContext, state: SessionState, o: RunEnd): Step {
  if (trialOf(state, o.trialId).purpose === 'ladder') return laddered(ctx, state, o); // its own stage
  const { spec } = ctx;
  const st = draftOf(state);
  const fx: Effect[] = [];
  const t = trialOf(st, o.trialId);
  const p = proposalOf(st, t.proposalId);
  const run = o.run;
  const runIds = run ? [run.id] : [];
  if (run) {
    countRunFlops(st, t, o.resumeFrom, run, ctx.baseFlopsPerToken * p.cost);
    if (!o.resumed) runEndState(t, run);
    updateCalibration(st, run, p.cost);
  }
  const value = run ? resultOfRun(run) : undefined;

  if (value !== undefined) {
    t.results[String(o.rung)] = value;
    t.rungRuns[String(o.rung)] = run!.id;
    // a base's run below the top, scored on the top's eval size too: the compute law's value of it
    const law =
      t.purpose === 'baseline' && o.rung < topRung(spec)
        ? alsoResultOfRun(run!, p.config.train.finalEvalTokensPerDomain)
        : undefined;
    if (law !== undefined) (t.lawResults ??= {})[String(o.rung)] = law;
    const baseId = baseOf(st, t.proposalId);
    const base = baseValuesAt(st, baseId, o.rung);
    const delta =
      t.proposalId !== baseId && base.length
        ? ` (${formatEffect(value - mean(base))} vs ${baseId === BASELINE ? 'baseline' : `base ${baseId}`} mean)`
        : '';
    // a monitor stop decided near the end can land after the trainer reached its budget: the value
    // stands (and the run's record says `stopped`, so analyses leave it out: analysis/importance.ts)
    const late = o.decision ? ` (the ${o.decision.rule} stop landed after the run reached its budget)` : '';
    fx.push(
      journal(
        'result',
        `${t.proposalId} ${t.id} rung ${o.rung} seed ${t.seed}: val bpb ${value.toFixed(4)}${delta}${late}`,
        {
          proposalId: t.proposalId,
          runIds,
          data: { trial: t.id, rung: o.rung, valBpb: value, purpose: t.purpose },
        },
      ),
    );
    afterRung(st, spec, t); // a top-rung result is judged below (concludeAll: sequential looks)
    if (p.study) p.status = 'concluded'; // a study point is measured, never judged: no verdict
    if (isBaseId(st, t.proposalId)) fx.push({ kind: 'reference', rung: o.rung });
  } else if (o.decision || t.stopRule === RESEARCHER_STOP) {
    // a monitor kill, or the researcher's stop (stop-request.ts): either way the trial is a kill
    t.status = 'killed';
    t.stopRule = o.decision?.rule ?? RESEARCHER_STOP;
    if (p.id === BASELINE) replaceBaselineSeed(ctx, st, t, fx);
    else if (p.ablationOf) {
      // an ablation seed without a value: its arm pairs on fewer seeds (ablation-stats.ts)
    } else if (!isBaseId(st, p.id)) {
      // a re-based winner's base run that was stopped only loses that run: its verdict stands
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(st, p.id, `${p.id} stopped by ${t.stopRule}`);
      fx.push(idea(p.key, p.title, p.id, 'stopped'));
    }
  } else if (o.aborted) {
    t.status = 'cancelled';
    t.note = o.aborted;
  } else if (o.resumed) {
    return { state: st, effects: fx }; // settled after a crash without a result: `resumed` re-queues it
  } else {
    t.status = 'failed';
    t.note = o.error ?? run?.statusReason ?? 'no result';
    fx.push(
      journal('result', `${t.proposalId} ${t.id} rung ${o.rung}: ${run?.status ?? 'error'} — ${t.note}`, {
        proposalId: t.proposalId,
        runIds,
      }),
    );
    if (p.id === BASELINE) replaceBaselineSeed(ctx, st, t, fx);
    const mine = st.trials.filter((x) => x.proposalId === p.id);
    if (
      !isBaseId(st, p.id) &&
      !p.ablationOf &&
      mine.every((x) => x.status === 'failed' || x.status === 'cancelled')
    ) {
      p.status = 'concluded';
      p.verdict = 'loss';
      cancelPending(st, p.id, `${p.id} failed`);
      fx.push(idea(p.key, p.title, p.id, run?.status ?? 'failed'));
    }
  }
  // the researcher sees this result, and every proposal concluded now, with its verdict
  const concluded = concludeAll(ctx, st, fx, o.ideas, o.now);
  ablationProgress(ctx, st, fx); // a study whose arms have all run is settled now (transitions/ablated.ts)
  if (p.id !== BASELINE && !p.ablationOf) concluded.add(p.id);
  for (const id of concluded) fx.push({ kind: 'observe', result: resultOf(st, spec, proposalOf(st, id)) });
  return { state: st, effects: fx };
}

/** Judge what is ready (on the draft); returns the ids of the proposals concluded now. */

/**
 * Every verdict waits for `baselineSeeds` baseline values at the top rung, so a baseline seed that
 * failed or was stopped is replaced by a fresh one (at most `baselineSeeds` replacements: a base config
 * that keeps failing is not retried forever).
 */
function replaceBaselineSeed(ctx: EngineContext, st: SessionState, t: TrialState, fx: Effect[]): void {
  const { spec } = ctx;
  if (t.purpose !== 'baseline') return;
  const mine = st.trials.filter((x) => x.proposalId === BASELINE);
  if (mine.filter((x) => x.note?.startsWith('replaces ')).length >= spec.baselineSeeds) return;
  const used = new Set(mine.map((x) => x.seed));
  let seed = spec.seedBase + spec.baselineSeeds;
  while (used.has(seed)) seed++;
  const n = newTrial(st, BASELINE, seed, 'baseline', 0);
  n.note = `replaces ${t.id}`;
  fx.push(
    journal('schedule', `baseline ${n.id} seed ${seed} replaces ${t.id} (${t.status})`, {
      proposalId: BASELINE,
      data: { trial: n.id, replaces: t.id },
    }),
  );
}

/** Throughput and per-run start-up overhead, refined from every run of the base cost. */
function updateCalibration(st: SessionState, run: RunRecord, cost: number): void {
  const c = st.calibration;
  const tps = run.summary.tokPerSec;
  const wall = run.summary.wallSeconds;
  const train = run.summary.trainSeconds;
  if (typeof tps !== 'number' || !(tps > 0) || isFlopMatched(cost)) return;
  const k = c.samples;
  c.tokPerSec = k === 0 || c.tokPerSec === undefined ? tps : (c.tokPerSec * k + tps) / (k + 1);
  if (typeof wall === 'number' && typeof train === 'number' && wall > train) {
    const startup = wall - train;
    c.startupSeconds =
      k === 0 || c.startupSeconds === undefined ? startup : (c.startupSeconds * k + startup) / (k + 1);
  }
  c.samples = k + 1;
}
