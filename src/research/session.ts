/**
 * A research session: propose -> triage -> schedule -> monitor -> conclude, until the budget is spent.
 *
 * Everything that matters is persisted as it happens: runs and their metrics (by the launcher), the
 * journal (one entry per decision), and the scheduler state (after every change), so `--resume` after
 * a crash or kill -9 continues where it stopped. Runs in flight at the crash are settled by
 * `reconcileOrphans` (their trainers stop themselves when the orchestrator vanishes, or are stopped)
 * and their trials re-queued unless the run had already produced its result.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { TrainConfig } from '../config/train-config.ts';
import { FlywheelError } from '../errors.ts';
import type { Executor } from '../executors/base.ts';
import type { Reference } from '../monitor/index.ts';
import type { Researcher } from '../researchers/base.ts';
import { configFlopsPerToken } from '../runs/flops.ts';
import { pidAlive } from '../runs/process.ts';
import { reconcileOrphans } from '../runs/reconcile.ts';
import type { RunController } from '../runs/launch.ts';
import type { SessionRecord, SessionStatus, Store } from '../store/base.ts';
import { Journal } from './journal.ts';
import { handleOutcome, type Outcome } from './outcomes.ts';
import { admitAndQueue, NOT_RUN } from './intake.ts';
import {
  itemFlops,
  nextWork,
  promote,
  queuedIdeas,
  newTrial,
  type FlopsLeft,
  type WorkItem,
} from './scheduler.ts';
import { SessionSpec } from './spec.ts';
import { reviewAfterPromotion } from './review.ts';
import { countRunFlops, runTrialRung } from './run-trial.ts';
import { BASELINE, emptyState, proposalOf, type SessionState } from './state.ts';
import { summarize, type SessionSummary } from './summary.ts';
import { baselineBand } from './baseline-band.ts';
import { trialContext } from './trial-context.ts';
import { resultOf } from './digest.ts';
import type { SessionView } from './view.ts';

export interface SessionDeps {
  store: Store;
  executor: Executor;
  researcher: Researcher;
  view?: SessionView;
  signal?: AbortSignal; // abort = stop the session gracefully (runs in flight are stopped)
  controlPollMs?: number;
}

export function newSessionId(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `s-${String(d.getUTCFullYear()).slice(2)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}-${randomBytes(2).toString('hex')}`;
}

export class ResearchSession {
  readonly journal: Journal;
  readonly baseConfig: TrainConfig;
  readonly baseFlopsPerToken: number;
  private readonly inflight = new Map<
    string,
    { item: WorkItem; promise: Promise<Outcome>; ctl?: RunController }
  >();
  private readonly refs = new Map<number, Reference | undefined>();
  readonly stopCtl = new AbortController();
  private paused = false;
  private stopping?: string;
  private startedAt = Date.now();
  private secondsBefore: number;

  constructor(
    readonly deps: SessionDeps,
    readonly record: SessionRecord,
    readonly spec: SessionSpec,
    readonly state: SessionState,
  ) {
    this.journal = new Journal(deps.store, record.id, (e) => deps.view?.journal(e));
    this.baseConfig = spec.baseConfig as unknown as TrainConfig;
    this.baseFlopsPerToken = configFlopsPerToken(this.baseConfig); // a spec trainer's own FLOPs/token
    this.secondsBefore = state.secondsUsed;
    deps.signal?.addEventListener('abort', () => this.requestStop('interrupted'), { once: true });
  }

  get id(): string {
    return this.record.id;
  }

  /** Create the session record, the baseline trials and the first journal entry. */
  static async create(deps: SessionDeps, specInput: unknown): Promise<ResearchSession> {
    const spec = SessionSpec.parse(specInput);
    const id = newSessionId();
    const state = emptyState();
    const base = spec.baseConfig as unknown as TrainConfig;
    state.proposals.push({
      id: BASELINE,
      title: 'baseline',
      hypothesis: 'the current best config; its seeds measure the noise floor',
      change: { kind: 'config', set: {} },
      expectedEffect: 0,
      cost: 1,
      source: 'engine',
      key: 'baseline',
      config: base,
      status: 'active',
      createdAt: new Date().toISOString(),
    });
    for (let i = 0; i < spec.baselineSeeds; i++) newTrial(state, BASELINE, spec.seedBase + i, 'baseline', 0);
    const record = await deps.store.createSession({
      id,
      researcher: spec.researcher,
      executor: spec.executor,
      parallel: spec.parallel,
      spec: spec as unknown as Record<string, unknown>,
      state: state as unknown as Record<string, unknown>,
      ownerPid: process.pid,
      host: hostname(),
    });
    const s = new ResearchSession(deps, record, spec, state);
    await s.journal.add(
      'session',
      `session ${id} started: ${spec.researcher} researcher, ${spec.parallel} slot(s), rungs ${spec.rungTokens.join('/')} tokens`,
      {
        data: {
          baseSource: spec.baseSource,
          rungTokens: spec.rungTokens,
          budgetSeconds: spec.budgetSeconds,
          budgetFlops: spec.budgetFlops,
        },
      },
    );
    await s.journal.add(
      'baseline',
      `baseline: ${spec.baselineSeeds} seeds at every rung to measure the noise floor`,
      { proposalId: BASELINE },
    );
    return s;
  }

  /** Load a session after a crash: settle its orphaned runs, re-queue what they were doing. */
  static async resume(deps: SessionDeps, id: string): Promise<ResearchSession> {
    const record = await deps.store.getSession(id);
    if (!record) throw new FlywheelError('not_found', `no session with id "${id}"`);
    if (['completed', 'stopped', 'failed'].includes(record.status)) {
      throw new FlywheelError('conflict', `session ${id} already ended (${record.status}); start a new one`);
    }
    if (
      record.ownerPid &&
      record.ownerPid !== process.pid &&
      record.host === hostname() &&
      pidAlive(record.ownerPid)
    ) {
      throw new FlywheelError(
        'conflict',
        `session ${id} is still running in pid ${record.ownerPid}; stop it first (the dashboard's Stop, or kill ${record.ownerPid})`,
      );
    }
    const spec = SessionSpec.parse(record.spec);
    const state = record.state as unknown as SessionState;
    const runs = await deps.store.listRuns({ sessionId: id });
    await reconcileOrphans(deps.store, {
      onlyIds: runs.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id),
    });
    const s = new ResearchSession(
      deps,
      await deps.store.updateSession(id, {
        status: 'running',
        ownerPid: process.pid,
        host: hostname(),
        control: null,
      }),
      spec,
      state,
    );
    let requeued = 0;
    for (const t of state.trials.filter((x) => x.status === 'running')) {
      // The run of this rung, found by its tags: the state may have been saved before its id was added.
      const mine = runs.filter((r) => r.tags.trial === t.id && r.tags.rung === String(t.rung));
      const latest = mine.sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))[mine.length - 1];
      const run = latest ? await deps.store.getRun(latest.id) : undefined;
      if (run && !t.runIds.includes(run.id)) t.runIds.push(run.id);
      if (run && run.status !== 'running' && run.status !== 'queued') {
        const item: WorkItem = {
          trial: t,
          rung: t.rung,
          tokens: spec.rungTokens[t.rung],
          estSeconds: 0,
          resumeFrom: run.config.resume?.checkpoint,
        };
        // its FLOPs were never counted: the orchestrator died before the run ended
        countRunFlops(state, item, run, s.baseFlopsPerToken * proposalOf(state, t.proposalId).cost);
        // a monitor kill is a decision, recovered from the run record (not a run to do again)
        const decision =
          run.status === 'stopped' && run.stopRule
            ? {
                action: 'stop' as const,
                rule: run.stopRule,
                message: run.statusReason ?? run.stopRule,
                evidence: {},
              }
            : undefined;
        await handleOutcome(s, { item, run, decision, resumed: true });
        if (t.status !== 'running') continue;
      }
      t.status = 'pending';
      requeued++;
    }
    for (const p of state.proposals) if (p.id !== BASELINE) s.replayObservation(p.id);
    await s.journal.add('session', `session resumed by pid ${process.pid}: ${requeued} trial(s) re-queued`, {
      data: { requeued },
    });
    await s.persist();
    return s;
  }

  /** A researcher rebuilt after a crash sees every stored result again (the Researcher contract). */
  replayObservation(proposalId: string): void {
    const p = this.state.proposals.find((x) => x.id === proposalId);
    if (p && this.state.trials.some((t) => t.proposalId === p.id && Object.keys(t.results).length)) {
      this.deps.researcher.observe?.(resultOf(this.state, this.spec, p));
    }
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
    const ref = await baselineBand(this.deps.store, this.state, this.baseConfig, rung);
    if (ref) this.refs.set(rung, ref);
  }

  reference(rung: number): Reference | undefined {
    return this.refs.get(rung);
  }

  async persist(status?: SessionStatus): Promise<SessionSummary> {
    this.state.secondsUsed = this.secondsUsed();
    const runs = await this.deps.store.listRuns({ sessionId: this.id, fields: 'list' });
    const summary = summarize(
      this.id,
      status ?? (this.paused ? 'paused' : 'running'),
      this.state,
      this.spec,
      runs,
      this.baseFlopsPerToken,
    );
    summary.llm = this.deps.researcher.usage?.() ?? null;
    await this.deps.store.updateSession(this.id, {
      state: this.state as unknown as Record<string, unknown>,
      summary: summary as unknown as Record<string, unknown>,
      ...(status ? { status } : {}),
    });
    this.deps.view?.setSummary(summary);
    return summary;
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
      await this.journal.add('session', 'paused: no new runs until resumed (runs in flight continue)');
      await this.persist('paused');
    } else if (c === 'resume' && this.paused) {
      this.paused = false;
      if (this.deps.view) this.deps.view.paused = false;
      await this.journal.add('session', 'resumed');
      await this.persist('running');
    }
  }

  private canStartMore(): boolean {
    if (this.stopping || this.paused) return false;
    if (this.spec.budgetFlops !== undefined && this.state.flopsUsed >= this.spec.budgetFlops) return false;
    return this.deps.executor.busy() < this.deps.executor.capacity;
  }

  private async start(item: WorkItem): Promise<void> {
    const lease = await this.deps.executor.acquire(this.stopCtl.signal);
    item.trial.status = 'running';
    const entry: { item: WorkItem; promise: Promise<Outcome>; ctl?: RunController } = {
      item,
      promise: Promise.resolve(undefined as unknown as Outcome),
    };
    entry.promise = runTrialRung(trialContext(this, entry), item, lease)
      .then((r) => ({ item, run: r.run, decision: r.decision, aborted: this.stopping }))
      .catch((e: unknown) => ({
        item,
        error: e instanceof Error ? e.message : String(e),
        aborted: this.stopping,
      }))
      .finally(() => lease.release());
    this.inflight.set(item.trial.id, entry);
    await this.persist();
  }

  /** What `nextWork` needs to know about the FLOPs budget, and whether to keep the endgame reserve. */
  private workOpts(reserve: boolean): { flops?: FlopsLeft; reserve: boolean } {
    const b = this.spec.budgetFlops;
    if (b === undefined) return { reserve };
    const perToken = this.baseFlopsPerToken;
    let inflight = 0; // runs in flight have not been counted in flopsUsed yet
    for (const { item } of this.inflight.values()) inflight += itemFlops(this.state, item, perToken);
    return { reserve, flops: { left: b - this.state.flopsUsed - inflight, perToken } };
  }

  private needIdeas(): boolean {
    const st = this.state;
    if (st.researcherExhausted || this.stopping || this.paused) return false;
    if (st.proposals.length - 1 >= this.spec.maxProposals) return false;
    return queuedIdeas(st) < this.deps.executor.capacity;
  }

  /** Promote what successive halving allows now (`force`: see `promote`); journal and review it. */
  private async promoteReady(force: boolean): Promise<boolean> {
    const promoted = promote(this.state, this.spec, force);
    if (!promoted.length) return false;
    await this.journal.add(
      'promotion',
      `promoted ${promoted.map((t) => `${t.proposalId}/${t.id}`).join(', ')} to rung ${promoted[0].rung}`,
      {
        runIds: promoted.flatMap((t) => t.runIds.slice(-1)),
        data: { trials: promoted.map((t) => t.id) },
      },
    );
    await reviewAfterPromotion(this, promoted); // the researcher may promote/drop/refine (review.ts)
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
        this.state.flopsUsed >= this.spec.budgetFlops &&
        this.inflight.size === 0
      ) {
        this.requestStop('FLOPs budget spent');
      }
      let idle = false;
      while (this.canStartMore()) {
        const item = nextWork(this.state, this.spec, this.secondsLeft(), undefined, this.workOpts(true));
        if (item) {
          await this.start(item);
          continue;
        }
        // ASHA: a free slot first takes a promotion (finish what is promising), and only then a new
        // idea; asking for ideas first starved promotion whenever the researcher never runs dry (TPE).
        if (await this.promoteReady(false)) continue;
        if (this.needIdeas()) {
          const admitted = await admitAndQueue(this);
          await this.persist();
          if (admitted > 0 || !this.state.researcherExhausted) continue;
        }
        if (await this.promoteReady(this.inflight.size === 0)) continue;
        // Nothing in flight and nothing to promote: no candidate can need the endgame reserve any more.
        const late =
          this.inflight.size === 0
            ? nextWork(this.state, this.spec, this.secondsLeft(), undefined, this.workOpts(false))
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
      await handleOutcome(this, done);
      await this.persist();
    }
    return this.finish();
  }

  private async finish(): Promise<SessionSummary> {
    for (const t of this.state.trials) {
      if (t.status === 'awaiting') t.status = 'left';
      else if (t.status === 'pending') t.status = 'cancelled';
    }
    for (const p of this.state.proposals) {
      if (p.id !== BASELINE && p.status === 'active') {
        p.status = 'concluded';
        p.verdict = p.verdict === 'win' ? 'win' : 'inconclusive';
        // an idea the session never got to run stays open for later sessions
        if (!this.state.trials.some((t) => t.proposalId === p.id && t.runIds.length > 0)) {
          await this.deps.store.recordIdea({
            key: p.key,
            title: p.title,
            sessionId: this.id,
            proposalId: p.id,
            outcome: NOT_RUN,
          });
        }
      }
    }
    this.state.finished = true;
    const status: SessionStatus =
      this.stopping && this.stopping !== 'time budget spent' && this.stopping !== 'FLOPs budget spent'
        ? 'stopped'
        : 'completed';
    const summary = await this.persist(status);
    await this.deps.store.updateSession(this.id, {
      endedAt: new Date().toISOString(),
      statusReason: this.stopping ?? 'nothing left to run',
    });
    await this.journal.add('session', `session ${status}: ${this.stopping ?? 'nothing left to run'}`, {
      data: summary as unknown as Record<string, unknown>,
    });
    return summary;
  }
}
