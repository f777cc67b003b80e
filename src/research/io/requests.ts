/**
 * The researcher's asks to the engine (researchers/tools-engine.ts: `request_ablation`, `stop_run`),
 * carried into the session through its transitions: `ablationRequested` decides and schedules an
 * ablation (core/transitions/ablation-request.ts), `stopRequested` decides whether a run may be stopped
 * (core/transitions/stop-request.ts) and only then is its process stopped. The researcher is untrusted
 * (SECURITY.md): it names a proposal or a run; everything else is the engine's.
 */
import type { EngineRequests } from '../../researchers/base.ts';
import { ablationRequested, stopRequested } from '../core/transitions.ts';
import type { SessionPort } from './port.ts';

export function engineRequests(s: SessionPort): EngineRequests {
  const researcher = s.researcher.name;
  return {
    async requestAblation(proposalId, reason) {
      const r = await s.apply((st) => ablationRequested(s, st, { proposalId, reason, researcher }));
      return { ok: r.ok, message: r.message };
    },
    async stopRun(runId, reason) {
      const live = s.liveRuns?.() ?? new Map<string, (why: string) => void>();
      const r = await s.apply((st) =>
        stopRequested(st, { runId, reason, researcher, live: [...live.keys()] }),
      );
      if (!r.trialId) return { ok: false, message: r.message };
      live.get(r.trialId)?.(reason);
      return { ok: true, message: r.message };
    },
  };
}
