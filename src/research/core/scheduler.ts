/**
 * What runs next. Pure functions over (state, spec): the session loop asks `nextWork` whenever a slot
 * is free (a trial's steps between rungs are trial-steps.ts). Order of priority:
 *   1. base seeds (the noise floor everything is judged against), lowest rung first (cheapest first)
 *   1b. the size ladder, once it is due (core/ladder-state.ts: its runs are kept free until then)
 *   2. confirmation re-runs of a candidate win (held-out seeds)
 *   3. extra seeds of a proposal still ambiguous at the top rung (conclude.ts, sequential looks), then
 *      the ablation arms of a confirmed multi-knob win (core/ablation.ts; the endgame reserve keeps room)
 *   4. promoted trials, highest rung first (finish what is promising)
 *   5. new ideas at their first rung (spec.ts `exploreRung`), in proposal order
 * Nothing is started that cannot finish before the session's deadline.
 */
import { ablationReserveRuns } from './ablation.ts';
import { baseOf, isBaseId } from './base.ts';
import { BASELINE, proposalOf, type ProposalState, type SessionState, type TrialState } from './state.ts';
import { topRung, type SessionSpec } from './spec.ts';
import { estimateSeconds, runCost } from './run-cost.ts';
import { ladderReserve, ladderWork } from './ladder-state.ts';
import { heldBy, inflightOf } from './inflight.ts';

export interface WorkItem {
  trial: TrialState;
  rung: number;
  tokens: number; // the run's token budget (cumulative when resuming)
  resumeFrom?: string; // checkpoint to resume from (WSD promotion)
  estSeconds: number;
  flopsScale?: number; // FLOPs per token relative to the base config (a ladder size's larger model)
}

function itemFor(state: SessionState, spec: SessionSpec, t: TrialState): WorkItem {
  if (t.purpose === 'ladder') return { trial: t, rung: t.rung, ...ladderWork(state, spec, t) };
  const p = proposalOf(state, t.proposalId);
  const tokens = spec.rungTokens[t.rung];
  const resumable = p.config.schedule.name === 'wsd' && t.stableCheckpoint && t.rung > t.startRung;
  const resumeFrom = resumable ? t.stableCheckpoint : undefined;
  const doneTokens = resumeFrom ? (t.stableTokens ?? 0) : 0;
  return {
    trial: t,
    rung: t.rung,
    tokens,
    resumeFrom,
    estSeconds: estimateSeconds(state, spec, tokens - doneTokens, p.cost),
  };
}

// ablation of a confirmed win comes before new ideas: a short session still takes its best win apart
const RANK: Record<string, number> = {
  baseline: 0,
  ladder: 0.5,
  confirm: 1,
  seeds: 2,
  ablation: 2.5,
  explore: 3,
  study: 3,
};

/** Full-budget runs the endgame keeps free: a candidate's seeds, its paired confirmation, and ablation. */
const endgameRuns = (spec: SessionSpec, state?: SessionState, perToken?: number) =>
  spec.candidateSeeds + 2 * spec.confirmSeeds + (state ? ablationReserveRuns(state, spec, perToken) : 0);

/** Wall seconds of `runs` full-budget runs of the base config, `parallel` at a time. */
const topRunSeconds = (state: SessionState, spec: SessionSpec, runs: number, parallel: number) =>
  Math.ceil(runs / Math.max(1, parallel)) * estimateSeconds(state, spec, spec.rungTokens[topRung(spec)], 1);

/**
 * Seconds to keep free for the endgame: a candidate's own full-budget run, its extra seeds and the
 * paired confirmation (candidate and baseline), `parallel` at a time. New ideas only start when they
 * leave this much; without it a session explores until the deadline and never judges anything.
 */
export function endgameReserve(
  state: SessionState,
  spec: SessionSpec,
  parallel: number,
  perToken?: number,
): number {
  return topRunSeconds(state, spec, endgameRuns(spec, state, perToken), parallel);
}

/** FLOPs a work item will compute (a resumed WSD promotion only trains the tokens after its checkpoint). */
export function itemFlops(state: SessionState, item: WorkItem, perToken: number): number {
  const done = item.resumeFrom ? (item.trial.stableTokens ?? 0) : 0;
  const cost = runCost(proposalOf(state, item.trial.proposalId).cost);
  return Math.max(0, item.tokens - done) * cost * perToken * (item.flopsScale ?? 1);
}

/** What is left of a FLOPs budget, for the FLOPs side of the endgame reserve. */
export interface FlopsLeft {
  left: number;
  perToken: number; // FLOPs per token of the base config (cost 1)
}

/** FLOPs to keep free for the endgame: the same runs as `endgameReserve`, all at the top rung. */
export function endgameReserveFlops(spec: SessionSpec, perToken: number, state?: SessionState): number {
  return endgameRuns(spec, state, perToken) * spec.rungTokens[topRung(spec)] * perToken;
}

