/**
 * Open tests across sessions: a candidate ahead of its base and still undecided when the budget ran
 * out is continued by the next session on the same base, from where it stopped, instead of being
 * forgotten (it stays tried: proposing it again is refused) or started again.
 *
 * Why continue rather than start again: on a deterministic trainer (the reference trainer on CPU) a
 * restarted test would re-run the same seeds to the last digit, paying again for what the last session
 * measured, and then test those numbers a second time with a fresh level; on a GPU the second draw is
 * still a second chance at the level for a change that looked good once. A continued test is one
 * sequential test spread over two sessions:
 *  - Its schedule is the one it started with: it keeps its own number of looks (`maxSeeds`, whatever
 *    the next session plans for its own candidates: a session sized to another budget plans another
 *    number), and the next session continues it only at the same level and rungs.
 *  - The looks it took there spent their shares of the level there. Here it is judged by the union
 *    bound over its own new looks only (stats/sequential.ts), each at a seed count past the earlier
 *    ones, so over both sessions the looks spend at most the level, and nothing the earlier session
 *    recorded (its p-values) is read: a forged record of them buys nothing.
 *  - Only a test still going is continued: ahead of its base at its last look, short of its last look,
 *    not yet at its held-out confirmation. Stopping the others is futility, which only lowers the
 *    false-win rate.
 *  - It joins this session's family of tests (Holm), like any candidate of the session.
 * A pass cut off before its held-out confirmation (`isCutOffPass`) is carried too, as a new test on
 * the same runs: no look of the earlier session is kept, one look here at all its seeds (its schedule
 * is those seeds, so no seed is added), and if it passes again, its confirmation. Re-judging runs that
 * passed once is no second chance at the level: under no effect the look here passes with chance at
 * most the level whatever happened there, and the confirmation is still a seed neither session has
 * seen. Before, the idea was only reopened (ideas.ts UNCONFIRMED, still the case for a session on
 * another base): a later session re-ran its seeds from the first, which on the reference trainer
 * repeat the same numbers. In regime (a) of bench/research-efficiency that was 3 of the next
 * session's 24 full runs for logit softcap 15, whose pass at three seeds left no room for its
 * confirmation pair.
 * Its decision runs come with it (setup.ts `carriedTests` checks each against its stored run, as for
 * the base's runs: core/carried-base.ts), add no FLOPs, and pair with the base's carried runs on the
 * same seeds; its next seed is the base's next decision seed, as for any candidate (conclude.ts).
 *
 * Which session: the newest finished one (of the last HISTORY_SESSIONS) whose final base is this
 * session's base, at these rungs. A test another session already continued is not continued twice.
 */
import { configHash } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { baseOf, currentBase } from './base.ts';
import { nextSeedTrials } from './next-seed.ts';
import { HISTORY_SESSIONS, type PastSession } from './noise-history.ts';
import { admitProposal } from './proposals.ts';
import { newTrial } from './trial-steps.ts';
import { CARRIED_TESTS_MAX, topRung, type CarriedTest, type SessionSpec } from './spec.ts';
import {
  BASELINE,
  DECISION_PURPOSES,
  maxSeedsOf,
  nextProposalId,
  type ProposalState,
  type SessionState,
  type TrialState,
} from './state.ts';

/** A candidate's top-rung decision values with their runs, by seed (one per seed). */
function decisionRuns(trials: readonly TrialState[], id: string, top: number) {
  const out = new Map<number, { value: number; runId: string }>();
  for (const t of trials) {
    if (t.proposalId !== id || !DECISION_PURPOSES.includes(t.purpose)) continue;
    const value = t.results?.[String(top)];
    const runId = t.rungRuns?.[String(top)];
    if (typeof value === 'number' && Number.isFinite(value) && typeof runId === 'string' && !out.has(t.seed))
      out.set(t.seed, { value, runId });
  }
  return out;
}

/**
 * What a test the session may carry has at its end (see the file comment): a config change, active,
 * judged against the session's last base, ahead at its last look, with the decision runs of that look
 * and no more. Its last look, or undefined.
 */
