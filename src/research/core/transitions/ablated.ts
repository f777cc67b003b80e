/**
 * Ablation of multi-knob wins as session stages (core/ablation.ts plans, core/ablation-stats.ts
 * attributes). See ../transitions.ts.
 *
 * - A confirmed win that is the session's best and changes two or more knobs is ablated by the engine
 *   itself (`ablateOnWin`, called where the win is concluded); any other multi-knob win of the session
 *   on the researcher's request (`ablationRequested`, transitions/ablation-request.ts).
 * - When every arm has run (`ablationProgress`, after each run), the attribution is computed; if knobs
 *   were dropped and no arm already measures what is left, one more arm checks the minimal change on
 *   the same seeds; then the study is done: journaled in words, and the win's finding gets
 *   `scale.attribution` (and, when the minimal change passed its check, its config: what the next
 *   session starts from).
 * - A session that ends first settles its studies with what ran (`ablationsAtEnd`); a re-base that
 *   leaves a win behind settles the engine's study of it the same way (`stopLeftBehind`).
 * - What is taken apart, and against which base, is core/ablation.ts `ablationTarget`'s: for a win
 *   that sets part of the stack under it back, the stack the session keeps.
 */
import type { TrainConfig } from '../../../config/train-config.ts';
import { formatEffect } from '../../../stats/describe.ts';
import type { AblationStudy, KnobAttribution, MinimalChange } from '../ablation-state.ts';
import { attribute, checkMinimal, minimalChange } from '../ablation-stats.ts';
import {
  ABLATION_SOURCE,
  ablatable,
  ablationPlan,
  ablationRunsLeft,
  ablationTarget,
  planRuns,
  studyKnobs,
} from '../ablation.ts';
import { canonicalJson, getPath } from '../../../config/resolve.ts';
import { baseOf, currentBase } from '../base.ts';
import { bestWin } from '../conclude.ts';
import { journal, type Effect } from '../effects.ts';
import { admitProposal } from '../proposals.ts';
import { newTrial } from '../trial-steps.ts';
import { topRung } from '../spec.ts';
import { proposalOf, type ProposalState, type SessionState } from '../state.ts';
import { type EngineContext, nextProposalId } from './context.ts';

/** After a win is confirmed: the engine ablates it when it is the best and changes several knobs. */
export function ablateOnWin(ctx: EngineContext, st: SessionState, fx: Effect[], winId: string): void {
  const win = proposalOf(st, winId);
  if (ablatable(st, win) !== undefined) return; // one knob, a code change, or already done
  if (bestWin(st)?.id !== winId) {
    fx.push(
      journal(
        'note',
        `${win.id} ${win.title}: a multi-knob win, but not the session's best: not ablated unless the researcher asks (request_ablation)`,
        { proposalId: win.id },
      ),
    );
    return;
  }
  scheduleAblation(ctx, st, fx, win, 'engine');
}

/** Queue the arms of `win` (on the draft); returns the study, or why there is none. */
export function scheduleAblation(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  win: ProposalState,
  by: string,
): AblationStudy | { missing: string } {
  const target = ablationTarget(st, win);
  const set = target.set ?? {};
  const base = proposalOf(st, target.baseId).config;
  const maxRuns = ablationRunsLeft(st, ctx.spec, ctx.baseFlopsPerToken);
  const plan = ablationPlan(st, ctx.spec, win, base, maxRuns, set);
  if ('missing' in plan) {
    fx.push(journal('note', `${win.id} ${win.title}: not ablated: ${plan.missing}`, { proposalId: win.id }));
    return plan;
  }
  const study: AblationStudy = {
    winId: win.id,
    baseId: target.baseId,
    ...(target.baseId !== baseOf(st, win.id) ? { set } : {}),
    by,
    knobs: plan.knobs,
    skipped: plan.skipped,
    seeds: plan.seeds,
    arms: [],
    status: 'running',
  };
  for (const arm of plan.arms) {
    const id = addArm(ctx, st, win, base, Object.keys(set), arm.set, arm.role, plan.seeds);
    if (id) study.arms.push({ proposalId: id, keys: arm.keys, role: arm.role });
  }
  st.ablations = [...(st.ablations ?? []), study];
  const skipped = plan.skipped.map((s) => `${s.key} (${s.reason})`).join(', ');
  const against = study.set ? ` against ${target.baseId}, the config under the stack it trimmed` : '';
  fx.push(
    journal(
      'schedule',
      `${win.id} ${win.title}: ablation of ${plan.knobs.join(', ')}${against} (${by === 'engine' ? 'the engine' : `asked by ${by}`}): ${study.arms.length} arm(s) × ${plan.seeds.length} seeds = ${planRuns(plan)} full-budget runs${skipped ? `; skipped: ${skipped}` : ''}`,
      {
        proposalId: win.id,
        data: { knobs: plan.knobs, skipped: plan.skipped, seeds: plan.seeds, arms: study.arms },
      },
    ),
  );
  return study;
}

