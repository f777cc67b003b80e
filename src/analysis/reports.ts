/**
 * What `flywheel analyze scaling|multiplier` (and the server's scaling view) report, computed from plain
 * run records: which runs an analysis can use, which it left out and why, and the fit. Pure: the caller
 * reads the store and passes every run in.
 */
import { canonicalJson } from '../config/resolve.ts';
import { lossComputeFrontier, type Frontier } from './frontier.ts';
import { computeMultiplier, type CostedRun, type Multiplier } from './multiplier.ts';
import { families, isFullyDecayed, type AnalysisRun, type MeasuredRun } from './runs.ts';
import { fitScalingLaw, type ScalingFit } from './scaling-law.ts';

export type Outcome<T> = T | { ok: false; missing: string };

export interface ScalingReport extends ScalingFit {
  family: string;
  runs: { runId: string; params: number; tokens: number; flops: number; valBpb: number; seed: number }[];
  frontier: Frontier;
  otherFamilies: { family: string; runs: number }[];
  // runs considered but not usable: stopped early, failed, no final eval, a lower rung's run scored only
  // on its capped slice (a candidate's: its level is another sample's), a session's calibration run
  notFullyDecayed: number;
}

export function scalingReport(
  all: readonly AnalysisRun[],
  opts: { sessionId?: string; family?: string; flops?: number[]; resamples?: number } = {},
): Outcome<ScalingReport> {
  const runs = (opts.sessionId ? all.filter((r) => r.sessionId === opts.sessionId) : all).map(onTopSlice);
  const fams = families(runs);
  const notFullyDecayed = runs.length - fams.reduce((s, f) => s + f.runs.length, 0);
  const fam = opts.family ? fams.find((f) => f.key === opts.family) : fams[0];
  if (!fam) {
    const where = opts.sessionId ? ` in session ${opts.sessionId}` : '';
    return {
      ok: false,
      missing: opts.family
        ? `no fully-decayed runs of family ${opts.family}${where}`
        : `scaling fit needs fully-decayed runs (completed, with params, tokens, FLOPs and a final val bpb); found none${where} among ${runs.length} runs`,
    };
  }
  const maxFlops = Math.max(...fam.runs.map((r) => 6 * r.params * r.tokens));
  const fit = fitScalingLaw(
    fam.runs.map((r) => ({ id: r.id, params: r.params, tokens: r.tokens, valBpb: r.valBpb })),
    { optimalAt: opts.flops ?? [maxFlops, 10 * maxFlops], resamples: opts.resamples },
  );
  if (!fit.ok) return { ok: false, missing: `${fit.missing} in family ${fam.key} (${fam.runs.length} runs)` };
  return {
    ...fit,
    family: fam.key,
    runs: fam.runs.map((r) => ({
      runId: r.id,
      params: r.params,
      tokens: r.tokens,
      flops: r.flops,
      valBpb: r.valBpb,
      seed: r.seed,
    })),
    frontier: lossComputeFrontier(fam.runs),
    otherFamilies: fams.filter((f) => f !== fam).map((f) => ({ family: f.key, runs: f.runs.length })),
    notFullyDecayed,
  };
}

export interface MultiplierReport extends Multiplier {
  candidateRef: string;
  baselineRef: string;
}

/**
 * `ref` is a run id (its seeds: fully-decayed runs with the same config hash and budget) or a proposal id
 * of a research session (its fully-decayed runs at its largest budget). The baseline defaults to the
 * candidate's session baseline; its runs are every fully-decayed run with the baseline's config hash, at
 * any budget, from any session.
 */
export function multiplierReport(
  all: readonly AnalysisRun[],
  opts: { candidate: string; baseline?: string; sessionId?: string; resamples?: number },
): Outcome<MultiplierReport> {
  const cand = resolveRef(all, opts.candidate, opts.sessionId);
  if (!cand.ok) return cand;
  const session = opts.sessionId ?? cand.sessionId;
  let baseRef = opts.baseline;
  if (!baseRef) {
    if (!session)
      return {
        ok: false,
        missing: `run ${opts.candidate} is not from a research session: name a --baseline run`,
      };
    baseRef = 'baseline';
  }
  const base = resolveRef(all, baseRef, session);
  if (!base.ok) return base;
  // a session's baseline at every budget it ran (its lower rungs have their own config hash: a capped eval)
  const hashes = new Set((base.everyBudget ?? base.runs).map((r) => r.configHash));
  const baseRuns = all.filter((r): r is MeasuredRun => hashes.has(r.configHash) && decayed(r));
  const m = computeMultiplier(baseRuns.map(onSlice(cand.runs)), cand.runs.map(onSlice(cand.runs)), {
    resamples: opts.resamples,
  });
  if (!m.ok)
    return { ok: false, missing: `${m.missing} (baseline ${baseRef}: config ${[...hashes].join(', ')})` };
  return { ...m, candidateRef: opts.candidate, baselineRef: baseRef };
}