function lastLookAtEnd(st: SessionState, spec: SessionSpec, p: ProposalState) {
  if (p.id === BASELINE || p.status !== 'active' || p.ablationOf || p.study || p.change.kind !== 'config')
    return undefined;
  const last = p.looks?.[p.looks.length - 1];
  if (!last || !(last.delta < 0) || baseOf(st, p.id) !== currentBase(st).id) return undefined;
  return decisionRuns(st.trials, p.id, topRung(spec)).size === last.n ? last : undefined;
}

/**
 * Whether `p` is a test the session leaves open (`lastLookAtEnd`), short of its last look, with no
 * confirmation run.
 */
export function isOpenAtEnd(st: SessionState, spec: SessionSpec, p: ProposalState): boolean {
  const last = lastLookAtEnd(st, spec, p);
  if (!last || last.n >= maxSeedsOf(spec, p)) return false;
  return !st.trials.some((t) => t.proposalId === p.id && t.purpose === 'confirm');
}

/**
 * Whether `p` (`lastLookAtEnd`) passed its decision test and the session ended before its held-out
 * confirmation gave a value: confirmation trials, all without a result. A confirmation stopped on
 * request is a loss (transitions/stop-request.ts), so no longer active.
 */
export function isCutOffPass(st: SessionState, spec: SessionSpec, p: ProposalState): boolean {
  if (p.verdict !== 'pending' || !lastLookAtEnd(st, spec, p)) return false;
  const top = String(topRung(spec));
  const confirms = st.trials.filter((t) => t.proposalId === p.id && t.purpose === 'confirm');
  return confirms.length > 0 && !confirms.some((t) => Number.isFinite(t.results[top]));
}

interface StoredProposal {
  id: string;
  title?: unknown;
  hypothesis?: unknown;
  source?: unknown;
  expectedEffect?: unknown;
  change?: { kind?: unknown; set?: unknown };
  key?: unknown;
  config?: TrainConfig;
  openAtEnd?: unknown;
  passedAtEnd?: unknown;
  maxSeeds?: unknown;
  looks?: Array<{ n?: unknown; p?: unknown; delta?: unknown }>;
}

/**
 * The open tests a new session on `base` at `spec`'s rungs continues, unchecked (see the file comment
 * for which session), each with the number of looks it was planned with. Empty when that session
 * tested at another level.
 */
export function openTestsOf(
  past: PastSession[],
  base: TrainConfig,
  spec: Pick<SessionSpec, 'rungTokens' | 'alpha'>,
): CarriedTest[] {
  const hash = configHash(base);
  const top = spec.rungTokens.length - 1;
  const continued = new Set<string>();
  for (const s of past.slice(0, HISTORY_SESSIONS)) {
    const carried = s.spec.carriedTests;
    for (const c of Array.isArray(carried) ? (carried as CarriedTest[]) : [])
      continued.add(`${c.session}/${c.proposalId}`);
    const st = s.state as {
      finished?: boolean;
      base?: string;
      proposals?: StoredProposal[];
      trials?: TrialState[];
    };
    const rungs = s.spec.rungTokens;
    if (!st.finished || !Array.isArray(rungs) || rungs.join() !== spec.rungTokens.join()) continue;
    const proposals = st.proposals ?? [];
    const last = proposals.find((p) => p.id === (st.base ?? BASELINE))?.config;
    if (!last || configHash(last) !== hash) continue;
    if (s.spec.alpha !== spec.alpha) return [];
    const planned = Number(s.spec.maxSeeds);
    return proposals
      .filter((p) => p.openAtEnd === true && p.change?.kind === 'config' && !continued.has(`${s.id}/${p.id}`))
      .flatMap((p) => {
        const runs = decisionRuns(st.trials ?? [], p.id, top);
        // kept for the record only (stats/sequential.ts reads none of them): finite numbers or nothing
        const looks = (p.looks ?? [])
          .map((l) => ({ n: Number(l.n), p: Number(l.p), delta: Number(l.delta) }))
          .filter(
            (l) => Number.isInteger(l.n) && l.n >= 1 && Number.isFinite(l.p) && Number.isFinite(l.delta),
          );
        if (!looks.length || looks[looks.length - 1].n !== runs.size || looks.length > 20) return [];
        // a cut-off pass: a new test on its runs, one look at all of them (see the file comment)
        const passed = p.passedAtEnd === true;
        // its own schedule: a test continued once keeps the one it brought (state.ts `maxSeedsOf`)
        const maxSeeds = passed ? runs.size : p.maxSeeds === undefined ? planned : Number(p.maxSeeds);
        if (!Number.isInteger(maxSeeds) || maxSeeds > 20 || (!passed && maxSeeds <= runs.size)) return [];
        const set = p.change?.set;
        if (!set || typeof set !== 'object' || Array.isArray(set)) return [];
        const test: CarriedTest = {
          session: s.id,
          proposalId: p.id,
          title: String(p.title ?? p.id).slice(0, 300),
          hypothesis: String(p.hypothesis ?? '').slice(0, 4000),
          source: String(p.source ?? 'unknown').slice(0, 40),
          expectedEffect: Number.isFinite(p.expectedEffect) ? Number(p.expectedEffect) : 0,
          set: set as Record<string, unknown>,
          key: String(p.key ?? ''),
          looks,
          maxSeeds,
          runs: [...runs].map(([seed, r]) => ({ seed, rung: top, ...r, session: s.id })),
          ...(passed ? { passed: true as const } : {}),
        };
        return [test];
      })
      .slice(0, CARRIED_TESTS_MAX);
  }
  return [];
}

