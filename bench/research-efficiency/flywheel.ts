/**
 * Method 3, Flywheel offline: a ResearchSession with the OfflineResearcher, `parallel` slots, the same
 * FLOPs budget, rungs from the same full budget (successive halving), k baseline seeds; everything it
 * spends counts (baseline seeds, extra seeds, confirmations). Its pick is the summary's `best` when it
 * is a confirmed win or beats the baseline mean, else the base config itself.
 *
 * Its incumbent, sampled after every outcome (the session view's `setSummary` hook): the lowest mean
 * top-rung val bpb of any proposal, the baseline included, over the seeds finished so far.
 */
import { topRung } from '../../src/research/core/spec.ts';
import type { JournalEntry } from '../../src/store/base.ts';
import { OfflineResearcher } from '../../src/researchers/offline.ts';
import { ResearchSession } from '../../src/research/session.ts';
import type { SessionSummary } from '../../src/research/summary.ts';
import { BASELINE, proposalOf, valuesAt } from '../../src/research/core/state.ts';
import { SessionView } from '../../src/research/view.ts';
import { mean } from '../../src/stats/summary.ts';
import { methodEnv, type BenchContext, type MethodResult, type Pick, type TracePoint } from './context.ts';
import { runSeedBase } from './options.ts';

const LOGGED = new Set(['result', 'kill', 'conclusion', 'finding', 'promotion', 'session']);

/** A quiet session view that records the incumbent after every persist and logs one line per decision. */
class TraceView extends SessionView {
  session?: ResearchSession;
  readonly trace: TracePoint[] = [];

  constructor(
    private readonly prefix: string,
    private readonly log: (m: string) => void,
  ) {
    super(process.stderr, 10_000, true);
  }

  override journal(e: JournalEntry): void {
    if (LOGGED.has(e.kind)) this.log(`${this.prefix} [${e.kind}] ${e.title}`);
  }

  override setSummary(s: SessionSummary): void {
    super.setSummary(s);
    const ses = this.session;
    if (!ses) return;
    const top = topRung(ses.spec);
    let base = Infinity;
    let changed = Infinity;
    for (const p of ses.state.proposals) {
      const v = valuesAt(ses.state, p.id, top);
      if (!v.length) continue;
      if (p.id === BASELINE) base = mean(v);
      else changed = Math.min(changed, mean(v));
    }
    const point: TracePoint = {
      flops: ses.state.flopsUsed,
      incumbent: Math.min(base, changed),
      byBase: base <= changed,
      changed: Number.isFinite(changed) ? changed : undefined,
    };
    const last = this.trace[this.trace.length - 1];
    const same =
      last &&
      last.flops === point.flops &&
      last.incumbent === point.incumbent &&
      last.changed === point.changed;
    if (Number.isFinite(point.incumbent) && !same) this.trace.push(point);
  }
}

export async function flywheel(ctx: BenchContext, sessionSeed: number): Promise<MethodResult> {
  const t0 = Date.now();
  const { opts } = ctx;
  const env = await methodEnv(ctx, `s${sessionSeed}-flywheel`, opts.parallel);
  const view = new TraceView(`[s${sessionSeed} flywheel]`, ctx.log);
  const researcher = new OfflineResearcher({ seed: sessionSeed, domains: ctx.domains });
  const rungTokens = Array.from({ length: opts.rungs }, (_, i) =>
    Math.max(ctx.base.train.batchTokens, Math.round(opts.fullTokens / opts.eta ** (opts.rungs - 1 - i))),
  );
  try {
    const session = await ResearchSession.create(
      { store: env.store, executor: env.executor, researcher, view },
      {
        baseConfig: ctx.base,
        baseSource: `preset:${opts.preset}`,
        searchSpace: ctx.space,
        researcher: researcher.name,
        executor: env.executor.name,
        parallel: opts.parallel,
        budgetFlops: ctx.budgetFlops,
        rungTokens,
        eta: opts.eta,
        baselineSeeds: opts.baselineSeeds,
        candidateSeeds: opts.baselineSeeds,
        sessionSeed,
        seedBase: runSeedBase(sessionSeed),
      },
    );
    view.session = session;
    const s = await session.run();
    const st = session.state;
    const b = s.best;
    const beats = Boolean(b && (b.confirmed || (b.delta !== null && b.delta < 0)));
    const pick: Pick =
      b && beats
        ? {
            title: b.title,
            change: b.change.kind === 'config' ? b.change.set : {},
            config: proposalOf(st, b.proposalId).config,
            observed: b.valBpb,
            n: b.n,
          }
        : {
            title: 'base config (nothing beat the baseline)',
            change: {},
            config: ctx.base,
            observed: s.baseline.valBpb,
            n: s.baseline.n,
          };
    const baselineFlops = st.trials.filter((t) => t.proposalId === BASELINE).reduce((a, t) => a + t.flops, 0);
    const last = view.trace[view.trace.length - 1];
    return {
      method: 'flywheel',
      sessionSeed,
      flopsUsed: st.flopsUsed,
      runs: s.runs.total,
      failedRuns: s.runs.failed,
      trace: view.trace,
      finalObserved: last?.incumbent ?? null,
      pick,
      wallSeconds: (Date.now() - t0) / 1000,
      extra: {
        sessionId: s.sessionId,
        rungTokens,
        baseline: s.baseline,
        best: b && {
          title: b.title,
          valBpb: b.valBpb,
          delta: b.delta,
          ci95: b.ci95,
          n: b.n,
          verdict: b.verdict,
          confirmed: b.confirmed,
        },
        significant: s.significant,
        wins: s.wins.map((w) => w.title),
        proposals: s.proposals,
        monitorStops: s.monitorStops,
        leftBehind: s.leftBehind,
        computeSavedByMonitor: s.computeSavedByMonitor,
        baselineFlopsShare: st.flopsUsed > 0 ? baselineFlops / st.flopsUsed : 0,
        runs: s.runs,
      },
    };
  } finally {
    await env.close();
  }
}
