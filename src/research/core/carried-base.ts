/**
 * The base's runs an earlier session already made. The next session starts from the last one's base
 * (setup.ts `rememberedStart`): that config was run there, as the winner's decision seeds, its held-out
 * confirmation and the lower-rung seeds the re-base added (core/rebase.ts), or as the last session's
 * own baseline when nothing moved it. A new session measured it again on the same seeds at the same
 * rungs: on CPU the reference trainer is deterministic, so those runs repeated the earlier ones to the
 * last digit (about 2 x 1.44 full runs, 12-15 % of a 24-run session); on a GPU they were a second draw
 * of a measurement the session already had.
 *
 * So a session's baseline trials start with those runs (`SessionSpec.carriedBase`): one per seed and
 * rung, from the newest earlier session at exactly these rung budgets whose proposal had this config
 * (by hash), each checked against its stored run before it is carried (setup.ts `carriedBaseRuns`: the
 * value it recorded, the same seed, the same run config at that rung, the same trainer code, not
 * marked tampered). They cost nothing (a carried run adds no FLOPs), and the session runs only what
 * they lack.
 *
 * How they are placed: the session's own base seeds (seedBase + i) take the rungs carried for their
 * seed, lowest first up to the first gap, and the top rung wherever it is carried; a seed whose top is
 * carried but a lower rung is missing climbs only to the rung below the top (like a re-base's filler).
 * Other seeds carried at the top rung (the winner's held-out confirmation, its base's re-runs there)
 * join as finished base seeds and count toward the base's seeds: a third base seed with nothing
 * carried is not bought when they already make up the number. Like a re-based winner's runs inside
 * one session, the winner's decision seeds are the ones that looked good: they sit on the optimistic
 * side, which makes the next candidate's comparison harder, never easier; its held-out confirmation
 * pulls the mean back.
 */
import { configHash } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { configRunsOf, HISTORY_SESSIONS, type PastSession } from './noise-history.ts';
import { LOWER_RUNG_SEEDS } from './rebase.ts';
import { newTrial } from './trial-steps.ts';
import { CARRIED_MAX, topRung, type CarriedRun, type SessionSpec } from './spec.ts';
import { BASELINE, type SessionState, type TrialState } from './state.ts';

/** Extra top-rung seeds a session carries beyond its own base seeds. */
export const CARRIED_EXTRA_SEEDS = 4;
/**
 * Base seeds a session has through every rung (seedBase, seedBase + 1): the band and successive
 * halving's force-promotion need that many values at each lower rung, the compute multiplier's
 * bootstrap two per budget, and the screen's row 0 is the base on seedBase. The others run the top
 * rung only, where the decisions are: a third seed through the lower rungs cost 0.44 of a full run
 * (regime (a) of bench/research-efficiency) for values nothing needs.
 */
const OWN_SEEDS_MIN = LOWER_RUNG_SEEDS;

interface StoredTrial {
  proposalId: string;
  seed: number;
  purpose: string;
  results?: Record<string, number>;
  rungRuns?: Record<string, string>;
}

/**
 * Earlier runs of `config` at exactly `rungTokens`, newest session first, one per seed and rung, with
 * the run that produced each value: the baseline and config changes (never an agent's code or an
 * ablation arm), every purpose but the ladder's (a larger model). Candidates only: setup.ts checks each
 * against its stored run before a session carries it.
 */
export function carriedCandidates(
  past: PastSession[],
  config: TrainConfig,
  rungTokens: readonly number[],
): CarriedRun[] {
  const hash = configHash(config);
  const byKey = new Map<string, CarriedRun>();
  let sessions = 0;
  for (const s of past) {
    if (sessions >= HISTORY_SESSIONS) break;
    const rungs = s.spec.rungTokens as number[] | undefined;
    if (!Array.isArray(rungs) || rungs.join() !== rungTokens.join()) continue;
    const ids = configRunsOf(s, (c) => configHash(c) === hash);
    if (!ids.size) continue;
    sessions++;
    for (const t of (s.state.trials as StoredTrial[] | undefined) ?? []) {
      if (!ids.has(t.proposalId) || t.purpose === 'ladder' || !Number.isInteger(t.seed)) continue;
      for (const [rung, value] of Object.entries(t.results ?? {})) {
        const runId = t.rungRuns?.[rung];
        const r = Number(rung);
        if (!Number.isInteger(r) || r < 0 || r >= rungs.length) continue;
        if (typeof value !== 'number' || !Number.isFinite(value) || typeof runId !== 'string') continue;
        const key = `${t.seed}@${r}`;
        if (!byKey.has(key)) byKey.set(key, { seed: t.seed, rung: r, value, runId, session: s.id });
      }
    }
  }
  return [...byKey.values()];
}