/** One arm: a proposal that sets `set` on the base (never an idea, never judged) and its seeds at the top. */
function addArm(
  ctx: EngineContext,
  st: SessionState,
  win: ProposalState,
  base: TrainConfig,
  all: string[], // every knob the study takes apart
  set: Record<string, unknown>,
  role: AblationStudy['arms'][number]['role'],
  seeds: number[],
): string | undefined {
  const keys = Object.keys(set);
  const title =
    role === 'drop'
      ? `${win.id} without ${all.filter((k) => !keys.includes(k)).join(', ')}`
      : role === 'alone'
        ? `${win.id}: ${keys.join(', ')} alone`
        : `${win.id} minimal: ${keys.join(', ')}`;
  const prop = {
    title,
    hypothesis: `ablation of ${win.id}: how much of it ${keys.join(', ')} carries`,
    change: { kind: 'config' as const, set },
    expectedEffect: 0,
    source: ABLATION_SOURCE,
  };
  const a = admitProposal(prop, base, {
    searchSpace: ctx.spec.searchSpace,
    noiseKeys: [],
    triedKeys: new Map(),
  });
  if (!a.ok) return undefined; // a subset of an admitted change: only a noise-only remainder lands here
  const id = nextProposalId(st);
  st.nextProposal++;
  st.proposals.push({
    id,
    title,
    hypothesis: prop.hypothesis,
    change: prop.change,
    expectedEffect: 0,
    cost: a.cost,
    source: ABLATION_SOURCE,
    key: `ablation:${win.id}:${a.key}`,
    config: a.config,
    status: 'active',
    ablationOf: win.id,
    createdAt: win.createdAt,
  });
  for (const seed of seeds) newTrial(st, id, seed, 'ablation', topRung(ctx.spec));
  return id;
}

const settled = (st: SessionState, ids: string[]) =>
  !st.trials.some((t) => ids.includes(t.proposalId) && (t.status === 'pending' || t.status === 'running'));

/** After a run: settle every study whose arms have all run (on the draft). */
export function ablationProgress(ctx: EngineContext, st: SessionState, fx: Effect[], atEnd = false): void {
  for (const study of st.ablations ?? []) {
    if (study.status === 'done') continue;
    const ids = study.arms.map((a) => a.proposalId);
    if (atEnd || settled(st, ids)) settle(ctx, st, fx, study, atEnd ? 'the session ended first' : undefined);
  }
}

/**
 * Attribute a study from what ran; then finish it, or (when knobs were dropped and no arm measures
 * what is left) queue the minimal change's check. `stopped`: why no more arm may run (it finishes).
 */
function settle(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  study: AblationStudy,
  stopped?: string,
): void {
  const attribution = attribute(st, ctx.spec, study);
  study.attribution = attribution;
  if (study.status === 'verifying') {
    const arm = study.arms.find((a) => a.role === 'minimal')!;
    finish(ctx, st, fx, study, checkMinimal(st, ctx.spec, study, arm.proposalId, arm.keys), stopped);
    return;
  }
  const m = minimalChange(st, ctx.spec, study, attribution);
  if (!('needsArm' in m)) {
    finish(ctx, st, fx, study, m, stopped);
    return;
  }
  const win = proposalOf(st, study.winId);
  const knobs = studyKnobs(st, study);
  const set = Object.fromEntries(m.needsArm.map((k) => [k, knobs[k]]));
  const base = proposalOf(st, study.baseId).config;
  const id = stopped
    ? undefined
    : addArm(ctx, st, win, base, Object.keys(knobs), set, 'minimal', study.seeds);
  if (!id) {
    const note = stopped
      ? `not checked: ${stopped}; the whole change is kept`
      : 'not checked: its arm could not be built';
    finish(ctx, st, fx, study, { set, keys: m.needsArm, verified: null, note }, stopped);
    return;
  }
  study.arms.push({ proposalId: id, keys: m.needsArm, role: 'minimal' });
  study.status = 'verifying';
  fx.push(
    journal(
      'schedule',
      `${win.id} ${win.title}: ${describeAttribution(attribution)}. Checking the minimal change ${m.needsArm.join(', ')} on ${study.seeds.length} seeds`,
      { proposalId: win.id, data: { attribution, minimal: m.needsArm } },
    ),
  );
}

