/**
 * What a trial's run needs from its session: the store and executor, the monitor rules (baseline runs
 * are only stopped for NaN or divergence: they measure the noise), the baseline band, the journal for
 * kills, and the live view.
 */
import { defaultRules, type MonitorParams } from '../monitor/index.ts';
import type { RunEvent } from '../runs/events.ts';
import type { RunController } from '../runs/launch.ts';
import type { TrialRunContext } from './io/run-trial.ts';
import type { WorkItem } from './core/scheduler.ts';
import type { ResearchSession } from './session.ts';

export function trialContext(
  s: ResearchSession,
  entry: { ctl?: RunController; item: WorkItem },
): TrialRunContext {
  const monitor = s.spec.monitor as MonitorParams;
  return {
    store: s.deps.store,
    executor: s.deps.executor,
    spec: s.spec,
    state: s.state,
    sessionId: s.id,
    baseFlopsPerToken: s.baseFlopsPerToken,
    rules: defaultRules(monitor),
    baselineRules: defaultRules({ ...monitor, spike: false, stall: false, behindBaseline: false }),
    reference: (rung: number) => s.reference(rung),
    signal: s.stopCtl.signal,
    onKill: (run, d, item) => {
      void s.journal.add(
        'kill',
        `${item.trial.proposalId} ${item.trial.id} stopped by ${d.rule}: ${d.message}`,
        {
          proposalId: item.trial.proposalId,
          runIds: [run.runId],
          data: { rule: d.rule, evidence: d.evidence, rung: item.rung },
        },
      );
    },
    onEvent: (run: RunController, e: RunEvent, item: WorkItem) => {
      entry.ctl = run;
      const v = s.deps.view;
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
