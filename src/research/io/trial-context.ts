/**
 * What a trial's run needs from its session: the store and executor, the monitor rules (baseline runs
 * are only stopped for NaN or divergence: they measure the noise), the baseline band, the journal for
 * kills (through `monitorStopped`), the researcher's call on an ambiguous curve (io/judge-curve.ts), the run id for its trial (`launched`), and the live view.
 */
import { defaultRules, type MonitorParams, type Reference } from '../../monitor/index.ts';
import type { RunEvent } from '../../runs/events.ts';
import type { RunController } from '../../runs/launch.ts';
import type { WorkItem } from '../core/scheduler.ts';
import { launched, monitorStopped } from '../core/transitions.ts';
import type { SessionView } from '../view.ts';
import { judgeCurve } from './judge-curve.ts';
import type { SessionPort } from './port.ts';
import type { TrialRunContext } from './run-trial.ts';

/** The session side of a trial's run. */
export interface TrialHost extends SessionPort {
  reference(rung: number): Reference | undefined;
  stopSignal: AbortSignal; // the session is stopping: runs in flight are stopped
  view?: SessionView;
}

export function trialContext(s: TrialHost, entry: { ctl?: RunController; item: WorkItem }): TrialRunContext {
  const monitor = s.spec.monitor as MonitorParams;
  return {
    store: s.store,
    executor: s.executor,
    spec: s.spec,
    state: s.state(),
    sessionId: s.sessionId,
    baseFlopsPerToken: s.baseFlopsPerToken,
    rules: defaultRules(monitor),
    // the baseline measures the noise: only the certain rules (nan, divergence) may stop it
    baselineRules: defaultRules({
      ...monitor,
      spike: false,
      stall: false,
      evalSize: false,
      lrSchedule: false,
      trainValGap: false,
      cannotCatchUp: false,
      behindBaseline: false,
    }),
    reference: (rung: number) => s.reference(rung),
    signal: s.stopSignal,
    onLaunched: (run, item) => {
      void s.apply((st) => launched(st, { trialId: item.trial.id, runId: run.runId }));
    },
    onKill: (run, d, item) => {
      void s.apply((st) =>
        monitorStopped(st, { trialId: item.trial.id, rung: item.rung, runId: run.runId, decision: d }),
      );
    },
    // ambiguous curves go to a researcher that can judge them; the offline one cannot: the rules decide
    ...(s.researcher.judgeCurve ? { judge: (c, a, item) => judgeCurve(s, c, a, item) } : {}),
    onEvent: (run: RunController, e: RunEvent, item: WorkItem) => {
      entry.ctl = run;
      const v = s.view;
      if (!v) return;
      if (e.kind === 'start') {
        v.setSlot({
          runId: run.runId,
          label: `${item.trial.proposalId} ${item.trial.purpose} r${item.rung} s${item.trial.seed}`,
          tokens: 0,
          budgetTokens: item.tokens,
        });
      } else if (e.kind === 'train') v.updateSlot(run.runId, { tokens: e.tokens, loss: e.loss });
      else if (e.kind === 'eval') v.updateSlot(run.runId, { valBpb: e.valBpb });
      else if (e.kind === 'end') v.clearSlot(run.runId);
    },
  };
}
