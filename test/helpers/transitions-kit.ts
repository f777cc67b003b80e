/**
 * What the session-transition tests share (src/research/core/transitions*.test.ts): contexts, a run
 * record, a run's end, proposals admitted and judged, and which transitions each file must cover.
 */
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/resolve.ts';
import type { Proposal } from '../../src/researchers/base.ts';
import type { RunRecord } from '../../src/store/base.ts';
import type { Effect, Step } from '../../src/research/core/effects.ts';
import { currentBase } from '../../src/research/core/base.ts';
import { admitProposal } from '../../src/research/core/proposals.ts';
import type { SessionSpecInput } from '../../src/research/core/spec.ts';
import { testSpec } from './test-spec.ts';
import { BASELINE, type SessionState, type TrialState } from '../../src/research/core/state.ts';
import * as T from '../../src/research/core/transitions.ts';

export const base = resolveConfig({ preset: 'tiny' });
export const NOW = '2026-01-01T00:00:00.000Z';

export function contextFor(spec: Partial<SessionSpecInput>): T.EngineContext {
  return {
    sessionId: 's-test',
    spec: testSpec(base, { rungTokens: [9000], tokPerSec: 1000, startupSeconds: 1, ...spec }),
    baseConfig: base,
    baseFlopsPerToken: 1000,
  };
}
export const one = contextFor({}); // one rung: every result is a full-budget result
export const three = contextFor({ rungTokens: [1000, 3000, 9000] }); // rungs 0 and 1 end inside warmup (4096)
export const threeLong = contextFor({ rungTokens: [9000, 27_000, 81_000] }); // rung 0 is past twice the warmup

let runSeq = 0;
export function runRecord(
  valBpb: number | undefined,
  status = valBpb === undefined ? 'failed' : 'completed',
): RunRecord {
  return {
    id: `r${++runSeq}`,
    status,
    statusReason: status === 'failed' ? 'exit 1' : undefined,
    runDir: '/nowhere',
    config: base,
    tags: {},
    summary: { valBpb, tokens: 1000, flops: 6e6, tokPerSec: 1000, wallSeconds: 3, trainSeconds: 1 },
  } as unknown as RunRecord;
}

export const trial = (st: SessionState, id: string): TrialState => st.trials.find((t) => t.id === id)!;
export const trialsOf = (st: SessionState, p: string) => st.trials.filter((t) => t.proposalId === p);
export const kinds = (fx: Effect[]) => fx.map((e) => (e.kind === 'journal' ? `journal:${e.entry}` : e.kind));
export const ideas = (fx: Effect[]) => fx.flatMap((e) => (e.kind === 'idea' ? [e.idea.outcome] : []));

/** End a trial's current run (a result, a monitor stop, a failure). */
export function end(
  ctx: T.EngineContext,
  st: SessionState,
  id: string,
  how: { value?: number; stop?: string; error?: string; aborted?: string; resumed?: boolean },
): Step {
  const t = trial(st, id);
  const run = how.error ? undefined : runRecord(how.value, how.stop ? 'stopped' : undefined);
  const decision = how.stop
    ? { action: 'stop' as const, rule: how.stop, message: `${how.stop} fired`, evidence: {} }
    : undefined;
  if (run) st = T.launched(st, { trialId: id, runId: run.id }).state;
  return T.runEnded(ctx, st, {
    trialId: id,
    rung: t.rung,
    run,
    decision,
    error: how.error,
    aborted: how.aborted,
    resumed: how.resumed,
    ideas: [],
    now: NOW,
  });
}

/** Run a trial to the end of its rungs (or until it waits for promotion) with one value per rung. */
export function finish(ctx: T.EngineContext, st: SessionState, id: string, value: (rung: number) => number) {
  const effects: Effect[] = [];
  while (trial(st, id).status === 'pending' || trial(st, id).status === 'running') {
    const step = end(ctx, st, id, { value: value(trial(st, id).rung) });
    st = step.state;
    effects.push(...step.effects);
  }
  return { state: st, effects };
}

export function propose(title: string, set: Record<string, unknown>): Proposal {
  return {
    title,
    hypothesis: `${title} helps`,
    change: { kind: 'config', set },
    expectedEffect: -0.01,
    source: 'test',
  };
}

export function admit(ctx: T.EngineContext, st: SessionState, p: Proposal, atTop = false) {
  const a = admitProposal(p, currentBase(st).config, {
    searchSpace: ctx.spec.searchSpace,
    noiseKeys: ctx.spec.noiseKeys,
    triedKeys: new Map(),
  });
  assert.ok(a.ok, a.ok ? '' : a.reason);
  return T.admitted(ctx, st, { proposal: p, admission: a, atTop, now: NOW });
}

