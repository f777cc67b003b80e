/**
 * The noise floor earlier sessions already paid for. A session's noise floor is the seed spread within
 * configs at the full budget (conclude.ts `pooledNoise`); earlier sessions of the same config family
 * measured the same thing. Their within-config spreads at the same top-rung budget are pooled into a new
 * session's floor, so it need not buy them again (it then starts with fewer baseline seeds: setup.ts).
 *
 * Same family: same data, same trainer, same model shape and batch, same top-rung token budget — the
 * things seed noise depends on; other knobs (LR, decay, …) differ between configs, which is why only
 * within-config spreads are pooled. The family is asked of each earlier config, not of the session it
 * ran in: the next session starts from the last one's winner, a config the last session ran (its
 * decision seeds and confirmation) though it started from another model. How much history is trusted
 * is capped (HISTORY_DF_CAP degrees of freedom from at most HISTORY_SESSIONS newest sessions): the
 * noise of a machine or a code version can drift, and the session's own seeds must still be able to
 * outvote it. The base's own mean always comes from its own >= 2 seeds.
 *
 * One run per config and seed: a config is its hash, and the same config run on the same seed in two
 * sessions is one observation, not two (the reference trainer is deterministic on CPU, so the second
 * run repeats the first to the last digit). The common case is the next session starting from the
 * last one's base: its baseline seeds re-run what the last session ran as that stack's decision seeds.
 * Counted twice, those runs added degrees of freedom that carried no information, and the floor's t
 * reference was narrower than the data behind it. So the history keeps its runs (`HistoryNoise.runs`),
 * and the session merges them with its own by config and seed (conclude.ts `pooledNoise`).
 */
import { canonicalJson, configHash } from '../../config/resolve.ts';
import type { TrainConfig } from '../../config/train-config.ts';
import { pooledWithin, seedRunKey, type SeedObs } from '../../stats/seed-blocks.ts';
import { JUDGED_PURPOSES } from './conclude.ts';
import { BASELINE } from './state.ts';

export const HISTORY_DF_CAP = 12;
export const HISTORY_SESSIONS = 5;
/** History with at least this many df covers the noise: the baseline may start with 2 seeds. */
export const HISTORY_COVERS_DF = 6;
/** The most earlier runs the seed-blocked test borrows (each is one row of its fit). */
export const HISTORY_SEED_RUNS = 48;

export interface HistoryNoise {
  sd: number;
  df: number; // capped at HISTORY_DF_CAP
  sessions: string[]; // where it came from (the journal says so too)
  configs: number; // how many configs contributed a spread
  /** The runs behind it, one per config (by hash) and seed, of configs with two seeds or more. */
  runs: SeedObs[];
}

/** What seed noise depends on: data, trainer, model shape, batch, and the full budget in tokens. */
export function noiseFamily(config: TrainConfig, topTokens: number): string {
  return canonicalJson({
    ...dataAndTrainer(config),
    model: config.model,
    batchTokens: config.train.batchTokens,
    topTokens,
  });
}

/** The dataset (by its folder's name) and the trainer (its spec's name, or its command's file names). */
function dataAndTrainer(config: TrainConfig): { data: string | null; trainer: unknown } {
  const t = config.trainer as Record<string, unknown> & { spec?: { name?: string }; command?: unknown };
  const cmd = Array.isArray(t.command) ? t.command.map((a) => String(a).split(/[\\/]/).pop()) : undefined;
  return { data: config.data.dir?.split(/[\\/]/).pop() ?? null, trainer: t.spec?.name ?? cmd ?? null };
}

/** A stored session as this needs it (the store's SessionRecord: spec and state are JSON). */
export interface PastSession {
  id: string;
  spec: Record<string, unknown>;
  state: Record<string, unknown>;
}

/**
 * Within-config spreads of earlier sessions of this family, newest first, one run per config and seed
 * (the newest session's), capped; undefined if none.
 */
export function historyNoise(
  past: PastSession[],
  config: TrainConfig,
  topTokens: number,
): HistoryNoise | undefined {
  const family = noiseFamily(config, topTokens);
  const byRun = new Map<string, SeedObs>();
  const sessions: string[] = [];
  let df = 0;
  for (const s of past) {
    if (sessions.length >= HISTORY_SESSIONS || df >= HISTORY_DF_CAP) break;
    const top = topOf(s, topTokens);
    if (top === undefined) continue;
    for (const o of sessionRuns(s, top, (c) => noiseFamily(c, topTokens) === family)) {
      const k = seedRunKey(o);
      if (!byRun.has(k)) byRun.set(k, o);
    }
    const now = pooledWithin([...byRun.values()]).df;
    if (now > df) sessions.push(s.id);
    df = now;
  }
  // the newest runs up to the cap, a config's spread whole where it fits (each seed past its first is a df)
  const byGroup = new Map<string, SeedObs[]>();
  for (const o of byRun.values()) byGroup.set(o.group, [...(byGroup.get(o.group) ?? []), o]);
  const runs: SeedObs[] = [];
  let configs = 0;
  let kept = 0;
  for (const g of byGroup.values()) {
    const room = HISTORY_DF_CAP - kept;
    if (g.length < 2 || room < 1) continue;
    const take = g.slice(0, room + 1);
    runs.push(...take);
    kept += take.length - 1;
    configs++;
  }
  const w = pooledWithin(runs);
  if (w.df < 1 || !(w.sd > 0)) return undefined;
  return { sd: w.sd, df: w.df, sessions, configs, runs };
}

