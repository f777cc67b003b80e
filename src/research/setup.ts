/**
 * Setting a session up: where it starts (the best confirmed config from earlier sessions, or a
 * preset), and what it carries from them (their noise floor, base runs and open tests). How fast that
 * config trains here and the rung budgets that fit the session's budget are setup-plan.ts.
 */
import type { TrainConfig } from '../config/train-config.ts';
import { configHash } from '../config/resolve.ts';
import type { RunRecord, SessionRecord, Store } from '../store/base.ts';
import { HISTORY_COVERS_DF, historyNoise, historySeedRuns, type HistoryNoise } from './core/noise-history.ts';
import type { SeedObs } from '../stats/seed-blocks.ts';
import { carriedCandidates, placeable } from './core/carried-base.ts';
import { alsoResultOfRun, resultOfRun } from './core/trial-runs.ts';
import { openTestsOf } from './core/open-tests.ts';
import { admitProposal } from './core/proposals.ts';
import { SessionSpec, type CarriedRun, type CarriedTest } from './core/spec.ts';
import { rungRunConfig } from './io/run-trial.ts';
import { trainerCodeHash } from '../runs/run-dir.ts';

/**
 * The earlier sessions a new session learns from (newest first): its start, its plan, its noise floor
 * and its carried base runs all read these. The CLI lists them once and hands the list to each
 * (every row carries its whole state, so four listings cost four parses of it); alone, each lists them.
 */
export const pastSessions = (store: Store): Promise<SessionRecord[]> => store.listSessions({ limit: 50 });

/**
 * The next session's starting point: the last base of the newest session that re-based (its summary's
 * `baseline.config`, core/base.ts), or, when a newer session only found wins without re-basing (or
 * predates re-basing), of its confirmed findings that carry a full config the one with the largest
 * improvement (their effects share that session's baseline, so they compare). A win that flipped at a
 * larger size of its session's size ladder is not carried forward (README "Research sessions: the size
 * ladder"): neither as a finding nor as the base of a session whose best flipped.
 */
export async function rememberedStart(
  store: Store,
  past?: SessionRecord[],
): Promise<{ config: TrainConfig; source: string } | undefined> {
  const found = (await store.listFindings({ confirmed: true, limit: 50 })).filter(
    (f) => f.config && typeof f.config === 'object' && !f.scale?.ladder?.some((r) => r.verdict === 'flips'),
  );
  for (const s of past ?? (await pastSessions(store))) {
    const sum = s.summary as {
      baseline?: { proposalId?: string; config?: unknown };
      best?: { ladder?: { verdict?: string }[] };
    };
    const b = sum.baseline;
    const flipped = sum.best?.ladder?.some((r) => r.verdict === 'flips');
    if (b?.proposalId && b.proposalId !== 'baseline' && !flipped && b.config && typeof b.config === 'object')
      return { config: b.config as TrainConfig, source: `session:${s.id}:${b.proposalId}` };
    if (found.length && s.id === found[0].sessionId) break; // a newer session's findings come first
  }
  if (!found.length) return undefined;
  const newest = found.filter((f) => f.sessionId === found[0].sessionId);
  const best = newest.reduce((a, f) => ((f.effect ?? 0) < (a.effect ?? 0) ? f : a));
  return { config: best.config as TrainConfig, source: `finding:${best.id}` };
}

/**
 * The noise floor earlier sessions of this config family measured at this full budget (core/
 * noise-history.ts), and the baseline seeds a new session then needs: one fewer (at least 2, for the
 * base's own mean) when that history covers the noise. With it, their full-budget runs and seeds for
 * the seed-blocked test (`historySeedRuns`), when there are any.
 */
export async function sessionHistoryNoise(
  store: Store,
  config: TrainConfig,
  rungTokens: number[],
  baselineSeeds: number,
  sessions?: SessionRecord[],
): Promise<{ historyNoise?: HistoryNoise; historySeedRuns?: SeedObs[]; baselineSeeds: number }> {
  const past = sessions ?? (await pastSessions(store));
  const top = rungTokens[rungTokens.length - 1];
  const h = historyNoise(past, config, top);
  // the seed runs' family is wider (a re-based base is another noise family, same data order)
  const runs = historySeedRuns(past, config, top);
  return {
    ...(h ? { historyNoise: h } : {}),
    ...(runs.length ? { historySeedRuns: runs } : {}),
    baselineSeeds: h && h.df >= HISTORY_COVERS_DF ? Math.max(2, baselineSeeds - 1) : baselineSeeds,
  };
}

/**
 * The base config's runs earlier sessions made at exactly these rungs that a new session's baseline
 * starts with (core/carried-base.ts), each checked against its stored run: the result it stands for is
 * the one the session recorded (its trainer reached the budget: core/trial-runs.ts `resultOfRun`), on
 * its seed, the same run config at that rung as this session would launch
 * (io/run-trial.ts `rungRunConfig`, by hash: the session's eval settings, data and trainer command
 * included), its budget those rung tokens, and the same trainer code as a run launched now (a spec
 * trainer's: the files its snapshot plan takes, runs/run-dir.ts `trainerCodeHash`). Those the session's
 * baseline can place (core/carried-base.ts `placeable`).
 */
