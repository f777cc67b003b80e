/**
 * The offline researcher: no LLM, just an idea library and TPE.
 *
 * Phase (a), library: known changes (Muon, RoPE, WSD, ...) as one-change ablations from the current best,
 * best expected gain per FLOP first. Ideas are re-derived from `digest.baselineConfig` on every call, so
 * after a confirmed win they are re-evaluated against the new best (RoPE is no longer proposed once the
 * best has RoPE; "LR x2" becomes a step from the new LR).
 * Phase (b), TPE: once no applicable library idea is left. Before that, one proposal in three is a TPE
 * point: library ideas carry strong priors and are worth more per FLOP, but they are all small steps
 * around the incumbent; TPE needs observations spread over the space before its model means anything,
 * and a session that only tries safe steps never learns where the space is bad (which the monitor
 * then stops cheaply). `exploreEvery: 0` restores library-first.
 *
 * `review` is left to the engine: its successive halving already drops rung-0 losers and its statistics
 * own the noise floor; a second 2-sigma rule here would judge the same evidence twice.
 *
 * Determinism and resume: every random draw comes from an RNG seeded by (seed, observations, keys to avoid,
 * current best), never from how many times `propose` ran, so a researcher rebuilt on resume and replayed the
 * same `observe` calls proposes the same next proposals.
 */
import { DEFAULT_VOCAB } from '../config/train-config.ts';
import { canonicalJson, configHash } from '../config/resolve.ts';
import type { Knob, SearchSpace } from '../config/search-space.ts';
import { proposalKey, stackParts } from '../research/core/proposals.ts';
import { ideaKey } from './config-diff.ts';
import type { Digest, Proposal, ProposeContext, Researcher, ResultSummary } from './base.ts';
import type { RunHistory } from './history.ts';
import type { DomainInfo, Idea, IdeaContext } from './idea.ts';
import { IDEA_LIBRARY } from './idea-library.ts';
import { libraryCandidates } from './library-proposals.ts';
import { preferByScale } from './scale-memory.ts';
import type { Observation } from './tpe.ts';
import { mixtureStudyProposals, type MixtureStudyOptions } from './mixture-study.ts';
import type { ScreenDesign, ScreeningOptions } from './screening-design.ts';
import { ScreeningStudy } from './screening-study.ts';
import { hash32, Rng } from './rng.ts';
import type { TpeOptions } from './tpe.ts';
import {
  observationsFingerprint,
  TPE_EXCLUDED,
  tpeKnobs,
  tpeObservations,
  tpeProposal,
} from './tpe-proposals.ts';

export interface OfflineResearcherOptions {
  seed?: number;
  /** The space to search; default: the session's (`digest.searchSpace`). */
  searchSpace?: SearchSpace;
  /** Data domains (names, or with train size and the best's per-domain bpb) for mixture ideas. */
  domains?: Array<string | DomainInfo>;
  /** Replace the library (e.g. tests, or a lab's own list). */
  library?: Idea[];
  /** Library idea ids to leave out. */
  excludeIdeas?: string[];
  /** Vocabulary for FLOP accounting when the config has no data.vocabSize (prepare's default: 2048). */
  vocabSize?: number;
  tpe?: TpeOptions;
  /** One TPE proposal in every this many while library ideas remain (0 = library first, then TPE). Default 3. */
  exploreEvery?: number;
  /** Knob paths TPE must not turn (default: model shape and mixture weights). */
  tpeExclude?: RegExp[];
  /**
   * Earlier sessions' comparable runs (history.ts): TPE is warm-started from them, so a new session's
   * TPE starts from what every earlier session learned about this config family, not from random draws.
   */
  history?: RunHistory;
  /**
   * The data-mixture study (mixture-study.ts): its size (`{}`: sized to the domains), or off (default:
   * the CLI turns it on only when the budget affords it, cli/research.ts).
   */
  mixtureStudy?: MixtureStudyOptions | false;
  /**
   * The screening study (screening-study.ts): a two-level design over the library's changes at the study rung,
   * whose selected changes are stacked and judged at the top. Off by default; the CLI sizes it to the
   * budget (cli/research.ts).
   */
  screening?: ScreeningOptions | false;
}

