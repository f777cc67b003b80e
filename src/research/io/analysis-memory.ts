/**
 * What the researcher's `analyze_importance` and `compare_runs` tools answer (researchers/
 * tools-analysis.ts), across sessions but scoped (SECURITY.md): the runs read are this session's own,
 * or stored runs comparable with it, meaning the same dataset and the unpatched reference trainer this
 * session runs (researchers/history.ts). Another session's code experiment (its patch is private to
 * that session), another dataset, or a run id that does not exist is named as refused, with no number
 * from it. Answers are bounded: capped lists, subsampled curves, rounded numbers.
 */
import { knobImportance } from '../../analysis/importance.ts';
import { toAnalysisRun } from '../../analysis/runs.ts';
import { configHash } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { dataHashOf, referenceCodeHash } from '../../researchers/history.ts';
import { configDiff } from '../../researchers/prompts.ts';
import type { RunRecord, Store } from '../../store/base.ts';

const r4 = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(4)) : null);
const DOMAIN = /^[A-Za-z0-9_.-]{1,40}$/; // a domain name as data, never text that reads as instructions
export const COMPARE_MAX_RUNS = 8;
const MAX_RUNS_READ = 5000;

export interface MemoryScope {
  sessionId: string;
  store: Store;
  baseConfig?: TrainConfig;
}

/** Whether `r` may be shown to this session's researcher, and why not. */
async function scopeCheck(s: MemoryScope): Promise<(r: RunRecord) => string | undefined> {
  const dataHash = s.baseConfig ? dataHashOf(s.baseConfig) : undefined;
  const code = s.baseConfig ? await referenceCodeHash(s.store, s.sessionId, s.baseConfig) : undefined;
  return (r) => {
    if (r.sessionId === s.sessionId) return undefined;
    if (configHash(r.config) !== r.configHash) return "another session's code experiment";
    if (!dataHash || r.dataHash !== dataHash) return 'another dataset';
    if (!code || r.codeHash !== code) return 'another trainer code';
    return undefined;
  };
}

function downsample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]);
}

export async function importanceAnswer(s: MemoryScope): Promise<Record<string, unknown>> {
  if (!s.baseConfig) return { ok: false, missing: 'no base config in this turn' };
  const dataHash = dataHashOf(s.baseConfig);
  const codeHash = await referenceCodeHash(s.store, s.sessionId, s.baseConfig);
  if (!dataHash || !codeHash)
    return { ok: false, missing: 'no stored run of the reference trainer on this dataset yet' };
  const runs = (
    await s.store.listRuns({
      dataHash,
      codeHash,
      status: ['completed', 'stopped'],
      orderBy: 'createdAt',
      desc: true,
      limit: MAX_RUNS_READ,
      fields: 'list',
    })
  ).filter((r) => configHash(r.config) === r.configHash); // no code experiment's run
  const rep = knobImportance(runs.map(toAnalysisRun), { resamples: 100 });
  if (!rep.ok) return rep;
  return {
    ok: true,
    scope: `the newest ${runs.length} runs of the reference trainer on this dataset, all sessions`,
    n: rep.n,
    groups: rep.groups,
    knobs: rep.knobs.slice(0, 12).map((k) => ({
      key: k.key,
      importance: r4(k.importance),
      ci95: k.ci95.map(r4),
      n: k.n,
      levels: k.levels
        .slice(0, 6)
        .map((l) => ({ level: l.label.slice(0, 40), n: l.n, meanDelta: r4(l.meanDelta) })),
    })),
    interactions: rep.interactions
      .slice(0, 8)
      .map((i) => ({ keys: i.keys, importance: r4(i.importance), ci95: i.ci95.map(r4), n: i.n })),
    warnings: rep.warnings,
  };
}

export async function compareAnswer(
  s: MemoryScope,
  runIds: string[],
  points: number,
): Promise<Record<string, unknown>> {
  const ids = [...new Set(runIds)].slice(0, COMPARE_MAX_RUNS);
  const found = new Map((await s.store.listRuns({ ids, fields: 'list' })).map((r) => [r.id, r]));
  const refuse = await scopeCheck(s);
  const n = Math.max(3, Math.min(40, Math.round(points)));
  const rows: Record<string, unknown>[] = [];
  const refused: { id: string; reason: string }[] = [];
  const domains = new Map<string, (number | null)[]>();
  for (const id of ids) {
    const r = found.get(id);
    const why = r ? refuse(r) : 'no such run';
    if (!r || why) {
      refused.push({ id, reason: why ?? 'no such run' });
      continue;
    }
    const m = await s.store.getMetrics(r.id);
    const byDomain = Object.entries(r.summary.valBpbByDomain ?? {}).filter(([d]) => DOMAIN.test(d));
    for (const [d, v] of byDomain.slice(0, 16)) {
      const col = domains.get(d) ?? [];
      col[rows.length] = r4(v);
      domains.set(d, col);
    }
    rows.push({
      id: r.id,
      session: r.sessionId === s.sessionId ? 'this' : 'earlier',
      status: r.status,
      proposal: r.tags.proposal,
      rung: r.tags.rung,
      seed: r.seed,
      valBpb: r4(r.summary.valBpb),
      tokens: r.summary.tokens,
      change: s.baseConfig ? configDiff(s.baseConfig, r.config) : undefined,
      code: configHash(r.config) !== r.configHash ? 'patched' : undefined,
      eval: downsample(m.eval, n).map((p) => [p.tokens, r4(p.valBpb)]),
      train: downsample(m.train, n).map((p) => [p.tokens, r4(p.loss)]),
    });
  }
  const byDomain = Object.fromEntries(
    [...domains.entries()].slice(0, 16).map(([d, col]) => [d, rows.map((_, i) => col[i] ?? null)]),
  );
  return {
    ok: rows.length > 0,
    runs: rows,
    byDomain, // domain -> final val bpb of each run above, in order
    refused,
    note: 'eval = [tokens, val bpb], train = [tokens, loss], each subsampled to at most the points asked for',
  };
}