/** At the end of a session: settle studies with whatever ran. */
export function ablationsAtEnd(ctx: EngineContext, st: SessionState, fx: Effect[]): void {
  ablationProgress(ctx, st, fx, true);
}

/**
 * After a re-base (on the draft): the engine's own studies of a win the new base no longer holds (it
 * sets one of the win's knobs to another value: the screen's pace check, which drops two knobs of the
 * stack it was judged on) stop where they are: arms not yet started are cancelled, and the study
 * settles with what ran. Their attribution would describe a config the session has left. Found in
 * bench/research-efficiency regime (a) at 96 full runs (BENCHMARKS.md): six arms of the screened stack
 * took 14.8 full runs while its pace check, which then became the base, waited. A study the
 * researcher asked for runs as asked.
 */
export function stopLeftBehind(ctx: EngineContext, st: SessionState, fx: Effect[]): void {
  const base = currentBase(st);
  for (const study of st.ablations ?? []) {
    if (study.status === 'done' || study.by !== 'engine') continue;
    const win = proposalOf(st, study.winId);
    const left = Object.entries(studyKnobs(st, study))
      .filter(([k, v]) => canonicalJson(getPath(base.config, k)) !== canonicalJson(v))
      .map(([k]) => k);
    if (!left.length) continue;
    fx.push(
      journal(
        'note',
        `${win.id} ${win.title}: its ablation stops with what ran: the new base ${base.id} sets ${left.join(', ')} otherwise`,
        { proposalId: win.id, data: { left } },
      ),
    );
    settle(ctx, st, fx, study, `the base moved to ${base.id}`);
  }
}

/** "optim.lr=0.001: −0.0400 [−0.0500, −0.0300]; optim.beta2=0.99: noise (+0.0010 [−0.0100, +0.0120])" */
export function describeAttribution(attribution: KnobAttribution[]): string {
  return attribution
    .map((a) => {
      const knob = `${a.key}=${JSON.stringify(a.value)}`;
      if (a.delta === null || !a.ci95) return `${knob}: not measured (${a.reason ?? 'skipped'})`;
      const eff = formatEffect(a.delta, a.ci95);
      return a.verdict === 'carries' ? `${knob}: ${eff}` : `${knob}: ${a.verdict} (${eff})`;
    })
    .join('; ');
}

function finish(
  ctx: EngineContext,
  st: SessionState,
  fx: Effect[],
  study: AblationStudy,
  minimal: MinimalChange,
  stopped = 'the session ended', // why arms not started never will (settle's `stopped`)
): void {
  study.status = 'done';
  study.minimal = minimal;
  for (const a of study.arms) {
    const p = proposalOf(st, a.proposalId);
    p.status = 'concluded';
    for (const t of st.trials.filter((x) => x.proposalId === p.id && x.status === 'pending')) {
      t.status = 'cancelled';
      t.note = `not run: ${stopped}`;
    }
  }
  const win = proposalOf(st, study.winId);
  const attribution = study.attribution ?? [];
  const all = Object.keys(studyKnobs(st, study));
  const smaller = minimal.verified === true && minimal.keys.length < all.length;
  const words = describeAttribution(attribution);
  const keep = smaller
    ? `keeps ${minimal.keys.join(', ')} (${minimal.note})`
    : `keeps the whole change (${minimal.note})`;
  const runIds = st.trials
    .filter((t) => study.arms.some((a) => a.proposalId === t.proposalId))
    .flatMap((t) => Object.values(t.rungRuns));
  fx.push(
    journal('conclusion', `${win.id} ${win.title} ablated: ${words}`.slice(0, 600), {
      proposalId: win.id,
      runIds,
      body: `The session ${keep}.`,
      data: { attribution, minimal, skipped: study.skipped },
    }),
    {
      kind: 'findingScale',
      id: `${ctx.sessionId}-${win.id}`,
      attribution: attribution
        .filter((a) => a.delta !== null && a.ci95)
        .map((a) => ({ key: a.key, value: a.value, delta: a.delta!, ci95: a.ci95! })),
      statement: ` Ablation: ${words}; ${keep}.`,
      ...(smaller ? { config: configOf(ctx, st, win, minimal) } : {}),
    },
  );
}

/** The config of the minimal change: its arm's (checked), applied to the win's base. */
function configOf(ctx: EngineContext, st: SessionState, win: ProposalState, m: MinimalChange): TrainConfig {
  const study = st.ablations!.find((s) => s.winId === win.id)!;
  const arm = study.arms.find((a) => a.keys.join('\n') === [...m.keys].sort().join('\n'));
  return arm ? proposalOf(st, arm.proposalId).config : win.config;
}