export class OfflineResearcher implements Researcher {
  readonly name = 'offline';
  private readonly seed: number;
  private readonly ideas: Idea[];
  private domains: DomainInfo[];
  private readonly results = new Map<string, ResultSummary>(); // proposalId -> its highest-rung result
  private readonly pending = new Set<string>(); // keys proposed but not yet in digest.tried
  private readonly latest = new Map<string, ResultSummary>(); // proposalId -> its newest result, running or not
  private readonly rejectedTitles = new Set<string>();
  private readonly screening?: ScreeningStudy;

  constructor(private readonly opts: OfflineResearcherOptions = {}) {
    this.seed = opts.seed ?? 0;
    const excluded = new Set(opts.excludeIdeas ?? []);
    this.ideas = (opts.library ?? IDEA_LIBRARY).filter((i) => !excluded.has(i.id));
    this.domains = (opts.domains ?? []).map((d) => (typeof d === 'string' ? { name: d } : { ...d }));
    if (opts.screening) this.screening = new ScreeningStudy(opts.screening);
  }

  /** Update what is known about the domains (e.g. the baseline's per-domain bpb once it has run). */
  setDomains(domains: Array<string | DomainInfo>): void {
    this.domains = domains.map((d) => (typeof d === 'string' ? { name: d } : { ...d }));
  }