/**
 * The next trial to start, or undefined. `secondsLeft` = time to the session deadline; `flops`, when the
 * session has a FLOPs budget, what is left of it. `reserve: false` lets fresh ideas use the endgame
 * reserve (the session does so when nothing is in flight that could still need it).
 */
export function nextWork(
  state: SessionState,
  spec: SessionSpec,
  secondsLeft: number,
  parallel = spec.parallel,
  opts: { flops?: FlopsLeft; reserve?: boolean } = {},
): WorkItem | undefined {
  const top = topRung(spec);
  const keep = opts.reserve !== false;
  const reserve =
    keep && Number.isFinite(secondsLeft) ? endgameReserve(state, spec, parallel, opts.flops?.perToken) : 0;
  const flops = opts.flops;
  const reserveFlops = keep && flops ? endgameReserveFlops(spec, flops.perToken, state) : 0;
  // The ladder's runs stay free until it is due (every other run leaves them, not only fresh ideas).
  const ladder = ladderReserve(state, spec, parallel);
  // Candidates already ahead keep their remaining seeds and confirmation free (core/inflight.ts), and
  // explore trials of ideas a likely new base would supersede wait for its verdict.
  const { ahead, runs, own, likely } = keep
    ? inflightOf(state, spec)
    : { ahead: new Set(), runs: 0, own: new Map<string, number>(), likely: [] };
  // what the in-flight candidates need, less what this trial's own candidate needs (it is one of them)
  const inflightFor = (t: TrialState) => {
    const r = runs - (own.get(t.proposalId) ?? 0);
    return {
      seconds: Number.isFinite(secondsLeft) ? topRunSeconds(state, spec, r, parallel) : 0,
      flops: flops ? r * spec.rungTokens[top] * flops.perToken : 0,
    };
  };
  const holdArms = mayMoveBase(state, likely, own); // the engine's ablation arms wait (`byEngine`)
  const pending = state.trials
    .filter((t) => t.status === 'pending')
    .sort(
      (a, b) =>
        RANK[a.purpose] - RANK[b.purpose] ||
        // a study's points run in the order they were proposed (a best guess at the top goes first)
        (a.purpose === 'explore' ? b.rung - a.rung : a.purpose === 'study' ? 0 : a.rung - b.rung) ||
        Number(a.id.slice(1)) - Number(b.id.slice(1)),
    );
  for (const t of pending) {
    const p = proposalOf(state, t.proposalId);
    const rungs = t.purpose !== 'ladder'; // a ladder trial climbs a concluded win
    // concluded or dropped: nothing left to learn, unless it is (or was) a base others are judged against
    if (rungs && p.status !== 'active' && !isBaseId(state, p.id)) continue;
    // a base's half of a look's pair, once its candidate has a verdict (or was dropped): nothing to pair
    if (t.pairOf && proposalOf(state, t.pairOf).status !== 'active') continue;
    if (heldBy(state, likely, t)) continue;
    if (t.purpose === 'ablation' && holdArms && byEngine(state, t)) continue;
    if (!fillerWanted(state, spec, t)) continue;
    const item = itemFor(state, spec, t);
    const keepLadder = rungs ? ladder : { seconds: 0, flops: 0 };
    // Only fresh ideas wait on the endgame reserve: a promoted trial is already on its way to the
    // endgame. Everything but the ahead candidates' own trials, confirmations and the base's decision
    // seeds leaves what those candidates still need (a fresh idea the larger of the two).
    // (an idea sent straight to the full budget, a stack or a follow-up, is on its way to the endgame)
    const fresh = startsIdea(t) && !(t.purpose === 'explore' && t.rung === top);
    const protectedWork =
      ahead.has(t.proposalId) ||
      t.purpose === 'confirm' ||
      t.purpose === 'ladder' || // the ladder keeps its own reserve (core/ladder-state.ts)
      (t.purpose === 'baseline' && t.untilRung === undefined);
    const inflight = inflightFor(t);
    const keepSeconds = fresh ? Math.max(reserve, inflight.seconds) : protectedWork ? 0 : inflight.seconds;
    if (item.estSeconds + keepSeconds + keepLadder.seconds > secondsLeft) continue;
    // Nothing starts that the FLOPs budget cannot pay for; the same reserves apply.
    const keepFlops = fresh ? Math.max(reserveFlops, inflight.flops) : protectedWork ? 0 : inflight.flops;
    const partner = flops ? pairedHalf(state, t) : undefined;
    const flopsNeeded =
      itemFlops(state, item, flops?.perToken ?? 0) +
      (partner ? itemFlops(state, itemFor(state, spec, partner), flops?.perToken ?? 0) : 0) +
      keepLadder.flops;
    if (flops && flopsNeeded + keepFlops > flops.left) continue;
    return item;
  }
  return undefined;
}

