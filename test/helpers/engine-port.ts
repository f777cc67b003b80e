/**
 * A session's engine without processes, for tests of the researcher's asks (request_ablation,
 * stop_run): the state is built by the real transitions, in order, as session.ts would call them, and
 * `port` is the narrow SessionPort io/requests.ts uses (its `apply` adopts each step and keeps the
 * effects for assertions, as effects.ts would carry them out).
 */
import { resolveConfig } from '../../src/config/resolve.ts';
import type { Effect, Step } from '../../src/research/core/effects.ts';
import { admitProposal } from '../../src/research/core/proposals.ts';
import { BASELINE, type SessionState } from '../../src/research/core/state.ts';
import * as T from '../../src/research/core/transitions.ts';
import type { SessionPort } from '../../src/research/io/port.ts';
import type { RunRecord } from '../../src/store/base.ts';
import { testSpec } from './test-spec.ts';

const NOW = '2026-01-01T00:00:00.000Z';
export const base = resolveConfig({ preset: 'tiny' });

export const engineCtx: T.EngineContext = {
  sessionId: 's-asks',
  spec: testSpec(base, {
    researcher: 'claude',
    rungTokens: [9000],
    tokPerSec: 1000,
    startupSeconds: 1,
  }),
  baseConfig: base,
  baseFlopsPerToken: 1000,
};

let seq = 0;
const record = (valBpb: number | undefined, status: string): RunRecord =>
  ({
    id: `r-asks-${++seq}`,
    status,
    runDir: '/nowhere',
    config: base,
    tags: {},
    summary: { valBpb, tokens: 9000, flops: 9e6, tokPerSec: 1000, wallSeconds: 3, trainSeconds: 1 },
  }) as unknown as RunRecord;

/** Start a pending trial's run and leave it running; returns the run id. */
export function launch(st: SessionState, trialId: string): { state: SessionState; runId: string } {
  const runId = `r-asks-${++seq}`;
  st = T.started(st, { trialId }).state;
  return { state: T.launched(st, { trialId, runId }).state, runId };
}

/** End a trial's run: a value, or (undefined) a stopped run without one (`ctx`: another session's rules). */
export function endRun(
  st: SessionState,
  trialId: string,
  value: number | undefined,
  ctx: T.EngineContext = engineCtx,
): SessionState {
  const t = st.trials.find((x) => x.id === trialId)!;
  const run = record(value, value === undefined ? 'stopped' : 'completed');
  if (!t.runIds.length || t.status !== 'running') st = T.launched(st, { trialId, runId: run.id }).state;
  else run.id = t.runIds[t.runIds.length - 1];
  return T.runEnded(ctx, st, { trialId, rung: t.rung, run, ideas: [], now: NOW }).state;
}

/** The baseline's three seeds at 1.99 / 2.00 / 2.01. */
export function withBaseline(): SessionState {
  let st = T.created(engineCtx, { now: NOW }).state;
  for (const [i, t] of st.trials.filter((x) => x.proposalId === BASELINE).entries())
    st = endRun(st, t.id, 2 + (i - 1) * 0.01);
  return st;
}

/** Admit a config change (explore trial pending); returns its id. */
export function admit(st: SessionState, title: string, set: Record<string, unknown>) {
  const proposal = {
    title,
    hypothesis: `${title} helps`,
    change: { kind: 'config' as const, set },
    expectedEffect: -0.01,
    source: 'test',
  };
  const a = admitProposal(proposal, base, {
    searchSpace: engineCtx.spec.searchSpace,
    noiseKeys: engineCtx.spec.noiseKeys,
    triedKeys: new Map(),
  });
  if (!a.ok) throw new Error(a.reason);
  return T.admitted(engineCtx, st, { proposal, admission: a, now: NOW });
}

/** Run every pending trial of `id` (and the baseline's paired confirmation) to `value` (baseline 2.0). */
export function runAll(st: SessionState, id: string, value: number): SessionState {
  for (;;) {
    const t = st.trials.find(
      (x) =>
        x.status === 'pending' &&
        (x.proposalId === id || (x.proposalId === BASELINE && x.purpose === 'confirm')),
    );
    if (!t) return st;
    st = endRun(st, t.id, t.proposalId === BASELINE ? 2.0 : value + 0.005 * ((t.seed % 3) - 1));
  }
}

/** A session with a confirmed win of `set` (at 1.7 against a 2.0 baseline). */
export function withWin(st: SessionState, title: string, set: Record<string, unknown>, value = 1.7) {
  const a = admit(st, title, set);
  return { state: runAll(a.state, a.id, value), id: a.id };
}

/**
 * Two confirmed multi-knob wins: the second is admitted on the baseline before the first (the better)
 * re-bases the session, so it is judged against the baseline and is not the best when it is confirmed.
 */
export function twoWins(
  st: SessionState,
  first: { title: string; set: Record<string, unknown>; value: number },
  second: { title: string; set: Record<string, unknown>; value: number },
) {
  const early = admit(st, second.title, second.set);
  const one = withWin(early.state, first.title, first.set, first.value);
  return { state: runAll(one.state, early.id, second.value), first: one.id, second: early.id };
}

/** The port io/requests.ts needs, over a state held here; `live` = trial ids with a run to stop. */
export function enginePort(initial: SessionState, live: string[] = []) {
  const held = {
    state: initial,
    effects: [] as Effect[],
    stopped: [] as Array<{ trialId: string; why: string }>,
  };
  const port = {
    ...engineCtx,
    researcher: { name: 'claude', propose: async () => [] },
    state: () => held.state,
    secondsUsed: () => 0,
    liveRuns: () =>
      new Map(live.map((id) => [id, (why: string) => void held.stopped.push({ trialId: id, why })])),
    apply: async <S extends Step>(t: (s: SessionState) => S): Promise<S> => {
      const step = t(held.state);
      held.state = step.state;
      held.effects.push(...step.effects);
      return step;
    },
  } as unknown as SessionPort;
  return { port, held };
}
