/**
 * A researcher backed by a chat model with tools (Claude or any OpenAI-compatible model): each
 * `propose`, `review` and `fixCode` is one tool-use turn (llm-loop.ts) over the tools in tools.ts.
 *
 * Memory across turns is the digest (bounded, rebuilt by the engine every time), the model's own
 * unconfirmed findings (record_finding, shown in later digests) and a short note per earlier turn
 * (its finish_turn summary and what it proposed, the last 12 kept): old transcripts are never resent.
 *
 * Cost: every call is priced (pricing.ts) and journaled as an 'llm' entry; `usage()` has the session
 * totals and the latest calls. With `maxCostUsd`, no call starts once the total has reached it:
 * `propose` then returns nothing (the engine stops asking and finishes what is queued). A resumed
 * session counts what its earlier process spent (from the journal) against the cap.
 *
 * Only finish_turn with no proposals means "nothing left": a propose turn that ends without it and
 * without proposals throws a transient llm_error, so the engine skips that ask and asks again later.
 * While a run is in flight, finish_turn with `wait` means "nothing until it ends" (ProposeContext.wait).
 */
import { errorLine, FlywheelError } from '../errors.ts';
import { redactDeep } from '../security/redact.ts';
import { codePolicy, trainerDirOf } from '../research/io/code-guard.ts';
import type { Store } from '../store/base.ts';
import type {
  CurveCase,
  CurveJudgement,
  Digest,
  Proposal,
  ProposeContext,
  Researcher,
  ResultSummary,
  ReviewDecision,
} from './base.ts';
import {
  DEFAULT_RETRY,
  runToolLoop,
  type ChatProvider,
  type LoopResult,
  type RetryPolicy,
} from './llm-loop.ts';
import { CostMeter, fmtUsd, type UsageTotals } from './pricing.ts';
import { fixTask, judgeTask, proposeTask, reviewTask, SYSTEM_PROMPT } from './prompts.ts';
import type { ToolContext, TurnMode } from './tools.ts';

export interface LlmResearcherOptions {
  provider: ChatProvider;
  store: Store;
  maxCostUsd?: number;
  unsafeNoSandbox?: boolean;
  maxCallsPerTurn?: number; // model calls in one turn (default 12)
  maxTokens?: number; // per response (default FLYWHEEL_LLM_MAX_TOKENS or 8192)
  contextChars?: number; // transcript size of a turn before older exchanges are summarised (default 120k chars, ~30k tokens)
  retry?: RetryPolicy;
}

type Journal = NonNullable<ProposeContext['journal']>;

export class LlmResearcher implements Researcher {
  readonly name: string;
  readonly unsafeNoSandbox: boolean;
  private readonly meter: CostMeter;
  private readonly notes: string[] = [];
  private sessionId?: string;
  private last?: Digest;
  private priorLoaded = false;
  private capNoted = false;
  private turns = 0;

  constructor(private readonly o: LlmResearcherOptions) {
    this.name = o.provider.name;
    this.unsafeNoSandbox = Boolean(o.unsafeNoSandbox);
    this.meter = new CostMeter(o.provider.model, o.maxCostUsd);
  }

  usage(): UsageTotals {
    return { ...this.meter.totals, perCall: [...this.meter.totals.perCall] };
  }

  private journalOf(ctx: ProposeContext | undefined): Journal {
    if (ctx?.journal) return ctx.journal;
    return async (kind, title, extra) => {
      if (this.sessionId)
        await this.o.store.appendJournal([redactDeep({ sessionId: this.sessionId, kind, title, ...extra })]);
    };
  }

  /** A resumed session: what the earlier process spent counts against the cap. */
  private async loadPrior(digest: Digest): Promise<void> {
    const sessionId = digest.sessionId;
    this.sessionId = sessionId;
    this.last = digest;
    if (this.priorLoaded) return;
    this.priorLoaded = true;
    const entries = await this.o.store.listJournal(sessionId, { kinds: ['llm'] }).catch(() => []); // no such session: nothing spent
    const cost = entries.reduce((s, e) => s + (typeof e.data?.costUsd === 'number' ? e.data.costUsd : 0), 0);
    if (entries.length) this.meter.addPrior(cost, entries.length);
  }

  /** True (and says so once) when the cost cap stops further calls. */
  private async capped(journal: Journal): Promise<boolean> {
    if (!this.meter.capReached()) return false;
    if (!this.capNoted) {
      this.capNoted = true;
      await journal(
        'note',
        `${this.name}: LLM cost cap ${fmtUsd(this.meter.capUsd ?? 0)} reached (${fmtUsd(this.meter.totals.costUsd)} spent): no more proposals; the session finishes what is queued`,
      );
    }
    return true;
  }

