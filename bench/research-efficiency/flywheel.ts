/**
 * Method 4, Flywheel offline: a ResearchSession with the OfflineResearcher, `parallel` slots, the same
 * FLOPs budget, rungs from the same full budget (successive halving), k baseline seeds; everything it
 * spends counts (baseline seeds, extra seeds, confirmations). Its pick is what it keeps: the summary's
 * `best` when it is a confirmed win, else the session's base config at its end (the preset, or the
 * config it re-based onto: every change in it confirmed). A candidate ahead but unconfirmed is a lead
 * for the next session (core/open-tests.ts), not a pick: picking it kept nulls as soon as a session
 * ended without a win (BENCHMARKS.md "Three sessions back to back").
 *
 * Its incumbent, sampled after every outcome (the session view's `setSummary` hook): the lowest mean
 * top-rung val bpb of any proposal, the baseline included, over the seeds finished so far.
 *
 * Its kept changes (regime b's false keeps): every confirmed win, against the config it was proposed on
 * (found as the base or an earlier confirmed config that differs from it only in the change's keys, so a
 * session that re-bases on a win is read right), stacks left out (their parts are counted). A confirmed
 * screened stack (the screening study's selection, researchers/screening-study.ts) counts as one kept
 * change per screened factor in it: each was selected on its own evidence, so a null one riding along
 * is a false keep.
 *
 * The screening study is sized as the CLI sizes it: the largest design that SCREEN_SHARE of the budget pays
 * for in runs at the study rung (research/core/spec.ts `studyRung`); `--no-screen` turns it off.
 *
 * With `--flywheel-sessions K` the budget is K sessions back to back in one home, each with 1/K of it:
 * the first from the preset, each later one set up as `flywheel research` sets up a session in a home
 * with earlier ones (research/setup.ts `rememberedStart`, `fromEarlierSessions`: the last base, the
 * earlier noise floor, the base's runs, the tests left open; its researcher learns from the store's
 * runs). The pick is the last session's; kept changes are every session's confirmed wins.
 */
import { configHash } from '../../src/config/resolve.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { decisionLooks, SessionSpec, topRung } from '../../src/research/core/spec.ts';
import type { SessionState } from '../../src/research/core/state.ts';
import type { JournalEntry } from '../../src/store/base.ts';
import { OfflineResearcher } from '../../src/researchers/offline.ts';
import { tryApply } from '../../src/researchers/config-diff.ts';
import { configDiff } from '../../src/researchers/prompts.ts';
import {
  factorsOn,
  SCREEN_GUESS_SOURCE,
  SCREEN_SOURCE,
  SCREEN_STACK_SOURCE,
  type ScreenDesign,
} from '../../src/researchers/screening-design.ts';
import type { ResearchSession } from '../../src/research/session.ts';
import { openSession } from '../../src/research/session-open.ts';
import { fromEarlierSessions, rememberedStart } from '../../src/research/setup.ts';
import { screenSize } from '../../src/research/setup-plan.ts';
import { storeHistory } from '../../src/researchers/history.ts';
import type { SessionSummary } from '../../src/research/summary.ts';
import { BASELINE, proposalOf, valuesAt } from '../../src/research/core/state.ts';
import { SessionView } from '../../src/research/view.ts';
import { mean } from '../../src/stats/summary.ts';
import {
  methodEnv,
  type BenchContext,
  type MethodEnv,
  type MethodResult,
  type Pick as BenchPick,
  type TracePoint,
} from './context.ts';
import { runSeedBase } from './options.ts';
import type { KeptChange } from './planted-accounting.ts';
import { rungTokensOf } from './tpe-asha.ts';

/** `config` with the dotted `paths` removed, hashed: equal for two configs that differ only there. */
function hashOutside(config: TrainConfig, paths: string[]): string {
  const c = structuredClone(config) as unknown as Record<string, unknown>;
  for (const path of paths) {
    const keys = path.split('.');
    let cur: Record<string, unknown> | undefined = c;
    for (const k of keys.slice(0, -1)) cur = cur?.[k] as Record<string, unknown> | undefined;
    if (cur) delete cur[keys[keys.length - 1]];
  }
  return configHash(c as unknown as TrainConfig);
}

/**
 * The pick (see the file comment): the summary's best when it is a confirmed win, else `base`, the
 * config the session started from (without a confirmed win there was no re-base either). With sessions
 * back to back, `origin` is the first one's base: the pick's change is then told from it.
 */