/** A session whose baseline finished every rung (1.99, 2.00, 2.01 at rung 0; 0.1 lower each rung up). */
export function withBaseline(ctx: T.EngineContext): SessionState {
  let st = T.created(ctx, { now: NOW }).state;
  for (const [i, t] of trialsOf(st, BASELINE).entries())
    st = finish(ctx, st, t.id, (r) => 2 - r * 0.1 + (i - 1) * 0.01).state;
  return st;
}

/** A candidate on a one-rung session with its three decision seeds at `value`. */
export function judgedCandidate(
  st: SessionState,
  title: string,
  set: Record<string, unknown>,
  value: number,
) {
  const a = admit(one, st, propose(title, set));
  return { ...runCandidate(a.state, a.id, value), id: a.id };
}

/** Run an admitted candidate's pending decision trials at about `value`. */
export function runCandidate(st: SessionState, id: string, value: number) {
  const effects: Effect[] = [];
  for (;;) {
    const next = trialsOf(st, id).find((t) => t.status === 'pending' && t.purpose !== 'confirm');
    if (!next) break;
    const r = finish(one, st, next.id, () => value + 0.01 * (trialsOf(st, id).indexOf(next) - 1));
    st = r.state;
    effects.push(...r.effects);
  }
  return { state: st, effects };
}

/** A candidate on a one-rung session, judged at `value` and confirmed at `value` (baseline 2.0). */
export function confirmedWin(st: SessionState, title: string, set: Record<string, unknown>, value: number) {
  const c = judgedCandidate(st, title, set, value);
  return { ...confirmAt(c.state, c.id, value, c.effects), id: c.id };
}

/** Run the pending confirmation trials: the candidate at `value`, its base (the baseline) at 2.0. */
export function confirmAt(st: SessionState, id: string, value: number, effects: Effect[] = []) {
  effects = [...effects];
  for (const t of st.trials.filter((x) => x.purpose === 'confirm' && x.status === 'pending')) {
    const s = end(one, st, t.id, { value: t.proposalId === id ? value : 2.0 });
    st = s.state;
    effects.push(...s.effects);
  }
  return { state: st, effects };
}

/** Run the pending extra decision seeds of `ids` at `value` (a pass needs two: sequential.ts MIN_PASS_SEEDS). */
export function moreSeeds(st: SessionState, ids: string[], value: number, ctx = one) {
  for (;;) {
    const t = st.trials.find(
      (x) => ids.includes(x.proposalId) && x.purpose === 'seeds' && x.status === 'pending',
    );
    if (!t) return st;
    st = end(ctx, st, t.id, { value }).state;
  }
}

/** Run every pending confirmation trial with `value(trial)`. */
export function confirmAll(st: SessionState, value: (t: TrialState) => number, ctx = one) {
  const effects: Effect[] = [];
  for (;;) {
    const t = st.trials.find((x) => x.purpose === 'confirm' && x.status === 'pending');
    if (!t) break;
    const s = end(ctx, st, t.id, { value: value(t) });
    st = s.state;
    effects.push(...s.effects);
  }
  return { state: st, effects };
}

/**
 * The transitions each transitions-*.test.ts file must cover: its last case checks its own list, and
 * transitions.test.ts checks that every exported transition is on one.
 */
export const TRANSITION_CASES: Record<string, readonly string[]> = {
  'transitions-runs.test.ts': [
    'created',
    'started',
    'launched',
    'runEnded',
    'monitorStopped',
    'curveAsked',
    'curveJudged',
  ],
  'transitions-verdicts.test.ts': [],
  'transitions-researcher.test.ts': [
    'promoted',
    'reviewed',
    'asked',
    'admitted',
    'rejected',
    'noted',
    'paused',
    'unpaused',
    'ended',
    'finished',
    'resumed',
  ],
  'transitions-after-wins.test.ts': [
    'ablationRequested',
    'stopRequested',
    'ladderStarted',
    'laddered',
    'earlySeeded',
  ],
};

/** A file's coverage: `covers` in each case, `uncovered` in its last. */
export function coverage(file: string) {
  const covered = new Set<string>();
  return {
    covers: (...names: string[]) => names.forEach((n) => covered.add(n)),
    uncovered: () => (TRANSITION_CASES[file] ?? []).filter((n) => !covered.has(n)),
  };
}