/**
 * Whether an ablation arm belongs to a study the engine started itself (transitions/ablated.ts
 * `ablateOnWin`). Such arms wait while a candidate may move the base (`mayMoveBase`): if it does, the
 * study may be stopped (`stopLeftBehind`). Found in bench/research-efficiency regime (a) at 96 full
 * runs (BENCHMARKS.md): the screened stack's arms ran before its pace check, which then became the
 * base. The wait is lifted with the rest of the reserve (`reserve: false`), and the arms' runs stay in
 * the endgame reserve (ablation.ts `ablationReserveRuns`). A study the researcher asked for runs as asked.
 */
function byEngine(state: SessionState, t: TrialState): boolean {
  return (state.ablations ?? []).some(
    (s) => s.by === 'engine' && s.arms.some((a) => a.proposalId === t.proposalId),
  );
}

/**
 * A candidate on the current base that may move it (core/inflight.ts): clearly ahead (`likely`), or
 * sent to the full budget before any look by the engine or a trusted design (a first trial of purpose
 * 'seeds': a carried stack, a screen's stack or pace check; `Proposal.runAs`, which no LLM tool sets).
 * Not an idea that merely starts at the top (a one-rung session's), nor one merely ahead: otherwise a
 * researcher that keeps ideas coming would keep its wins from ever being taken apart (attack
 * `ablation-hold`, test/security/).
 */
function mayMoveBase(
  state: SessionState,
  likely: readonly ProposalState[],
  own: Map<string, number>,
): boolean {
  if (likely.length > 0) return true;
  return [...own.keys()].some((id) => state.trials.find((t) => t.proposalId === id)?.purpose === 'seeds');
}

/**
 * Whether a re-based base's lower-rung seed (core/rebase.ts: a 'baseline' trial of a proposal that is
 * not the session's first baseline) may start: only once an idea judged against that base has started
 * below the top (an explore trial or a study point), the only trials its values are compared with. Every
 * other trial may. Found in regime (a) of bench/research-efficiency: the fillers ran the moment the
 * re-base happened, before the researcher had proposed anything, and took 0.67 of a full run from a
 * follow-up sent straight to the top, whose held-out confirmation then did not fit. Later, with ideas
 * proposed but waiting on the endgame reserve (a candidate at the full budget kept what it needed), the
 * fillers ran for them, ahead of them, and left too little for any to start: 0.67 of a full run that
 * nothing read. An idea that starts first runs against the previous base's band, the laxer one
 * (core/base.ts `bandBases`), until the filler ends.
 */
function fillerWanted(state: SessionState, spec: SessionSpec, t: TrialState): boolean {
  // a base's run of a candidate's seed at the top (next-seed.ts `nextSeedTrials`) is no filler
  if (t.purpose !== 'baseline' || t.proposalId === BASELINE || t.pairOf !== undefined) return true;
  const top = topRung(spec);
  return state.trials.some(
    (x) =>
      (x.purpose === 'explore' || x.purpose === 'study') &&
      x.startRung < top &&
      x.status !== 'pending' &&
      x.status !== 'cancelled' &&
      baseOf(state, x.proposalId) === t.proposalId,
  );
}

/**
 * The other half of a pair that has not started yet (a candidate's run and its base's on the same seed:
 * a held-out confirmation, or a paired look's seed, next-seed.ts `nextSeedTrials`), or undefined. Under a
 * FLOPs budget a half starts only when the budget pays for both: one half alone is judged against
 * nothing. Found in regime (a) of bench/research-efficiency: a candidate's held-out run started with
 * 1.45 full runs left, and its base's half then did not fit.
 */
function pairedHalf(state: SessionState, t: TrialState): TrialState | undefined {
  let half: ((x: TrialState) => boolean) | undefined;
  if (t.purpose === 'confirm')
    half = isBaseId(state, t.proposalId)
      ? (x) => x.purpose === 'confirm' && baseOf(state, x.proposalId) === t.proposalId
      : (x) => x.purpose === 'confirm' && x.proposalId === baseOf(state, t.proposalId);
  else if (t.purpose === 'seeds') half = (x) => x.pairOf === t.proposalId;
  else if (t.pairOf) half = (x) => x.purpose === 'seeds' && x.proposalId === t.pairOf;
  return half && state.trials.find((x) => x !== t && x.seed === t.seed && x.status === 'pending' && half(x));
}

/** A trial that starts an idea: an explore trial at its first rung, or a study point. */
const startsIdea = (t: TrialState) =>
  (t.purpose === 'explore' && t.rung === t.startRung) || t.purpose === 'study';

/** Pending trials that start an idea (the researcher is asked for more when this runs low). */
export function queuedIdeas(state: SessionState): number {
  return state.trials.filter((t) => t.status === 'pending' && startsIdea(t)).length;
}
