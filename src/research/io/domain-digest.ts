/**
 * The digest's per-domain part (README, "Data-mixture study"): every researcher — offline or LLM, in a
 * new session or after `--resume` — sees the dataset's domains with the baseline's final val bpb on each
 * (and its standard error), and the progress and prediction of the session's mixture study. Read from
 * the store and the dataset's meta each time the digest is built, so nothing here lives in the
 * researcher or needs replaying on resume. Every number is a run summary's, which for a run of agent
 * code is the trusted judge's (SECURITY.md), never what a run wrote about itself.
 */
import { mixtureStudy } from '../../analysis/mixture.ts';
import { comparable } from '../../analysis/importance.ts';
import { toMixtureRun } from '../../analysis/mixture-data.ts';
import { loadDatasetMeta } from '../../data/prepare.ts';
import type { DatasetMeta } from '../../data/format.ts';
import type { Digest, DomainDigest, MixtureDigest } from '../../researchers/base.ts';
import { MIXTURE_REGRESSION_SOURCE, MIXTURE_STUDY_SOURCE } from '../../researchers/mixture-study.ts';
import type { RunRecord } from '../../store/base.ts';
import { mean, sampleStd } from '../../stats/summary.ts';
import { exploreRung } from '../core/spec.ts';
import { BASELINE, valuesAt, type SessionState } from '../core/state.ts';
import type { SessionPort } from './port.ts';

const r5 = (x: number) => Number(x.toFixed(5));

/** The runs of a proposal at the highest rung any of its trials finished. */
function topRungRuns(state: SessionState, proposalId: string): { rung: number; runIds: string[] } {
  const trials = state.trials.filter((t) => t.proposalId === proposalId);
  const rung = Math.max(-1, ...trials.flatMap((t) => Object.keys(t.rungRuns).map(Number)));
  return { rung, runIds: trials.map((t) => t.rungRuns[String(rung)]).filter((x): x is string => !!x) };
}