/**
 * A run as the multiplier reads it, on the candidates' eval slice where it has a score there: a research
 * session's lower-rung base run caps its final eval for ranking and also scores the full budget's size
 * (summary.alsoEval); a smaller slice is another sample, whose level differs (src/research/core/costed-runs.ts).
 */
function onSlice(cands: readonly MeasuredRun[]) {
  const sizes = new Set(cands.map((r) => r.config.train.finalEvalTokensPerDomain));
  const size = sizes.size === 1 ? [...sizes][0] : undefined;
  return (r: MeasuredRun): CostedRun => {
    const own = r.config.train.finalEvalTokensPerDomain;
    const also = r.alsoEval;
    if (size !== undefined && own !== size && also?.evalTokensPerDomain === size)
      return { id: r.id, flops: r.flops, valBpb: also.valBpb, evalTokensPerDomain: size };
    return { id: r.id, flops: r.flops, valBpb: r.valBpb, evalTokensPerDomain: own };
  };
}

/**
 * A research session's finished lower-rung run that also scored the top rung's slice (a base's seed:
 * summary.alsoEval) joins its family there, as the session's own compute law reads it
 * (src/research/core/costed-runs.ts): the value on that slice, the config with that final-eval size.
 * Any other run is as stored. Without this a session's base had one budget in its family.
 */
function onTopSlice(r: AnalysisRun): AnalysisRun {
  const also = r.alsoEval;
  if (r.status === 'completed' || !also || !decayed(r)) return r;
  const size = also.evalTokensPerDomain;
  return {
    ...r,
    status: 'completed',
    valBpb: also.valBpb,
    config: { ...r.config, train: { ...r.config.train, finalEvalTokensPerDomain: size } },
    configHash: `${r.configHash}@${size}`, // families() memoises the family on it
  };
}

/**
 * Fully decayed, or a research session's run of a lower successive-halving rung: the session marks it
 * `stopped` once it reaches the rung, but it is a separate run at the rung's own budget whose trainer
 * completed its schedule (src/research/io/run-trial.ts `rungRunConfig`), not an intermediate point of a
 * longer one, and the session's own multiplier fits it (src/research/core/costed-runs.ts). Without it
 * a session's baseline had one budget here, and `analyze multiplier` of a session's proposal refused.
 */
function decayed(r: AnalysisRun): r is MeasuredRun {
  const rung = r.status === 'stopped' && r.trainerStatus === 'completed' && !r.stopRule;
  return isFullyDecayed(rung ? { ...r, status: 'completed' } : r);
}

type Resolved =
  | { ok: true; runs: MeasuredRun[]; everyBudget?: MeasuredRun[]; sessionId?: string }
  | { ok: false; missing: string };

function resolveRef(all: readonly AnalysisRun[], ref: string, sessionId?: string): Resolved {
  const run = all.find((r) => r.id === ref);
  if (run) {
    const budget = canonicalJson(run.config.budget);
    const runs = all.filter(
      (r): r is MeasuredRun =>
        r.configHash === run.configHash && canonicalJson(r.config.budget) === budget && decayed(r),
    );
    if (runs.length === 0)
      return { ok: false, missing: `run ${ref} is not fully decayed (status ${run.status})` };
    return { ok: true, runs, sessionId: run.sessionId };
  }
  const tagged = all.filter((r) => r.tags.proposal === ref && (!sessionId || r.sessionId === sessionId));
  const sessions = new Set(tagged.map((r) => r.sessionId));
  if (tagged.length === 0)
    return {
      ok: false,
      missing: `no run or proposal "${ref}"${sessionId ? ` in session ${sessionId}` : ''}`,
    };
  if (sessions.size > 1)
    return {
      ok: false,
      missing: `proposal "${ref}" exists in ${sessions.size} sessions: name one with --session`,
    };
  const done = tagged.filter(decayed);
  if (done.length === 0) return { ok: false, missing: `proposal "${ref}" has no fully-decayed run` };
  const top = Math.max(...done.map((r) => r.flops));
  const runs = done.filter((r) => r.flops >= top / 1.05);
  return { ok: true, runs, everyBudget: done, sessionId: tagged[0].sessionId };
}
