/**
 * A research session: propose -> triage -> schedule -> monitor -> conclude, until the budget is spent.
 *
 * Everything that matters is persisted as it happens: runs and their metrics (by the launcher), the
 * journal (one entry per decision), and the scheduler state (after every change), so `--resume` after
 * a crash or kill -9 continues where it stopped (session-open.ts opens a new session or resumes one;
 * save.ts writes the state and summary).
 */
import type { TrainConfig } from '../config/train-config.ts';
import type { Executor } from '../executors/base.ts';
import type { Reference } from '../monitor/index.ts';
import type { Researcher } from '../researchers/base.ts';
import { configFlopsPerToken } from '../runs/flops.ts';
import type { RunController } from '../runs/launch.ts';
import type { RunRecord, SessionRecord, SessionStatus, Store } from '../store/base.ts';
import type { Step } from './core/effects.ts';
import { itemFlops, nextWork, queuedIdeas, type FlopsLeft, type WorkItem } from './core/scheduler.ts';
import { ladderDue } from './core/ladder-state.ts';
import type { SessionSpec } from './core/spec.ts';
import { ideaCount, type SessionState } from './core/state.ts';
import * as T from './core/transitions.ts';
import { applyEffects } from './effects.ts';
import { baselineBand } from './io/baseline-band.ts';
import { admitAndQueue } from './io/intake.ts';
import { reviewAfterPromotion } from './io/review.ts';
import { ideasForRunEnd } from './io/stack-ideas.ts';
import { runTrialRung } from './io/run-trial.ts';
import { trialContext, type TrialHost } from './io/trial-context.ts';
import { Journal } from './journal.ts';
import { saveSession } from './save.ts';
import type { SessionSummary } from './summary.ts';
import type { SessionView } from './view.ts';

/** How a trial's run ended, as the loop saw it (before `runEnded` decides what it means). */
interface Outcome {
  item: WorkItem;
  run?: RunRecord;
  decision?: T.StopDecision;
  error?: string;
  aborted?: string;
}

export interface SessionDeps {
  store: Store;
  executor: Executor;
  researcher: Researcher;
  view?: SessionView;
  signal?: AbortSignal; // abort = stop the session gracefully (runs in flight are stopped)
  controlPollMs?: number;
}

/**
 * The loop, the runs in flight, pause and stop, and the ports. The state changes only through
 * core/transitions.ts (`apply`), whose effects effects.ts carries out; io/ asks the researcher, runs
 * trials and hosts code experiments through the narrow `TrialHost` port this class implements.
 */
export class ResearchSession {
  readonly journal: Journal;
  readonly baseConfig: TrainConfig;
  readonly baseFlopsPerToken: number;
  private current: SessionState;
  private readonly inflight = new Map<
    string,
    { item: WorkItem; promise: Promise<Outcome>; ctl?: RunController }
  >();
  private readonly refs = new Map<number, Reference | undefined>();
  readonly stopCtl = new AbortController();
  private paused = false;
  /** The researcher asked to wait for a run in flight to end (ProposeContext.wait); cleared when one ends. */
  private researcherWaits = false;
  private stopping?: string;
  private startedAt = Date.now();
  private secondsBefore: number;
  private saving: Promise<unknown> = Promise.resolve();

  constructor(
    readonly deps: SessionDeps,
    readonly record: SessionRecord,
    readonly spec: SessionSpec,
    state: SessionState,
  ) {
    this.journal = new Journal(deps.store, record.id, (e) => deps.view?.journal(e));
    this.baseConfig = spec.baseConfig;
    this.baseFlopsPerToken = configFlopsPerToken(this.baseConfig); // a spec trainer's own FLOPs/token
    this.current = state;
    this.secondsBefore = state.secondsUsed;
    deps.signal?.addEventListener('abort', () => this.requestStop('interrupted'), { once: true });
  }

  get id(): string {
    return this.record.id;
  }

  get sessionId(): string {
    return this.record.id;
  }