  private async turn(
    mode: TurnMode,
    digest: Digest,
    prompt: string,
    maxProposals: number,
    ctx: ProposeContext | undefined,
    curveCase?: CurveCase,
  ): Promise<{ tc: ToolContext; res?: LoopResult; error?: unknown }> {
    const journal = this.journalOf(ctx);
    const tc: ToolContext = {
      ...(curveCase ? { curveCase } : {}),
      mode,
      digest,
      store: this.o.store,
      source: this.name,
      trainerDir: trainerDirOf(digest.baselineConfig),
      codeAllowed: codePolicy(this.unsafeNoSandbox),
      maxProposals,
      proposals: [],
      canWait: mode === 'propose' && Boolean(ctx?.wait),
      journal,
      analysis: ctx?.analysis,
      ...(ctx?.engine ? { engine: ctx.engine } : {}),
    };
    try {
      const res = await runToolLoop({
        provider: this.o.provider,
        system: SYSTEM_PROMPT,
        prompt,
        ctx: tc,
        meter: this.meter,
        purpose: mode,
        maxCalls: mode === 'judge' ? 4 : (this.o.maxCallsPerTurn ?? 12),
        maxTokens: this.o.maxTokens ?? (Number(process.env.FLYWHEEL_LLM_MAX_TOKENS) || 8192),
        contextChars: this.o.contextChars ?? 120_000,
        retry: this.o.retry ?? DEFAULT_RETRY,
        signal: ctx?.signal,
        journal,
      });
      return { tc, res };
    } catch (error) {
      return { tc, error };
    }
  }

  private remember(line: string): void {
    this.notes.push(line.replace(/\s+/g, ' ').slice(0, 500));
    if (this.notes.length > 12) this.notes.shift();
  }

  async propose(digest: Digest, n: number, ctx?: ProposeContext): Promise<Proposal[]> {
    await this.loadPrior(digest);
    const journal = this.journalOf(ctx);
    if (await this.capped(journal)) return [];
    const k = ++this.turns;
    const task = proposeTask(digest, n, this.notes, Boolean(ctx?.wait));
    const { tc, res, error } = await this.turn('propose', digest, task, n, ctx);
    const titles = tc.proposals.map((p) => `"${p.title}"`).join(', ') || 'nothing';
    this.remember(`turn ${k}: proposed ${titles}. ${tc.finished?.summary ?? res?.text ?? ''}`);
    if (tc.finished?.summary) ctx?.note?.(`${this.name}: ${tc.finished.summary}`);
    if (error) {
      // what was proposed before the provider failed is kept; otherwise the engine skips this ask
      if (tc.proposals.length) {
        await journal(
          'note',
          `${this.name} turn ended early (${errorLine(error)}); keeping its ${tc.proposals.length} proposal(s)`,
        );
        return tc.proposals;
      }
      throw error;
    }
    if (res?.end === 'max_calls' || res?.end === 'no_tool_calls') {
      const line = `${this.name} turn ended without finish_turn (${res.end}) after ${res.calls} call(s)`;
      if (!tc.proposals.length) throw new FlywheelError('llm_error', line, { transient: true });
      await journal('note', line);
    }
    await this.capped(journal);
    if (tc.finished?.wait && !tc.proposals.length)
      ctx?.wait?.(tc.finished.summary ?? 'waiting for a run to end');
    return tc.proposals;
  }

  async review(
    rung: number,
    ranked: ResultSummary[],
    digest: Digest,
    ctx?: ProposeContext,
  ): Promise<ReviewDecision> {
    await this.loadPrior(digest);
    const journal = this.journalOf(ctx);
    if (await this.capped(journal)) return {};
    const { tc, error } = await this.turn('review', digest, reviewTask(rung, ranked, digest), 2, ctx);
    if (error) await journal('note', `${this.name} review of rung ${rung} failed: ${errorLine(error)}`);
    const f = tc.finished;
    this.remember(
      `review of rung ${rung}: promote [${f?.promote.join(', ') ?? ''}], drop [${f?.drop.join(', ') ?? ''}], refinements ${tc.proposals.length}. ${f?.summary ?? ''}`,
    );
    return { promote: f?.promote ?? [], drop: f?.drop ?? [], refine: tc.proposals };
  }

  async fixCode(
    p: Proposal,
    error: string,
    attempt: number,
    ctx?: ProposeContext,
  ): Promise<Proposal | undefined> {
    const journal = this.journalOf(ctx);
    if (await this.capped(journal)) return undefined;
    const digest = this.last; // the digest of the turn that proposed it
    if (!digest) return undefined;
    const { tc, error: e } = await this.turn('fix', digest, fixTask(p, error, attempt), 1, ctx);
    if (e) await journal('note', `${this.name} could not fix "${p.title}": ${errorLine(e)}`);
    const fixed = tc.proposals[0];
    this.remember(`fix attempt ${attempt} of "${p.title}": ${fixed ? 'sent corrected edits' : 'gave up'}`);
    return fixed ? { ...fixed, title: p.title } : undefined;
  }

  /** One short judge turn (at most 4 calls): judge_curve on the case's run, then finish_turn. */
  async judgeCurve(c: CurveCase, digest: Digest, ctx?: ProposeContext): Promise<CurveJudgement | undefined> {
    await this.loadPrior(digest);
    const journal = this.journalOf(ctx);
    if (await this.capped(journal)) return undefined;
    const { tc, error } = await this.turn('judge', digest, judgeTask(c), 0, ctx, c);
    if (error) await journal('note', `${this.name} could not judge run ${c.runId}: ${errorLine(error)}`);
    const j = tc.judgement;
    if (j) this.remember(`judged run ${c.runId} (${c.label}): ${j.call}. ${j.reason}`);
    return j;
  }
}
