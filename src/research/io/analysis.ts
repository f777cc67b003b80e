/**
 * What the researcher's `fit_scaling` and `compute_multiplier` tools answer (researchers/tools-analysis.ts):
 * the analysis library (src/analysis/) over this session's own runs, read from the store. The researcher
 * is untrusted (SECURITY.md): it names a proposal id, which must be one of this session's proposals, and
 * the runs come from this session only, so no other session's run (or a run id it invents) is read.
 * Importance and run comparisons reach earlier sessions' comparable runs, scoped (analysis-memory.ts).
 */
import { multiplierReport, scalingReport } from '../../analysis/reports.ts';
import { toAnalysisRun, type AnalysisRun } from '../../analysis/runs.ts';
import type { SessionAnalysis } from '../../researchers/base.ts';
import type { Store } from '../../store/base.ts';
import type { SessionState } from '../core/state.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { compareAnswer, importanceAnswer } from './analysis-memory.ts';

const r4 = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : null);
const est = (e: { value: number; ci95: [number, number] }) => ({ value: r4(e.value), ci95: e.ci95.map(r4) });

export function sessionAnalysis(s: {
  sessionId: string;
  store: Store;
  state(): SessionState;
  baseConfig?: TrainConfig;
}): SessionAnalysis {
  const runs = async (): Promise<AnalysisRun[]> =>
    (await s.store.listRuns({ sessionId: s.sessionId }))
      .filter((r) => r.sessionId === s.sessionId)
      .map(toAnalysisRun);
  return {
    importance: () => importanceAnswer(s),
    compareRuns: (ids, points) => compareAnswer(s, ids, points),
    async fitScaling() {
      const rep = scalingReport(await runs(), { sessionId: s.sessionId, resamples: 100 });
      if (!rep.ok) return rep;
      return {
        ok: true,
        E: est(rep.E),
        A: est(rep.A),
        alpha: est(rep.alpha),
        B: est(rep.B),
        beta: est(rep.beta),
        sizes: rep.sizes,
        n: rep.n,
        optimal: rep.optimal.slice(0, 2),
        warnings: rep.warnings,
      };
    },
    async computeMultiplier(proposalId: string) {
      const known = s.state().proposals.some((p) => p.id === proposalId && p.id !== 'baseline');
      if (!known) return { ok: false, missing: `no proposal "${proposalId}" in this session` };
      const rep = multiplierReport(await runs(), {
        candidate: proposalId,
        sessionId: s.sessionId,
        resamples: 400,
      });
      if (!rep.ok) return rep;
      return {
        ok: true,
        text: rep.text,
        value: r4(rep.value),
        ci95: rep.ci95.map(r4),
        candidate: { n: rep.candidate.n, flops: rep.candidate.flops, valBpb: r4(rep.candidate.valBpb) },
        baseline: { n: rep.baseline.n, budgets: rep.baseline.budgets },
        warnings: rep.warnings,
      };
    },
  };
}