  /** The state as of now (a value: transitions return a new one rather than change it). */
  get state(): SessionState {
    return this.current;
  }

  /** What io/ may use of the session (io/port.ts): its facts, ports, the state as of now, and `apply`. Public for tests that drive io/ directly. */
  port(): TrialHost {
    const { store, executor, researcher, signal, view } = this.deps;
    return {
      sessionId: this.id,
      spec: this.spec,
      baseConfig: this.baseConfig,
      baseFlopsPerToken: this.baseFlopsPerToken,
      store,
      executor,
      researcher,
      signal,
      view,
      stopSignal: this.stopCtl.signal,
      state: () => this.current,
      secondsUsed: () => this.secondsUsed(),
      reference: (rung) => this.reference(rung),
      liveRuns: () => this.liveRuns(),
      apply: (t) => this.apply(t),
    };
  }

  /** Runs in flight with a process to stop (the researcher's `stop_run`, io/requests.ts). */
  private liveRuns(): Map<string, (reason: string) => void> {
    const out = new Map<string, (reason: string) => void>();
    for (const [trialId, e] of this.inflight) {
      const ctl = e.ctl;
      if (ctl && !ctl.stopRequest)
        out.set(trialId, (why) => ctl.stop(`researcher: ${why}`, T.RESEARCHER_STOP, { reason: why }));
    }
    return out;
  }

  /**
   * The facts every transition may read (core/transitions.ts `EngineContext`); session-open.ts reads
   * them to settle a resumed session's orphaned runs.
   */
  get ctx(): T.EngineContext {
    return {
      sessionId: this.id,
      spec: this.spec,
      baseConfig: this.baseConfig,
      baseFlopsPerToken: this.baseFlopsPerToken,
    };
  }

  /** Run a transition on the current state, adopt its state, carry out its effects (one persist). */
  async apply<S extends Step>(transition: (state: SessionState) => S): Promise<S> {
    const step = transition(this.current);
    this.current = step.state;
    await applyEffects(
      {
        sessionId: this.id,
        store: this.deps.store,
        journal: this.journal,
        researcher: this.deps.researcher,
        loadReference: (rung) => this.loadReference(rung),
        persist: () => this.persist(),
      },
      step.effects,
    );
    return step;
  }

  requestStop(reason: string): void {
    if (this.stopping) return;
    this.stopping = reason;
    this.stopCtl.abort(new Error(reason));
  }

  secondsUsed(): number {
    return this.secondsBefore + (Date.now() - this.startedAt) / 1000;
  }

  secondsLeft(): number {
    return this.spec.budgetSeconds === undefined ? Infinity : this.spec.budgetSeconds - this.secondsUsed();
  }

  /** Baseline band at a rung, from the baseline seeds that finished it (cached until one more does). */
  async loadReference(rung: number): Promise<void> {
    const ref = await baselineBand(this.deps.store, this.current, this.baseConfig, rung);
    if (ref) this.refs.set(rung, ref);
  }

  reference(rung: number): Reference | undefined {
    return this.refs.get(rung);
  }

  /** Save the state and summary (one save at a time, each of the state as it is when it starts). */
  persist(status?: SessionStatus): Promise<SessionSummary> {
    const next = this.saving.then(() => this.save(status));
    this.saving = next.catch(() => undefined);
    return next;
  }

  private save(status?: SessionStatus): Promise<SessionSummary> {
    const state = { ...this.current, secondsUsed: this.secondsUsed() };
    const shown = status ?? (this.paused ? 'paused' : 'running');
    return saveSession(this.deps, this.id, this.spec, state, shown, status, this.baseFlopsPerToken);
  }

  private async pollControl(): Promise<void> {
    const rec = await this.deps.store.getSession(this.id);
    const c = rec?.control;
    if (!c) return;
    await this.deps.store.updateSession(this.id, { control: null });
    if (c === 'stop') this.requestStop('stopped by user');
    else if (c === 'pause' && !this.paused) {
      this.paused = true;
      if (this.deps.view) this.deps.view.paused = true;
      await this.apply(T.paused);
      await this.persist('paused');
    } else if (c === 'resume' && this.paused) {
      this.paused = false;
      if (this.deps.view) this.deps.view.paused = false;
      await this.apply(T.unpaused);
      await this.persist('running');
    }
  }