  async propose(digest: Digest, n: number, ctx?: ProposeContext): Promise<Proposal[]> {
    for (const r of digest.rejected) this.rejectedTitles.add(r.title);
    // the engine's view of the domains (per-domain val bpb, also after --resume) wins over what we were given
    if (digest.domains?.length)
      this.setDomains(
        digest.domains.map((d) => ({
          name: d.name,
          trainTokens: d.trainTokens,
          unigramBpb: d.unigramBpb,
          valBpb: d.valBpb,
        })),
      );
    const base = digest.baselineConfig;
    const space = this.opts.searchSpace ?? digest.searchSpace;
    const ideaCtx: IdeaContext = {
      vocabSize: base.data.vocabSize ?? this.opts.vocabSize ?? DEFAULT_VOCAB,
      domains: this.domains,
    };
    const avoidKeys = new Set([...digest.tried.map((t) => t.key), ...this.pending, configHash(base)]);
    const out: Proposal[] = [];
    const tried = async (keys: string[]) => (ctx?.tried && keys.length ? ctx.tried(keys) : new Set<string>());
    // first the screening study's rows, then its stack (screening-study.ts); its factors are not tried one by one
    const screened = await this.screening?.step({
      hasWin: Boolean(digest.best),
      base,
      space,
      // the factors depend on the library, the base and the space only: a resumed researcher plans the same
      candidates: () =>
        libraryCandidates(this.ideas, base, ideaCtx, space, {
          avoidKeys: new Set([configHash(base)]),
          triedTitles: new Set(),
          rejectedTitles: new Set(),
        }),
      avoidKeys,
      rejectedTitles: this.rejectedTitles,
      n,
      tried,
      note: (m) => ctx?.note?.(m),
      guess: digest.budget.totalFlops !== undefined,
      baseAt: (rung) => {
        const b = digest.baseAtRungs?.find((x) => x.rung === rung);
        return b?.firstSeed ?? b?.mean;
      },
    });
    out.push(...(screened?.proposals ?? []));
    // then the mixture study, then its predicted mixture (mixture-study.ts). Not while the screen's rows
    // are out or its stack is judged: a study point is a candidate, and one confirmed moves the base
    // under the rows (BENCHMARKS.md "Research session checks": mixture point 3 became the base when 8
    // of the screen's 63 rows had ended, and the screen was given up)
    if (this.opts.mixtureStudy && !this.screening?.awaitingBase)
      for (const c of mixtureStudyProposals({
        digest,
        base,
        domains: this.domains,
        space,
        n: n - out.length,
        seed: this.seed,
        avoidKeys,
        rejectedTitles: this.rejectedTitles,
        options: this.opts.mixtureStudy,
      })) {
        out.push(c.proposal);
        avoidKeys.add(c.key);
      }
    const applicable = libraryCandidates(this.ideas, base, ideaCtx, space, {
      avoidKeys,
      triedTitles: new Set(digest.tried.map((t) => t.title)),
      rejectedTitles: this.rejectedTitles,
    });
    const triedLib = await tried(applicable.map((c) => c.key)); // the digest lists only the newest tried ideas
    for (const k of triedLib) avoidKeys.add(k);
    const untried = applicable.filter((c) => !triedLib.has(c.key));
    // the stack without its pace changes first, then the screen's near misses, straight to the full
    // budget on the current base (screening-study.ts)
    const check = this.screening?.paceCheck(base, space, this.rejectedTitles);
    if (check && !avoidKeys.has(check.key) && !(await tried([check.key])).has(check.key)) {
      out.push(check.proposal);
      avoidKeys.add(check.key);
    }
    // (none while the check is judged: it may move the base they would be judged against)
    for (const c of this.screening?.awaitingBase ? [] : (this.screening?.followUps(untried) ?? [])) {
      if (out.length >= n) break;
      out.push(c.proposal);
      avoidKeys.add(c.key);
    }
    // while the study's rows end and its stack is judged, the library waits for the base it may set
    const awaiting = this.screening?.awaitingBase ? this.screening : undefined;
    const dropped = this.screening?.droppedTitles ?? new Set<string>();
    const judged = this.judgedElsewhere();
    const fresh = untried.filter(
      (c) =>
        !avoidKeys.has(c.key) &&
        !screened?.factorTitles.has(c.proposal.title) &&
        !dropped.has(c.proposal.title) &&
        !judged.has(c.proposal.title),
    );
    // on a base the screen did not run on, what it measured orders the changes it screened
    const lib = awaiting
      ? []
      : preferByScale(this.screening?.informed(fresh, base) ?? fresh, digest.findings);
    // One exploration point (TPE, random while it has few observations) in every `exploreEvery`
    // proposals even while library ideas remain: TPE needs observations before its model means
    // anything, and a session that only ever tries the library's small, safe steps never learns where
    // the space is bad. Counted from observed results, so a resumed researcher makes the same choice;
    // only over the library's and TPE's own proposals (a study's points are not ideas: 31 screening
    // rows had given TPE every free slot for the next 10 proposals, found in bench/research-efficiency)
    const every = this.opts.exploreEvery ?? 3;
    const seen = [...this.results.values()].filter((r) => r.source === 'library' || r.source === 'tpe');
    const nTpe = seen.filter((r) => r.source === 'tpe').length;
    const explore = every > 0 && lib.length > 0 && nTpe < Math.floor((seen.length + 1) / every) ? 1 : 0;
    for (const c of lib.slice(0, Math.max(0, n - out.length - explore))) {
      out.push(c.proposal);
      avoidKeys.add(c.key);
    }

    // While the study's last rows end and its stack is judged, an exploration point would be judged
    // against a base the stack may replace, and a TPE point sets every knob the stack changes: in
    // bench/research-efficiency each one admitted then was dropped at the re-base (1.0-1.4 of 24 full
    // runs per session). So the researcher holds back: it returns what it has (the stack, a last row),
    // or with nothing waits for the verdict where the engine lets it (ctx.wait); only an empty answer
    // with no wait offered explores, since that one would end the asking.
    if (awaiting && out.length === 0 && ctx?.wait) {
      ctx.wait(awaiting.waitReason);
      return out;
    }
    if (out.length < n && !(awaiting && (out.length > 0 || ctx?.wait))) {
      const knobs = tpeKnobs(space, this.opts.tpeExclude ?? TPE_EXCLUDED);
      const results = [...this.results.values()].sort((a, b) =>
        a.proposalId < b.proposalId ? -1 : a.proposalId > b.proposalId ? 1 : 0,
      );
      const own = tpeObservations(results, base, knobs);
      const past = await this.historyObservations(digest, knobs, own);
      const observations = [...own, ...past];
      const fingerprint = `${this.seed}|${configHash(base)}|${observationsFingerprint(observations)}|${[...avoidKeys].sort().join(',')}`;
      const rng = new Rng(hash32(fingerprint));
      // TPE draws are checked against every idea ever tried (a key lookup, ctx.tried) in batches: a
      // draw an earlier session ran is avoided and redrawn, not sent to be refused.
      for (let round = 0; round < 3 && out.length < n; round++) {
        const batch: Array<{ proposal: Proposal; key: string }> = [];
        while (out.length + batch.length < n && knobs.length > 0 && !ctx?.signal?.aborted) {
          const t = tpeProposal({
            base,
            ctx: ideaCtx,
            knobs,
            observations,
            avoidKeys,
            rng,
            options: this.opts.tpe,
            fromHistory: past.length,
          });
          if (!t) break;
          batch.push(t);
          avoidKeys.add(t.key);
        }
        if (batch.length === 0) break;
        const seen = await tried(batch.map((t) => t.key));
        for (const t of batch) if (!seen.has(t.key)) out.push(t.proposal);
      }
    }
    for (const p of out)
      if (p.change.kind === 'config') this.pending.add(proposalKey(p, ideaKey(base, p.change.set)));
    const count = (of: (source: string) => boolean) => out.filter((p) => of(p.source)).length;
    ctx?.note?.(
      `offline: ${count((s) => s === 'library')} library, ${count((s) => s === 'tpe')} TPE, ${count((s) => s.startsWith('mixture-'))} mixture-study, ${count((s) => s.startsWith('screening-'))} screening-study proposals`,
    );
    return out;
  }

