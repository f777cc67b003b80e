/**
 * What the session page draws, derived from the session's runs alone (pure; no store access), so it
 * holds for any researcher and survives a resume:
 * - burn-down: cumulative FLOPs and run-seconds as runs finish, against the session's budget;
 * - rungs of successive halving: runs grouped by `tags.rung`, or else by their token budget (the
 *   rungs differ by budget); a config "promoted" = it also ran at a higher rung (configHash leaves the
 *   budget out, so the same config at two rungs shares it); labels from the engine's proposal titles;
 * - best so far: over time, the best config (lowest mean val bpb over its seeds) at the top rung
 *   reached, with a 95 % normal CI of that mean (mean ± 1.96·sd/√n) when it has ≥ 2 seeds.
 */
import type { RunRecord, SessionRecord } from '../store/base.ts';
import type { BestPoint, BurnPoint, RungView } from './types.ts';

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const ms = (iso?: string) => (iso ? Date.parse(iso) : NaN);

/** The budget in the spec, wherever the engine put it (`budget.flops` or `budgetFlops`). */
export function sessionBudget(spec: Record<string, unknown>): { flops?: number; seconds?: number } {
  const b = (spec.budget ?? {}) as Record<string, unknown>;
  return {
    flops: num(b.flops) ?? num(b.totalFlops) ?? num(spec.budgetFlops),
    seconds: num(b.seconds) ?? num(b.totalSeconds) ?? num(b.wallSeconds) ?? num(spec.budgetSeconds),
  };
}

export function burnDown(session: SessionRecord, runs: RunRecord[], now = Date.now()): BurnPoint[] {
  const t0 = ms(session.createdAt);
  const done = runs
    .map((r) => ({ r, t: Number.isFinite(ms(r.endedAt)) ? ms(r.endedAt) : now }))
    .sort((a, b) => a.t - b.t);
  const out: BurnPoint[] = [{ t: 0, flops: 0, seconds: 0 }];
  let flops = 0;
  let seconds = 0;
  for (const { r, t } of done) {
    flops += num(r.summary.flops) ?? 0;
    seconds +=
      num(r.summary.wallSeconds) ??
      num(r.summary.trainSeconds) ??
      (r.startedAt ? Math.max(0, (t - ms(r.startedAt)) / 1000) : 0);
    out.push({ t: Math.max(0, (t - t0) / 1000), flops, seconds });
  }
  return out;
}

/** Rung index of each run: its `rung` tag, else the rank of its token (or seconds) budget. */
export function rungOf(runs: RunRecord[]): Map<string, number> {
  const tagged = runs.filter((r) => r.tags.rung !== undefined && Number.isFinite(Number(r.tags.rung)));
  if (tagged.length === runs.length && runs.length)
    return new Map(runs.map((r) => [r.id, Number(r.tags.rung)]));
  const budgetOf = (r: RunRecord) =>
    r.config.budget?.tokens ?? r.config.budget?.flops ?? r.config.budget?.seconds ?? 0;
  const levels = [...new Set(runs.map(budgetOf))].sort((a, b) => a - b);
  return new Map(
    runs.map((r) => [r.id, r.tags.rung !== undefined ? Number(r.tags.rung) : levels.indexOf(budgetOf(r))]),
  );
}

/** Proposal titles by id, from the engine's state (`state.proposals[].{id,title}`), when present. */
export function proposalTitles(session: SessionRecord): Map<string, string> {
  const ps = (session.state as { proposals?: Array<{ id?: unknown; title?: unknown }> }).proposals;
  const out = new Map<string, string>();
  if (Array.isArray(ps))
    for (const p of ps) if (typeof p.id === 'string' && typeof p.title === 'string') out.set(p.id, p.title);
  return out;
}

/**
 * Identities across rungs. The engine tags runs with `trial` (one proposal x seed, promoted rung to
 * rung) and `proposal`; configHash is the fallback, but the engine's per-rung eval settings change it.
 */
const trialKey = (r: RunRecord) => r.tags.trial ?? `${r.configHash}:${r.seed}`;
const configKey = (r: RunRecord) => r.tags.proposal ?? r.configHash;

export function rungs(
  runs: RunRecord[],
  titles = new Map<string, string>(),
  rungTokens?: unknown,
): RungView[] {
  const rung = rungOf(runs);
  const top = new Map<string, number>(); // trial -> highest rung it ran at
  for (const r of runs) top.set(trialKey(r), Math.max(top.get(trialKey(r)) ?? -1, rung.get(r.id)!));
  const byRung = new Map<number, RunRecord[]>();
  for (const r of runs) byRung.set(rung.get(r.id)!, [...(byRung.get(rung.get(r.id)!) ?? []), r]);
  return [...byRung]
    .sort((a, b) => a[0] - b[0])
    .map(([i, rs]) => ({
      rung: i,
      budget:
        (Array.isArray(rungTokens) ? num(rungTokens[i]) : undefined) ??
        rs[0].config.budget?.tokens ??
        rs[0].config.budget?.seconds,
      runs: rs
        .map((r) => ({
          id: r.id,
          status: r.status,
          valBpb: num(r.summary.valBpb),
          proposal:
            titles.get(r.tags.proposal ?? '') ??
            r.tags.title ??
            (r.tags.purpose === 'baseline' ? 'baseline' : r.tags.proposal),
          promoted: (top.get(trialKey(r)) ?? i) > i || r.tags.promoted === 'true',
          killed: r.stopRule ?? undefined,
        }))
        .sort((a, b) => (a.valBpb ?? Infinity) - (b.valBpb ?? Infinity)),
    }));
}

export function bestSoFar(session: SessionRecord, runs: RunRecord[]): BestPoint[] {
  const t0 = ms(session.createdAt);
  const rung = rungOf(runs);
  // A run that reached its rung's budget counts (the engine ends lower-rung runs `stopped`, without a
  // rule); a run the monitor killed (stopped with a rule), diverged or failed does not.
  const reached = (r: RunRecord) => r.status === 'completed' || (r.status === 'stopped' && !r.stopRule);
  const finished = runs
    .filter((r) => reached(r) && num(r.summary.valBpb) !== undefined && Number.isFinite(ms(r.endedAt)))
    .sort((a, b) => ms(a.endedAt) - ms(b.endedAt));
  const out: BestPoint[] = [];
  let topRung = -1;
  const groups = new Map<string, number[]>(); // config (proposal) -> val bpb of its seeds at topRung
  const ids = new Map<string, string[]>();
  for (const r of finished) {
    const k = rung.get(r.id)!;
    if (k < topRung) continue;
    if (k > topRung) {
      topRung = k; // a higher rung is a different budget: its numbers are not comparable with lower ones
      groups.clear();
      ids.clear();
    }
    const key = configKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r.summary.valBpb as number]);
    ids.set(key, [...(ids.get(key) ?? []), r.id]);
    let best: BestPoint | undefined;
    for (const [hash, v] of groups) {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      if (best && mean >= best.valBpb) continue;
      const sd =
        v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : undefined;
      const half = sd === undefined ? undefined : (1.96 * sd) / Math.sqrt(v.length);
      best = {
        t: Math.max(0, (ms(r.endedAt) - t0) / 1000),
        valBpb: mean,
        lo: half === undefined ? undefined : mean - half,
        hi: half === undefined ? undefined : mean + half,
        label: `rung ${topRung}, n=${v.length}`,
        runIds: ids.get(hash),
      };
    }
    if (best) out.push(best);
  }
  return out;
}