export function pickOf(
  st: SessionState,
  s: Pick<SessionSummary, 'best' | 'baseline'>,
  base: TrainConfig,
  origin?: TrainConfig,
): BenchPick {
  const b = s.best?.confirmed ? s.best : undefined;
  if (b)
    return {
      title: b.title,
      change: b.change.kind === 'config' ? b.change.set : {},
      config: proposalOf(st, b.proposalId).config,
      observed: b.valBpb,
      n: b.n,
    };
  return {
    title: origin ? "the last session's base config" : 'base config (no confirmed win)',
    change: origin ? configDiff(origin, base) : {},
    config: base,
    observed: s.baseline.valBpb,
    n: s.baseline.n,
  };
}

/** Flywheel's kept changes: confirmed wins (stacks left out) against the config each was proposed on. */
export function confirmedChanges(st: SessionState, base: TrainConfig, screen?: ScreenDesign): KeptChange[] {
  const parents: TrainConfig[] = [base];
  const out: KeptChange[] = [];
  for (const p of st.proposals) {
    if (p.id === BASELINE || p.verdict !== 'win' || !p.confirmed) continue;
    if (p.source !== 'stack' && p.change.kind === 'config') {
      const keys = Object.keys(p.change.set);
      const h = hashOutside(p.config, keys);
      const from = [...parents].reverse().find((c) => hashOutside(c, keys) === h) ?? base;
      const parts = p.source === SCREEN_STACK_SOURCE && screen ? partsOf(screen, p.change.set) : [];
      if (parts.length === 0) out.push({ title: p.title, from, to: p.config });
      for (const f of parts)
        out.push({ title: `${f.title} (screened)`, from, to: tryApply(from, f.set) ?? from });
    }
    parents.push(p.config);
  }
  return out;
}

/** The screened factors a stack's change holds. */
const partsOf = (d: ScreenDesign, set: Record<string, unknown>) =>
  d.factors.filter((_, j) => factorsOn(d, set)[j]);

const LOGGED = new Set(['result', 'kill', 'conclusion', 'finding', 'promotion', 'session']);

/** A quiet session view that records the incumbent after every persist and logs one line per decision. */
class TraceView extends SessionView {
  session?: ResearchSession;
  flopsBefore = 0; // what earlier sessions of the method spent (back-to-back sessions)
  readonly trace: TracePoint[] = [];