export async function carriedBaseRuns(
  store: Store,
  config: TrainConfig,
  rungTokens: number[],
  place: { seedBase: number; baselineSeeds: number },
  past?: SessionRecord[],
): Promise<CarriedRun[]> {
  const out: CarriedRun[] = [];
  for (const c of carriedCandidates(past ?? (await pastSessions(store)), config, rungTokens)) {
    const run = await storedRun(store, config, c, rungTokens);
    if (!run) continue;
    // below the top, its score on the top's eval size, read from the run itself (core/costed-runs.ts)
    const law =
      c.rung < rungTokens.length - 1
        ? alsoResultOfRun(run, config.train.finalEvalTokensPerDomain)
        : undefined;
    out.push(law === undefined ? c : { ...c, law });
  }
  return placeable(out, { rungTokens, ...place });
}

/**
 * Whether the store's run `c.runId` is what a carried value claims (`carriedBaseRuns`): the value the
 * trainer reached, on that seed, the run config this session would launch of `config` at that rung
 * at the same token budget, the same trainer code, not marked tampered.
 */
async function isStoredRun(
  store: Store,
  config: TrainConfig,
  c: CarriedRun,
  rungTokens: number[],
): Promise<boolean> {
  return (await storedRun(store, config, c, rungTokens)) !== undefined;
}

/** The store's run behind `c` when it is what `c` claims (`isStoredRun`), else undefined. */
async function storedRun(
  store: Store,
  config: TrainConfig,
  c: CarriedRun,
  rungTokens: number[],
): Promise<RunRecord | undefined> {
  const run = await store.getRun(c.runId);
  const want = rungRunConfig(config, {
    seed: c.seed,
    rung: c.rung,
    tokens: rungTokens[c.rung],
    cost: 1,
    rungTokens,
    baseFlopsPerToken: 0,
  });
  const ok =
    run !== undefined &&
    resultOfRun(run) === c.value &&
    run.seed === c.seed &&
    run.configHash === configHash(want) &&
    run.config.budget?.tokens === rungTokens[c.rung] &&
    run.codeHash === trainerCodeHash(config) &&
    !run.tags.tampered;
  return ok ? run : undefined;
}

/**
 * The tests the last session on `base` left open that this one continues (core/open-tests.ts): each
 * change, admitted again on `base`, must be the config it was tested as (its key), and every one of
 * its decision runs a stored run of that config (`isStoredRun`); a test with a run that is not is
 * left where it is. A change whose runs were FLOP-matched (a shape change of another cost) ran at a
 * FLOP budget, not at the rung's tokens, so its runs are never carried.
 */
export async function carriedTests(
  store: Store,
  base: TrainConfig,
  spec: Pick<SessionSpec, 'rungTokens' | 'alpha' | 'searchSpace' | 'noiseKeys'>,
  past?: SessionRecord[],
): Promise<CarriedTest[]> {
  const out: CarriedTest[] = [];
  for (const test of openTestsOf(past ?? (await pastSessions(store)), base, spec)) {
    const a = admitProposal({ ...test, change: { kind: 'config', set: test.set } }, base, {
      searchSpace: spec.searchSpace,
      noiseKeys: spec.noiseKeys,
      triedKeys: new Map(),
    });
    if (!a.ok || a.key !== test.key) continue;
    let all = true;
    for (const r of test.runs) all &&= await isStoredRun(store, a.config, r, spec.rungTokens);
    if (all) out.push(test);
  }
  return out;
}

/**
 * Everything a new session takes from the earlier sessions in its store (README "Research sessions"):
 * their noise floor at this budget and the baseline seeds that leaves to buy (`sessionHistoryNoise`),
 * the base's runs they made at these rungs (`carriedBaseRuns`), and the tests the last session on this
 * base left open (`carriedTests`). The CLI and bench/research-efficiency's back-to-back sessions both
 * set a session up with it.
 */
export async function fromEarlierSessions(
  store: Store,
  base: TrainConfig,
  plan: Pick<SessionSpec, 'rungTokens' | 'baselineSeeds' | 'alpha' | 'searchSpace'> & {
    seedBase?: number;
  },
  past?: SessionRecord[],
): Promise<{
  historyNoise?: HistoryNoise;
  historySeedRuns?: SeedObs[];
  baselineSeeds: number;
  carriedBase: CarriedRun[];
  carriedTests: CarriedTest[];
}> {
  const sessions = past ?? (await pastSessions(store));
  const noise = await sessionHistoryNoise(store, base, plan.rungTokens, plan.baselineSeeds, sessions);
  const seedBase = plan.seedBase ?? SessionSpec.shape.seedBase.parse(undefined);
  const carriedBase = await carriedBaseRuns(
    store,
    base,
    plan.rungTokens,
    { seedBase, baselineSeeds: noise.baselineSeeds },
    sessions,
  );
  const noiseKeys = SessionSpec.shape.noiseKeys.parse(undefined);
  const tests = await carriedTests(store, base, { ...plan, noiseKeys }, sessions);
  return { ...noise, carriedBase, carriedTests: tests };
}
