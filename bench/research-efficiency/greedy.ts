/**
 * Method 2, greedy keep-if-better (autoresearch style): one run at a time, the full budget, one seed.
 * The first run measures the base config; then each step asks the OfflineResearcher (the same idea
 * library + TPE as Flywheel, fed the same kind of observations) for one change from the current best,
 * runs it once, and keeps it when that single val bpb beats the current best's single observed value.
 * No baseline seeds, no early stopping, no statistics: what differs from Flywheel is the engine only.
 * Its pick is the final kept config.
 */
import { configHash } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { admitProposal } from '../../src/research/core/proposals.ts';
import type { Digest } from '../../src/researchers/base.ts';
import { OfflineResearcher } from '../../src/researchers/offline.ts';
import {
  fmtBpb,
  methodEnv,
  runFull,
  type BenchContext,
  type MethodResult,
  type TracePoint,
} from './context.ts';
import { runSeedBase } from './options.ts';
import type { KeptChange } from './planted-accounting.ts';

interface Kept {
  title: string;
  change: Record<string, unknown>; // cumulative diff from the base config
  config: TrainConfig;
  value: number;
}

function digestFor(
  ctx: BenchContext,
  best: Kept,
  tried: Map<string, string>,
  rejected: Digest['rejected'],
  usedFlops: number,
): Digest {
  return {
    sessionId: 'greedy',
    goal: 'valBpb',
    baselineConfig: best.config,
    baseline: { mean: best.value, std: 0, n: 1 },
    noiseFloor: [],
    best: undefined,
    recent: [],
    findings: [],
    tried: [...tried].map(([key, title]) => ({ key, title })),
    rejected: rejected.slice(-10),
    searchSpace: ctx.space,
    budget: { usedFlops, totalFlops: ctx.budgetFlops, usedSeconds: 0 },
  };
}

export async function greedy(ctx: BenchContext, sessionSeed: number): Promise<MethodResult> {
  const t0 = Date.now();
  const env = await methodEnv(ctx, `s${sessionSeed}-greedy`, 1);
  const researcher = new OfflineResearcher({ seed: sessionSeed, domains: ctx.domains });
  const seed = runSeedBase(sessionSeed);
  const trace: TracePoint[] = [];
  const tried = new Map<string, string>();
  const rejected: Digest['rejected'] = [];
  let used = 0;
  let runs = 0;
  let failed = 0;
  let kept = 0;
  let stopReason = 'FLOPs budget spent';
  const keptChanges: KeptChange[] = [];
  try {
    const first = await runFull(ctx, env, ctx.base, seed, { method: 'greedy', step: '0' });
    runs++;
    used += first.flops;
    if (first.value === undefined)
      throw new Error(`greedy (session ${sessionSeed}): the base config's run ${first.runId} failed`);
    let best: Kept = { title: 'base config', change: {}, config: ctx.base, value: first.value };
    tried.set(configHash(ctx.base), 'base config');
    trace.push({ flops: used, incumbent: best.value, byBase: true, incumbentTrue: ctx.truthOf?.(ctx.base) });
    ctx.log(`[s${sessionSeed} greedy] base val ${fmtBpb(best.value)}`);
    let refusals = 0;
    while (used + ctx.fullFlops * 0.5 < ctx.budgetFlops) {
      const [p] = await researcher.propose(digestFor(ctx, best, tried, rejected, used), 1);
      if (!p) {
        stopReason = 'researcher has no further proposals';
        break;
      }
      const a = admitProposal(p, best.config, {
        searchSpace: ctx.space,
        noiseKeys: ['seed'],
        triedKeys: tried,
      });
      if (!a.ok) {
        rejected.push({ title: p.title, reason: a.reason });
        if (++refusals >= 5) {
          stopReason = 'five proposals in a row refused';
          break;
        }
        continue;
      }
      refusals = 0;
      tried.set(a.key, p.title);
      const r = await runFull(ctx, env, a.config, seed, { method: 'greedy', step: String(runs) });
      runs++;
      used += r.flops;
      if (r.value === undefined) failed++;
      const better = r.value !== undefined && r.value < best.value;
      researcher.observe({
        proposalId: `g${runs}`,
        title: p.title,
        change: p.change,
        source: p.source,
        rung: 0,
        status: r.value === undefined ? (r.status === 'diverged' ? 'diverged' : 'failed') : 'completed',
        valBpb: r.value === undefined ? undefined : { mean: r.value, std: 0, n: 1 },
        delta: r.value === undefined ? undefined : r.value - best.value,
        runIds: [r.runId],
      });
      ctx.log(
        `[s${sessionSeed} greedy] ${p.title}: ${r.status} val ${fmtBpb(r.value)} vs ${fmtBpb(best.value)}${better ? ' KEEP' : ''} | ${((100 * used) / ctx.budgetFlops).toFixed(0)}% of budget`,
      );
      if (better) {
        kept++;
        keptChanges.push({ title: p.title, from: best.config, to: a.config });
        best = {
          title: best.change && Object.keys(best.change).length ? `${best.title} + ${p.title}` : p.title,
          change: { ...best.change, ...a.set },
          config: a.config,
          value: r.value!,
        };
      }
      trace.push({
        flops: used,
        incumbent: best.value,
        byBase: kept === 0,
        changed: kept > 0 ? best.value : undefined,
        incumbentTrue: ctx.truthOf?.(best.config),
      });
    }
    return {
      method: 'greedy',
      sessionSeed,
      flopsUsed: used,
      runs,
      failedRuns: failed,
      trace,
      finalObserved: best.value,
      pick: { title: best.title, change: best.change, config: best.config, observed: best.value, n: 1 },
      kept: keptChanges,
      wallSeconds: (Date.now() - t0) / 1000,
      extra: { kept, stopReason, refused: rejected.length },
    };
  } finally {
    await env.close();
  }
}