  private canStartMore(): boolean {
    if (this.stopping || this.paused) return false;
    if (this.spec.budgetFlops !== undefined && this.current.flopsUsed >= this.spec.budgetFlops) return false;
    return this.deps.executor.busy() < this.deps.executor.capacity;
  }

  private async start(item: WorkItem): Promise<void> {
    const lease = await this.deps.executor.acquire(this.stopCtl.signal);
    const entry: { item: WorkItem; promise: Promise<Outcome>; ctl?: RunController } = {
      item,
      promise: Promise.resolve(undefined as unknown as Outcome),
    };
    this.inflight.set(item.trial.id, entry);
    await this.apply((st) => T.started(st, { trialId: item.trial.id }));
    entry.promise = runTrialRung(trialContext(this.port(), entry), item, lease)
      .then((r) => ({ item, run: r.run, decision: r.decision, aborted: this.stopping }))
      .catch((e: unknown) => ({
        item,
        error: e instanceof Error ? e.message : String(e),
        aborted: this.stopping,
      }))
      .finally(() => lease.release());
  }

  /** A run ended: `runEnded` decides what it means (core/transitions.ts). */
  private async settle(o: Outcome): Promise<void> {
    const end = {
      trialId: o.item.trial.id,
      rung: o.item.rung,
      resumeFrom: o.item.resumeFrom,
      run: o.run,
      decision: o.decision,
      error: o.error,
      aborted: o.aborted,
      now: new Date().toISOString(),
    };
    // dedup of a stack this end may propose, against every idea ever tried (io/stack-ideas.ts)
    const ideas = await ideasForRunEnd(this.deps.store, this.ctx, this.state, end);
    await this.apply((st) => T.runEnded(this.ctx, st, { ...end, ideas }));
  }

  /** What `nextWork` needs to know about the FLOPs budget, and whether to keep the endgame reserve. */
  private workOpts(reserve: boolean): { flops?: FlopsLeft; reserve: boolean } {
    const b = this.spec.budgetFlops;
    if (b === undefined) return { reserve };
    const perToken = this.baseFlopsPerToken;
    let inflight = 0; // runs in flight have not been counted in flopsUsed yet
    for (const { item } of this.inflight.values()) inflight += itemFlops(this.current, item, perToken);
    return { reserve, flops: { left: b - this.current.flopsUsed - inflight, perToken } };
  }

  private needIdeas(): boolean {
    const st = this.current;
    if (st.researcherExhausted || this.researcherWaits || this.stopping || this.paused) return false;
    if (ideaCount(st) >= this.spec.maxProposals) return false;
    return queuedIdeas(st) < this.deps.executor.capacity;
  }

  /** Ask the researcher for ideas and queue what is admitted; returns how many were. */
  private async askForIdeas(): Promise<number> {
    const { admitted, waits } = await admitAndQueue(this.port(), this.inflight.size > 0);
    this.researcherWaits = waits;
    return admitted;
  }

  /** Promote what successive halving allows now (`force`: see `promote`); journal and review it. */
  private async promoteReady(force: boolean): Promise<boolean> {
    const { promoted } = await this.apply((st) => T.promoted(this.ctx, st, { force }));
    if (!promoted.length) return false;
    await reviewAfterPromotion(this.port(), promoted); // the researcher may promote/drop/refine (io/review.ts)
    return true;
  }

  /**
   * The size ladder, once it is due (core/ladder-state.ts `ladderDue`: its reserve is all that is left,
   * or nothing else is left to run): `ladderStarted` queues it or says why there is none.
   */
  private async climbLadder(idle: boolean): Promise<boolean> {
    const opts = { idle, flops: this.workOpts(true).flops };
    if (!ladderDue(this.current, this.spec, this.secondsLeft(), this.spec.parallel, opts)) return false;
    await this.apply((st) => T.ladderStarted(this.ctx, st));
    return true;
  }