/** The key of a stored session's top rung when its full budget is `topTokens`; undefined if not. */
function topOf(s: PastSession, topTokens: number): string | undefined {
  const rungs = s.spec.rungTokens as number[] | undefined;
  if (!Array.isArray(rungs) || rungs[rungs.length - 1] !== topTokens) return undefined;
  return String(rungs.length - 1);
}

/**
 * What a seed's shared part depends on: the data and its order (dataset, trainer, batch, sequence
 * length; the reference trainer draws the order from the seed: trainers/gpt/harness.py) and the full
 * budget. Not the rest of the model: a re-based session's base differs from the last one's, yet its
 * seeds read the same batches. Each earlier config is its own group in the fit, so what differs
 * between configs is never mistaken for a seed's effect.
 */
export function seedFamily(config: TrainConfig, topTokens: number): string {
  return canonicalJson({
    ...dataAndTrainer(config),
    seqLen: config.model.seqLen,
    batchTokens: config.train.batchTokens,
    topTokens,
  });
}

/**
 * Earlier sessions' full-budget runs of this seed family with their seeds, for the seed-blocked test
 * (stats/seed-blocks.ts, fed by conclude.ts): a seed's data order is the same in every session, so
 * runs of other configs on the seeds this session uses tell how much of the seed spread the seed
 * itself carries, which one session's few full runs cannot. Each earlier config is its own group, by
 * its hash (conclude.ts `seedGroup`): the same config re-run on a seed in a later session is the same
 * observation, not a second one. Config changes and the
 * baseline only (an agent's code, and the engine's ablation arms, stay out), newest sessions first,
 * capped by HISTORY_SESSIONS and HISTORY_SEED_RUNS.
 */
export function historySeedRuns(past: PastSession[], config: TrainConfig, topTokens: number): SeedObs[] {
  const family = seedFamily(config, topTokens);
  const out: SeedObs[] = [];
  let sessions = 0;
  for (const s of past) {
    if (sessions >= HISTORY_SESSIONS || out.length >= HISTORY_SEED_RUNS) break;
    const top = topOf(s, topTokens);
    if (top === undefined) continue;
    const before = out.length;
    out.push(...sessionRuns(s, top, (c) => seedFamily(c, topTokens) === family));
    if (out.length > before) sessions++;
  }
  return out.slice(0, HISTORY_SEED_RUNS);
}

/**
 * A stored session's top-rung runs of configs in the family (`inFamily`, asked of each config, not of
 * the session's base: a session that re-based ran the next session's base config, and a candidate
 * that changed the batch read other batches on its seeds), each with its seed and its config's hash as
 * its group: the baseline and config changes (an agent's code, and the engine's ablation arms, stay
 * out), judged purposes only (a ladder's larger models and an ablation's arms are other measurements),
 * and integer seeds with finite values.
 */
function sessionRuns(s: PastSession, top: string, inFamily: (c: TrainConfig) => boolean): SeedObs[] {
  const configs = configRunsOf(s, inFamily);
  const out: SeedObs[] = [];
  for (const t of (s.state.trials as Array<{
    proposalId: string;
    seed: number;
    purpose: string;
    results: Record<string, number>;
  }>) ?? []) {
    const v = t.results?.[top];
    if (
      !configs.has(t.proposalId) ||
      !(JUDGED_PURPOSES as string[]).includes(t.purpose) ||
      !Number.isInteger(t.seed)
    )
      continue;
    if (typeof v === 'number' && Number.isFinite(v))
      out.push({ group: configs.get(t.proposalId)!, seed: t.seed, value: v });
  }
  return out;
}

/**
 * A stored session's proposals whose runs are runs of a config as the reference trainer ran it (the
 * baseline and config changes: an agent's code and the engine's ablation arms stay out), those whose
 * config `keep` accepts, by id, with their config's hash. Read by the noise history and the seed runs
 * (above) and by the base runs a new session carries (core/carried-base.ts).
 */
export function configRunsOf(s: PastSession, keep: (c: TrainConfig) => boolean): Map<string, string> {
  const proposals =
    (s.state.proposals as Array<{
      id: string;
      config?: TrainConfig;
      change?: { kind?: string };
      codeHash?: string;
      ablationOf?: string;
    }>) ?? [];
  return new Map(
    proposals
      .filter(
        (p) =>
          p.config &&
          !p.codeHash &&
          !p.ablationOf &&
          (p.id === BASELINE || p.change?.kind === 'config') &&
          keep(p.config),
      )
      .map((p) => [p.id, configHash(p.config!)]),
  );
}
