/**
 * The judge as a launch step (LaunchOptions.judge, src/runs/launch.ts): after a run of agent code ends,
 * its val numbers are replaced by the trusted judge's, the trainer's own kept under `summary.inProcess`
 * (labelled, for live monitoring and debugging, never for verdicts). A run whose numbers cannot be
 * judged has none: it fails, as `tampered: ...` when the judge saw cheating (causality, sanity bounds,
 * a weights file that is not plain tensors, a model costlier than admitted).
 */
import type { TrainConfig } from '../config/train-config.ts';
import { errorLine } from '../errors.ts';
import type { RunStatus, RunSummary } from '../store/base.ts';
import { judgeRun, type JudgeOptions } from './judge.ts';

export interface Judged {
  status: RunStatus;
  reason: string;
  summary: RunSummary;
  tampered?: string;
}

export interface JudgeStepOptions extends JudgeOptions {
  codeDir: string; // the admitted code (not the run dir's snapshot)
  config: TrainConfig;
  /** FLOPs per token the runs of this code were admitted at; a trained model over 5 % costlier is refused. */
  admittedFlopsPerToken?: number;
}

// every number the verdict reads, with its standard errors: a run's own claims are kept apart under inProcess
const VAL_KEYS = ['valBpb', 'valLoss', 'valBpbByDomain', 'valBpbSe', 'valBpbByDomainSe', 'alsoEval'] as const;

export function judgeStep(o: JudgeStepOptions) {
  return async (r: {
    runId: string;
    runDir: string;
    status: RunStatus;
    reason: string;
    summary: RunSummary;
    trainerStatus?: string;
  }): Promise<Judged> => {
    const summary: RunSummary = { ...r.summary };
    const inProcess: Record<string, unknown> = {};
    for (const k of VAL_KEYS) {
      if (summary[k] !== undefined) inProcess[k] = summary[k];
      delete summary[k];
    }
    if (Object.keys(inProcess).length) summary.inProcess = inProcess;
    // nothing claimed, nothing to judge (a failed or diverged run has no final eval)
    if (inProcess.valBpb === undefined) return { status: r.status, reason: r.reason, summary };
    const t0 = Date.now();
    const tokensPerDomain =
      r.trainerStatus === 'completed'
        ? o.config.train.finalEvalTokensPerDomain
        : o.config.train.evalTokensPerDomain;
    // a lower rung's base run is also scored on the top rung's slice, which the compute law reads
    const also = o.config.train.alsoEvalTokensPerDomain;
    const alsoTokensPerDomain =
      r.trainerStatus === 'completed' && also !== undefined && also !== tokensPerDomain ? also : undefined;
    // anything the judge cannot do (no dataset, no Python) is a run without a number, not a crash
    const j = await judgeRun(
      { runDir: r.runDir, codeDir: o.codeDir, config: o.config },
      { ...o, tokensPerDomain, alsoTokensPerDomain },
    ).catch((e: unknown) => ({ ok: false as const, tampered: false, reason: errorLine(e) }));
    if (!j.ok) {
      summary.judge = { ok: false, reason: j.reason, seconds: (Date.now() - t0) / 1000 };
      if (j.tampered)
        return { status: 'failed', reason: `tampered: ${j.reason}`, summary, tampered: j.reason };
      return { status: 'failed', reason: `judge: ${j.reason}`, summary };
    }
    summary.valBpb = j.valBpb;
    summary.valLoss = j.valLoss;
    const finite = (m: Record<string, number | null> | undefined) =>
      Object.fromEntries(Object.entries(m ?? {}).filter((e): e is [string, number] => Number.isFinite(e[1])));
    summary.valBpbByDomain = finite(j.byDomain);
    if (typeof j.valBpbSe === 'number' && Number.isFinite(j.valBpbSe)) summary.valBpbSe = j.valBpbSe;
    const se = finite(j.byDomainSe);
    if (Object.keys(se).length) summary.valBpbByDomainSe = se;
    if (j.also && Number.isFinite(j.also.valBpb))
      summary.alsoEval = { evalTokensPerDomain: j.also.tokensPerDomain, valBpb: j.also.valBpb };
    summary.judge = {
      ok: true,
      seconds: j.seconds,
      wallSeconds: (Date.now() - t0) / 1000,
      tokensPerDomain,
      ...(alsoTokensPerDomain ? { alsoTokensPerDomain } : {}),
      probes: j.probes,
      live: j.live,
      flopsPerToken: j.flopsPerToken,
      params: j.params,
    };
    const admitted = o.admittedFlopsPerToken;
    if (admitted && j.flopsPerToken > admitted * 1.05) {
      for (const k of VAL_KEYS) delete summary[k]; // a run compared at the wrong compute has no number
      const why = `cost: the trained model costs ${j.flopsPerToken.toExponential(3)} FLOPs/token, ${(j.flopsPerToken / admitted).toFixed(2)}x the ${admitted.toExponential(3)} it was admitted at`;
      return { status: 'failed', reason: `tampered: ${why}`, summary, tampered: why };
    }
    return { status: r.status, reason: r.reason, summary };
  };
}