const byDomainOf = (r: RunRecord | undefined, key: 'valBpbByDomain' | 'valBpbByDomainSe', d: string) => {
  const v = (r?.summary[key] as Record<string, unknown> | undefined)?.[d];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

function domainRows(
  meta: DatasetMeta,
  base: SessionPort['baseConfig'],
  state: SessionState,
  runs: Map<string, RunRecord>,
  bestId: string | undefined,
): DomainDigest[] {
  const mix = base.data.mixture;
  const raw = meta.domains.map((d) => (Object.keys(mix).length ? (mix[d.name] ?? 0) : d.trainTokens));
  const total = raw.reduce((a, b) => a + b, 0);
  const baseRuns = topRungRuns(state, BASELINE);
  const best = bestId ? topRungRuns(state, bestId) : undefined;
  return meta.domains.map((d, i) => {
    const row: DomainDigest = { name: d.name, trainTokens: d.trainTokens, unigramBpb: r5(d.unigramBpb) };
    if (total > 0) row.weight = r5(raw[i] / total);
    const vals = baseRuns.runIds.map((id) => byDomainOf(runs.get(id), 'valBpbByDomain', d.name));
    const v = vals.filter((x): x is number => x !== undefined);
    if (v.length) {
      row.valBpb = r5(mean(v));
      row.n = v.length;
      row.rung = baseRuns.rung;
      if (v.length > 1) row.seedStd = r5(sampleStd(v));
      const se = baseRuns.runIds
        .map((id) => byDomainOf(runs.get(id), 'valBpbByDomainSe', d.name))
        .filter((x): x is number => x !== undefined);
      if (se.length) row.se = r5(mean(se));
    }
    const b = (best?.runIds ?? [])
      .map((id) => byDomainOf(runs.get(id), 'valBpbByDomain', d.name))
      .filter((x): x is number => x !== undefined);
    if (b.length) row.bestValBpb = r5(mean(b));
    return row;
  });
}

const memo = new Map<string, { key: string; out: NonNullable<MixtureDigest['prediction']> | string }>();

/** The study's prediction over the session's runs (recomputed only when the runs it rests on change). */
function prediction(
  sessionId: string,
  runs: RunRecord[],
  meta: DatasetMeta,
  dataDir: string,
): NonNullable<MixtureDigest['prediction']> | string {
  const key = runs
    .map((r) => `${r.id}:${r.status}`)
    .sort()
    .join(',');
  const hit = memo.get(sessionId);
  if (hit?.key === key) return hit.out;
  const tokens = Object.fromEntries(meta.domains.map((d) => [d.name, d.trainTokens]));
  const r = mixtureStudy(runs.map(toMixtureRun), {
    targets: 'overall',
    candidates: 4000,
    trainTokensOf: (dir) => (dir === dataDir ? tokens : undefined),
  });
  const out = r.ok
    ? {
        weights: r.predicted.weights,
        valBpb: r5(r.predicted.valBpb),
        heldOut: {
          rmse: r5(r.heldOut.valBpb.rmse),
          meanRmse: r5(r.heldOut.valBpb.meanRmse),
          spearman: Number(r.heldOut.valBpb.spearman.toFixed(3)),
        },
        bestObserved: { weights: r.bestObserved.weights, valBpb: r5(r.bestObserved.valBpb) },
        runs: r.runs,
        mixtures: r.mixtures,
        warnings: r.warnings,
      }
    : r.missing;
  memo.set(sessionId, { key, out });
  return out;
}

/** `domains` and `mixture` for the digest; {} when the session's data has no domains to speak of. */
export async function domainDigest(
  s: SessionPort,
  digest: Digest,
): Promise<Pick<Digest, 'domains' | 'mixture'>> {
  const dir = s.baseConfig.data.dir;
  if (!dir || s.baseConfig.trainer.spec) return {};
  let meta: DatasetMeta;
  try {
    meta = loadDatasetMeta(dir);
  } catch {
    return {};
  }
  const state = s.state();
  const list = await s.store.listRuns({ sessionId: s.sessionId, fields: 'list' });
  const runs = new Map(list.map((r) => [r.id, r]));
  // the base's runs carried from an earlier session (core/carried-base.ts) are that session's
  for (const id of state.trials.flatMap((t) => Object.values(t.rungRuns))) {
    if (runs.has(id)) continue;
    const r = await s.store.getRun(id);
    if (r) runs.set(id, r);
  }
  const domains = domainRows(meta, s.baseConfig, state, runs, digest.best?.proposalId);
  if (meta.domains.length < 2) return { domains };
  const study = state.proposals.filter((p) => p.source === MIXTURE_STUDY_SOURCE);
  // a study point is measured at its trial's first rung (core/spec.ts `exploreRung`), by a run the
  // regression takes (a run the store still lists as running is taken to be on its way: its record lags
  // the state; a stopped one whose trainer still reached its budget has a value, but the study leaves
  // it out, so it is lost and the study tops up)
  const inStudy = (runId: string | undefined) => {
    const r = runId === undefined ? undefined : runs.get(runId);
    return !r || r.status === 'running' || comparable(toMixtureRun(r));
  };
  const valued = (t: SessionState['trials'][number]) => String(t.startRung) in t.results;
  const measured = (id: string) =>
    state.trials.some((t) => t.proposalId === id && valued(t) && inStudy(t.rungRuns[t.startRung]));
  const ended = (id: string) => {
    const ts = state.trials.filter((t) => t.proposalId === id);
    // its first-rung value is in, or it will never come (stopped by the monitor, failed, cancelled)
    return (
      ts.some(valued) ||
      (ts.length > 0 && ts.every((t) => ['killed', 'failed', 'cancelled'].includes(t.status)))
    );
  };
  const p = prediction(s.sessionId, list, meta, dir);
  const base0 = valuesAt(state, BASELINE, exploreRung(s.spec));
  const mixture: MixtureDigest = {
    studyProposed: study.length,
    studyFinished: study.filter((x) => ended(x.id)).length,
    studyLost: study.filter((x) => ended(x.id) && !measured(x.id)).length,
    predictedProposed: state.proposals.some((x) => x.source === MIXTURE_REGRESSION_SOURCE),
    ...(typeof p === 'string'
      ? { missing: p }
      : { prediction: base0.length ? { ...p, baselineValBpb: r5(mean(base0)) } : p }),
  };
  return { domains, mixture };
}