/** A continued test placed in a new session, or why it could not be. */
export type Continued =
  | { test: CarriedTest; proposal: ProposalState; carried: TrialState[]; next: TrialState[] }
  | { test: CarriedTest; reason: string };

/**
 * Places the spec's carried tests on a new session's draft (after its baseline trials): each change
 * admitted again on the base, as a candidate whose decision trials are the carried runs (done at the
 * top rung, no FLOPs), whose earlier looks are kept as carried (stats/sequential.ts reads none), and
 * whose next seed is scheduled at once (next-seed.ts `nextSeedTrials`). A cut-off pass keeps no look
 * and gets no seed: its one look here is taken on the carried runs once its base is ready.
 */
export function continueTests(
  st: SessionState,
  spec: SessionSpec,
  baseConfig: TrainConfig,
  now: string,
): Continued[] {
  const top = topRung(spec);
  return spec.carriedTests.map((test): Continued => {
    const prop = {
      title: test.title,
      hypothesis: test.hypothesis,
      change: { kind: 'config' as const, set: test.set },
      expectedEffect: test.expectedEffect,
      source: test.source,
    };
    const a = admitProposal(prop, baseConfig, {
      searchSpace: spec.searchSpace,
      noiseKeys: spec.noiseKeys,
      triedKeys: new Map(),
    });
    if (!a.ok) return { test, reason: a.reason };
    if (a.key !== test.key) return { test, reason: 'on this base the change is another config' };
    const maxSeeds = maxSeedsOf(spec, test);
    if (!test.passed && test.runs.length >= maxSeeds) return { test, reason: 'it has no look left' };
    const id = nextProposalId(st);
    st.nextProposal++;
    const proposal: ProposalState = {
      id,
      ...prop,
      cost: a.cost,
      key: a.key,
      config: a.config,
      status: 'active',
      createdAt: now,
      baseId: BASELINE,
      looks: test.passed ? [] : test.looks.map((l) => ({ ...l, carried: true })),
      continues: { session: test.session, proposalId: test.proposalId },
      ...(maxSeeds !== spec.maxSeeds ? { maxSeeds } : {}),
    };
    st.proposals.push(proposal);
    const carried = test.runs.map((r) => {
      const t = newTrial(st, id, r.seed, 'seeds', top);
      t.results[String(top)] = r.value;
      t.rungRuns[String(top)] = r.runId;
      t.runIds.push(r.runId);
      t.status = 'done';
      t.note = `carried from session ${r.session} (${test.proposalId})`;
      return t;
    });
    return { test, proposal, carried, next: test.passed ? [] : nextSeedTrials(st, spec, id) };
  });
}