  /**
   * Titles of changes still being judged at the full budget (verdict pending) on an earlier base, a
   * carried stack's parts included: their re-test on the current base waits for that verdict. A win
   * there is carried onto the current base by the engine itself, straight to the full budget
   * (src/research/core/stack.ts); re-proposed meanwhile, the same change on the new base takes the
   * carry-over's idea key and climbs from the lowest rung instead. Found in bench/research-efficiency,
   * regime (a) with the screen off: RoPE was re-proposed on the untied-head base while its win on the
   * preset was being confirmed, so the confirmed win was "not carried: already tried" and the re-test
   * spent a rung-1 run first.
   */
  private judgedElsewhere(): Set<string> {
    // the same change on the current base would be in avoidKeys already: a pending one is on another base
    const out = new Set<string>();
    for (const r of this.latest.values())
      if (r.verdict === 'pending' && r.change.kind === 'config') for (const t of stackParts(r)) out.add(t);
    return out;
  }

  /** Earlier sessions' comparable runs as TPE observations, minus points this session has run itself. */
  private async historyObservations(digest: Digest, knobs: Knob[], own: Observation[]) {
    if (!this.opts.history || knobs.length === 0) return [];
    const h = await this.opts.history.load({
      sessionId: digest.sessionId,
      base: digest.baselineConfig,
      rungTokens: digest.noiseFloor.map((x) => x.budgetTokens),
      knobs,
    });
    const mine = new Set(own.map((o) => canonicalJson(o.point)));
    return h.observations
      .filter((o) => !mine.has(canonicalJson(o.point)))
      .map((o) => ({ point: o.point, value: o.value }));
  }

  observe(result: ResultSummary): void {
    // a re-based winner reads 'running' while the engine adds its lower-rung base seeds: its verdict is in
    this.screening?.observe(result);
    this.latest.set(result.proposalId, result);
    if (result.status === 'running') return;
    const prev = this.results.get(result.proposalId);
    if (!prev || result.rung >= prev.rung) this.results.set(result.proposalId, result);
  }

  /** The screening study's design, once planned (benchmarks read it to account for a screened stack). */
  get screeningDesign(): ScreenDesign | undefined {
    return this.screening?.design;
  }

  usage() {
    return { inputTokens: 0, outputTokens: 0, costUsd: 0, calls: 0 };
  }
}