/** The session's own base seeds: seedBase + i for each of its `baselineSeeds`. */
const ownSeeds = (spec: Pick<SessionSpec, 'seedBase' | 'baselineSeeds'>): number[] =>
  Array.from({ length: spec.baselineSeeds }, (_, i) => spec.seedBase + i);

/**
 * The runs a session can place (see the file comment), at most CARRIED_MAX: its own base seeds' rungs
 * first, then other seeds' top rung, lowest seed first.
 */
export function placeable(
  runs: readonly CarriedRun[],
  spec: Pick<SessionSpec, 'rungTokens' | 'seedBase' | 'baselineSeeds'>,
): CarriedRun[] {
  const top = topRung(spec);
  const own = new Set(ownSeeds(spec));
  const at = (seed: number, rung: number) => runs.find((r) => r.seed === seed && r.rung === rung);
  const out: CarriedRun[] = [];
  for (const seed of own) {
    for (let r = 0; r < top && at(seed, r); r++) out.push(at(seed, r)!);
    const t = at(seed, top);
    if (t) out.push(t);
  }
  const extra = runs
    .filter((r) => r.rung === top && !own.has(r.seed))
    .sort((a, b) => a.seed - b.seed)
    .slice(0, CARRIED_EXTRA_SEEDS);
  return [...out, ...extra].slice(0, CARRIED_MAX);
}

/**
 * The baseline's first trials (on the draft of a new session): its base seeds, each with what was
 * carried for it, then the other carried seeds, finished at the top rung. A carried rung has its
 * value and its run, and adds no FLOPs. A base seed past the first two with nothing carried is left
 * out when the carried seeds already give the base its `baselineSeeds` values at the top: the last
 * winner's held-out confirmation is as good a seed as a new one (better: it was not picked for
 * looking good), and buying a third seed costs a full run.
 */
export function baselineTrials(st: SessionState, spec: SessionSpec): TrialState[] {
  const top = topRung(spec);
  const carried = placeable(spec.carriedBase, spec);
  const fill = (t: TrialState) => {
    const mine = carried.filter((r) => r.seed === t.seed).sort((a, b) => a.rung - b.rung);
    if (!mine.length) return;
    for (const r of mine) {
      t.results[String(r.rung)] = r.value;
      if (r.law !== undefined) (t.lawResults ??= {})[String(r.rung)] = r.law;
      t.rungRuns[String(r.rung)] = r.runId;
      t.runIds.push(r.runId);
    }
    const sessions = [...new Set(mine.map((r) => r.session))].join(', ');
    t.note = `carried from session ${sessions}: rung(s) ${mine.map((r) => r.rung).join(', ')}`;
    let next = t.startRung;
    while (next < top && t.results[String(next)] !== undefined) next++;
    const topDone = t.results[String(top)] !== undefined;
    if (next === top && topDone) {
      t.rung = top;
      t.status = 'done';
      return;
    }
    t.rung = next;
    if (topDone) t.untilRung = top - 1;
  };
  const own = ownSeeds(spec);
  const extra = [...new Set(carried.filter((r) => !own.includes(r.seed)).map((r) => r.seed))];
  const out: TrialState[] = [];
  for (const [i, seed] of own.entries()) {
    // a seed with nothing carried is bought only while the base's seeds at the top fall short
    const carriedHere = carried.some((r) => r.seed === seed);
    if (i >= OWN_SEEDS_MIN && !carriedHere && out.length + extra.length >= spec.baselineSeeds) continue;
    // past the first two, a seed's lower rungs would be read by nothing: it runs the top only
    const t = newTrial(st, BASELINE, seed, 'baseline', i >= OWN_SEEDS_MIN ? top : 0);
    fill(t);
    out.push(t);
  }
  for (const seed of extra) {
    const t = newTrial(st, BASELINE, seed, 'baseline', top);
    fill(t);
    out.push(t);
  }
  return out;
}

/** How `baselineTrials` spreads the base's seeds over the rungs, for the session's first journal entry. */
export function baselineSeedsText(spec: Pick<SessionSpec, 'rungTokens' | 'baselineSeeds'>): string {
  const every = Math.min(spec.baselineSeeds, OWN_SEEDS_MIN);
  if (spec.rungTokens.length === 1 || every === spec.baselineSeeds)
    return `${spec.baselineSeeds} seeds at every rung`;
  return `${spec.baselineSeeds} seeds at the top rung, ${every} of them at every rung`;
}