  /** The loop. Returns the final summary. */
  async run(): Promise<SessionSummary> {
    this.startedAt = Date.now();
    let lastControl = 0;
    for (const r of this.spec.rungTokens.keys()) await this.loadReference(r);
    await this.persist('running');
    for (;;) {
      if (Date.now() - lastControl > (this.deps.controlPollMs ?? 1000)) {
        lastControl = Date.now();
        await this.pollControl();
      }
      if (!this.stopping && this.secondsLeft() <= 0) this.requestStop('time budget spent');
      if (
        !this.stopping &&
        this.spec.budgetFlops !== undefined &&
        this.current.flopsUsed >= this.spec.budgetFlops &&
        this.inflight.size === 0
      ) {
        this.requestStop('FLOPs budget spent');
      }
      let idle = false;
      while (this.canStartMore()) {
        if (await this.climbLadder(false)) continue;
        const item = nextWork(this.current, this.spec, this.secondsLeft(), undefined, this.workOpts(true));
        // An ablation arm starts only once the researcher has had its say: a candidate it sends to
        // the full budget may move the base first (scheduler.ts `byEngine`).
        if (item?.trial.purpose === 'ablation' && this.needIdeas() && (await this.askForIdeas()) > 0)
          continue;
        if (item) {
          await this.start(item);
          continue;
        }
        // ASHA: a free slot first takes a promotion (finish what is promising), and only then a new
        // idea; asking for ideas first starved promotion whenever the researcher never runs dry (TPE).
        if (await this.promoteReady(false)) continue;
        if (this.needIdeas()) {
          const admitted = await this.askForIdeas();
          if (admitted > 0 || (!this.researcherWaits && !this.current.researcherExhausted)) continue;
        }
        if (await this.promoteReady(this.inflight.size === 0)) continue;
        if (this.inflight.size === 0 && (await this.climbLadder(true))) continue;
        // A slot that would stand idle takes a running candidate's second seed (core/early-seed.ts).
        const early = (st: SessionState) => T.earlySeeded(this.ctx, st, { secondsLeft: this.secondsLeft() });
        if (this.inflight.size > 0 && (await this.apply(early)).trial) continue;
        // Nothing in flight and nothing to promote: no candidate can need the endgame reserve any more.
        const late =
          this.inflight.size === 0
            ? nextWork(this.current, this.spec, this.secondsLeft(), undefined, this.workOpts(false))
            : undefined;
        if (late) {
          await this.start(late);
          continue;
        }
        idle = true;
        break;
      }
      if (this.inflight.size === 0 && (idle || this.stopping)) break;
      if (this.inflight.size === 0 && this.paused) {
        await new Promise((r) => setTimeout(r, this.deps.controlPollMs ?? 1000));
        continue;
      }
      const done = await Promise.race([
        ...[...this.inflight.values()].map((e) => e.promise),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), this.deps.controlPollMs ?? 1000)),
      ]);
      if (!done) continue;
      this.inflight.delete(done.item.trial.id);
      this.researcherWaits = false; // a run ended: ask again
      await this.settle(done);
    }
    return this.finish();
  }

  private async finish(): Promise<SessionSummary> {
    await this.apply((st) => T.finished(this.ctx, st));
    const reason = this.stopping ?? 'nothing left to run';
    const status: SessionStatus =
      this.stopping && this.stopping !== 'time budget spent' && this.stopping !== 'FLOPs budget spent'
        ? 'stopped'
        : 'completed';
    const summary = await this.persist(status);
    await this.deps.store.updateSession(this.id, { endedAt: new Date().toISOString(), statusReason: reason });
    await this.apply((st) =>
      T.ended(st, { status, reason, summary: summary as unknown as Record<string, unknown> }),
    );
    return summary;
  }
}