  constructor(
    private readonly prefix: string,
    private readonly log: (m: string) => void,
    private readonly truthOf?: (c: TrainConfig) => number,
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
    let changedConfig: TrainConfig | undefined;
    for (const p of ses.state.proposals) {
      const v = valuesAt(ses.state, p.id, top);
      if (!v.length) continue;
      if (p.id === BASELINE) base = mean(v);
      else if (mean(v) < changed) {
        changed = mean(v);
        changedConfig = p.config;
      }
    }
    const byBase = base <= changed;
    const point: TracePoint = {
      flops: this.flopsBefore + ses.state.flopsUsed,
      incumbent: Math.min(base, changed),
      byBase,
      changed: Number.isFinite(changed) ? changed : undefined,
      incumbentTrue: this.truthOf?.(byBase || !changedConfig ? ses.spec.baseConfig : changedConfig),
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

/** One session of the method: the first from the preset, a later one set up as the CLI would in this home. */
async function oneSession(
  ctx: BenchContext,
  env: MethodEnv,
  view: TraceView,
  o: { sessionSeed: number; k: number; budgetRuns: number; rungTokens: number[] },
) {
  const { opts } = ctx;
  // --no-screen: one idea at a time from the start (what the screen buys, BENCHMARKS.md)
  const { rows } = opts.screen
    ? screenSize(o.budgetRuns, o.rungTokens, ctx.base.schedule.warmupTokens)
    : { rows: 0 };
  const start = o.k === 0 ? undefined : await rememberedStart(env.store);
  const base = start?.config ?? ctx.base;
  const researcher = new OfflineResearcher({
    seed: o.sessionSeed,
    domains: ctx.domains,
    ...(rows ? { screening: { rows } } : {}),
    // a later session's researcher learns from the earlier ones, as the CLI's does
    ...(o.k > 0 ? { history: storeHistory(env.store) } : {}),
  });
  const maxSeeds = decisionLooks(o.budgetRuns); // as the CLI sizes it
  const seedBase = runSeedBase(o.sessionSeed);
  const earlier =
    o.k === 0
      ? { baselineSeeds: opts.baselineSeeds }
      : await fromEarlierSessions(env.store, base, {
          rungTokens: o.rungTokens,
          baselineSeeds: opts.baselineSeeds,
          alpha: SessionSpec.shape.alpha.parse(undefined), // the session's, as it is not set here
          searchSpace: ctx.space,
          seedBase,
        });
  const session = await openSession(
    { store: env.store, executor: env.executor, researcher, view },
    {
      baseConfig: base,
      baseSource: start?.source ?? `preset:${ctx.preset}`,
      searchSpace: ctx.space,
      researcher: researcher.name,
      executor: env.executor.name,
      parallel: opts.parallel,
      budgetFlops: ctx.budgetFlops / opts.flywheelSessions,
      rungTokens: o.rungTokens,
      eta: opts.eta,
      candidateSeeds: opts.baselineSeeds,
      maxSeeds,
      sessionSeed: o.sessionSeed,
      seedBase,
      ...earlier,
    },
  );
  view.session = session;
  const s = await session.run();
  return { session, s, researcher, base };
}

export async function flywheel(ctx: BenchContext, sessionSeed: number): Promise<MethodResult> {
  const t0 = Date.now();
  const { opts } = ctx;
  const env = await methodEnv(ctx, `s${sessionSeed}-flywheel`, opts.parallel);
  const view = new TraceView(`[s${sessionSeed} flywheel]`, ctx.log, ctx.truthOf);
  const rungTokens = rungTokensOf(ctx);
  try {
    const done: Array<Awaited<ReturnType<typeof oneSession>>> = [];
    const budgetRuns = opts.budgetRuns / opts.flywheelSessions;
    for (let k = 0; k < opts.flywheelSessions; k++) {
      done.push(await oneSession(ctx, env, view, { sessionSeed, k, budgetRuns, rungTokens }));
      view.flopsBefore += done[k].session.state.flopsUsed;
    }
    const { session, s, researcher, base } = done[done.length - 1];
    const st = session.state;
    const pick = pickOf(st, s, base, done.length > 1 ? done[0].base : undefined);
    const b = s.best; // the summary's, confirmed or not: the report shows both
    const kept = done.flatMap((d) => confirmedChanges(d.session.state, d.base, d.researcher.screeningDesign));
    const baselineFlops = st.trials.filter((t) => t.proposalId === BASELINE).reduce((a, t) => a + t.flops, 0);
    // where the budget went, in full runs: by trial purpose, and what re-basing later dropped
    const fullRun = ctx.budgetFlops / opts.budgetRuns;
    const flopsByPurpose: Record<string, number> = {};
    let droppedFlops = 0;
    const top = topRung(session.spec);
    for (const t of st.trials) {
      // the screening study's best guess is a study point at the top rung, not a row
      const purpose = t.purpose === 'study' && t.rung === top ? 'guess' : t.purpose;
      flopsByPurpose[purpose] = (flopsByPurpose[purpose] ?? 0) + t.flops / fullRun;
      if (proposalOf(st, t.proposalId).status === 'dropped') droppedFlops += t.flops / fullRun;
    }
    const guess = st.proposals.find(
      (p) => p.source === SCREEN_GUESS_SOURCE && valuesAt(st, p.id, top).length,
    );
    const last = view.trace[view.trace.length - 1];
    return {
      method: 'flywheel',
      sessionSeed,
      flopsUsed: done.reduce((a, d) => a + d.session.state.flopsUsed, 0),
      runs: done.reduce((a, d) => a + d.s.runs.total, 0),
      failedRuns: done.reduce((a, d) => a + d.s.runs.failed, 0),
      trace: view.trace,
      finalObserved: last?.incumbent ?? null,
      pick,
      kept,
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
        // re-bases within the session (`research --json` field), once the engine reports them
        rebases: (s as unknown as { rebases?: unknown }).rebases,
        screening: researcher.screeningDesign && {
          rows: researcher.screeningDesign.rows,
          factors: researcher.screeningDesign.factors.map((f) => f.title),
          rowsRun: st.proposals.filter((p) => p.source === SCREEN_SOURCE).length,
          guess: guess && { title: guess.title, valBpb: mean(valuesAt(st, guess.id, top)) },
        },
        wins: s.wins.map((w) => w.title),
        proposals: s.proposals,
        monitorStops: s.monitorStops,
        leftBehind: s.leftBehind,
        computeSavedByMonitor: s.computeSavedByMonitor,
        baselineFlopsShare: st.flopsUsed > 0 ? baselineFlops / st.flopsUsed : 0,
        fullRunsByPurpose: flopsByPurpose,
        fullRunsDropped: droppedFlops,
        runs: s.runs,
        // back-to-back sessions (--flywheel-sessions): each one's start, re-bases, continued tests, best
        ...(done.length > 1
          ? {
              sessions: done.map((d) => ({
                sessionId: d.s.sessionId,
                start: d.session.spec.baseSource,
                flopsUsed: d.session.state.flopsUsed,
                rebases: d.session.state.rebases?.length ?? 0,
                continued: d.session.spec.carriedTests.map((t) => t.title),
                leftOpen: d.session.state.proposals.filter((p) => p.openAtEnd).map((p) => p.title),
                wins: d.s.wins.map((w) => w.title),
                best: d.s.best && { title: d.s.best.title, valBpb: d.s.best.valBpb, n: d.s.best.n },
              })),
            }
          : {}),
      },
    };
  } finally {
    await env.close();
  }
}
