/**
 * A test a session leaves open is continued by the next session on the same base (core/open-tests.ts):
 * its decision runs come along, and the looks it took. A change with no effect that looked good on
 * its first seeds would like both to count for more than they are:
 *  - numbers planted in the stored session for its runs (a value its run record does not hold, a
 *    code experiment's runs claimed as the config change's, a run the guard marked tampered), to be
 *    carried as measured;
 *  - looks recorded there with tiny p-values, so that one more seed as far ahead passes.
 * Only a test whose every run matches its run record is carried, and the looks taken there are never
 * read: the continued test is judged on its looks here alone, by the union bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configHash, resolveConfig } from '../../../src/config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../../../src/config/search-space.ts';
import type { TrainConfig } from '../../../src/config/train-config.ts';
import { admitProposal } from '../../../src/research/core/proposals.ts';
import { SessionSpec, type CarriedTest } from '../../../src/research/core/spec.ts';
import { BASELINE } from '../../../src/research/core/state.ts';
import * as T from '../../../src/research/core/transitions.ts';
import { carriedTests } from '../../../src/research/setup.ts';
import type { Store } from '../../../src/store/base.ts';
import { openStore } from '../../../src/store/open.ts';
import { endRun, engineCtx } from '../../helpers/engine-port.ts';
import { testSpec } from '../../helpers/test-spec.ts';
import { storeRungRun } from '../../helpers/stored-run.ts';
import type { Attack } from '../attack.ts';

const RUNGS = [4096, 12288];
/**
 * Each of the change's runs, against a base at 1.99 / 2.00 / 2.01: ahead, short of a pass on three
 * seeds by its own looks (sequential p 0.11), a pass if the recorded looks were read (8e-12).
 */
const AHEAD = 1.98;
const base = resolveConfig({ preset: 'tiny' });
const PLAN = {
  rungTokens: RUNGS,
  maxSeeds: 5,
  alpha: 0.05,
  searchSpace: DEFAULT_SEARCH_SPACE,
  noiseKeys: SessionSpec.shape.noiseKeys.parse(undefined),
};

function changed(lr: number): TrainConfig {
  const a = admitProposal(
    {
      title: `lr ${lr}`,
      hypothesis: '',
      change: { kind: 'config', set: { 'optim.lr': lr } },
      expectedEffect: -0.01,
      source: 'x',
    },
    base,
    { searchSpace: DEFAULT_SEARCH_SPACE, noiseKeys: PLAN.noiseKeys, triedKeys: new Map() },
  );
  if (!a.ok) throw new Error(a.reason);
  return a.config;
}

/**
 * The stored runs and the old session claiming four open tests: one honest, three forged. With
 * `passed`, each also claims it had passed there and lost its confirmation to the session's end.
 */
async function plant(store: Store, passed = false): Promise<void> {
  const lrs = { honest: 0.0012, value: 0.0013, code: 0.0014, tampered: 0.0015 };
  const forgedLooks = [
    { n: 1, p: 1e-12, delta: -0.5, nBase: 3, seqP: 1e-12 },
    { n: 2, p: 1e-12, delta: -0.5, nBase: 3, seqP: 1e-12 },
  ];
  const proposals: unknown[] = [{ id: BASELINE, config: base, change: { kind: 'config', set: {} } }];
  const trials: unknown[] = [];
  for (const [i, [name, lr]] of Object.entries(lrs).entries()) {
    const config = changed(lr);
    const id = `p${i + 1}`;
    proposals.push({
      id,
      title: name,
      hypothesis: '',
      source: 'claude',
      expectedEffect: -0.01,
      change: { kind: 'config', set: { 'optim.lr': lr } },
      key: configHash(config),
      config,
      openAtEnd: true,
      ...(passed ? { passedAtEnd: true } : {}),
      looks: forgedLooks,
    });
    for (const seed of [1000, 1001]) {
      const runId = `${name}-${seed}`;
      const bad = seed === 1001 && name !== 'honest';
      await storeRungRun(store, config, RUNGS, {
        rung: 1,
        id: runId,
        seed,
        value: bad && name === 'value' ? 3.0 : AHEAD,
        ...(bad && name === 'code' ? { code: 'abc' } : {}),
        ...(bad && name === 'tampered' ? { tampered: true } : {}),
      });
      trials.push({ proposalId: id, seed, purpose: 'seeds', results: { 1: AHEAD }, rungRuns: { 1: runId } });
    }
  }
  await store.createSession({
    id: 'old',
    researcher: 'claude',
    executor: 'local',
    parallel: 1,
    spec: { baseConfig: base, rungTokens: RUNGS, maxSeeds: 5, alpha: 0.05 },
    state: { finished: true, proposals, trials },
  });
}

/**
 * The honest test continued in a one-rung session whose base sits at 2.00: its third seed comes in as
 * far ahead as the first two. Returns whether the session then took it for a pass (confirmation or win).
 */
function continued(test: CarriedTest): { passed: boolean; seqP: number | undefined } {
  const one = (r: CarriedTest['runs'][number]) => ({ ...r, rung: 0 });
  const ctx: T.EngineContext = {
    ...engineCtx,
    spec: testSpec(base, {
      researcher: 'claude',
      rungTokens: [9000],
      tokPerSec: 1000,
      startupSeconds: 1,
      carriedTests: [{ ...test, runs: test.runs.map(one) }],
    }),
  };
  let st = T.created(ctx, { now: '2026-01-01T00:00:00.000Z' }).state;
  for (const [i, t] of st.trials.filter((x) => x.proposalId === BASELINE).entries())
    st = endRun(st, t.id, 2 + (i - 1) * 0.01, ctx);
  const p = st.proposals.find((x) => x.continues)!;
  const next = st.trials.find((x) => x.proposalId === p.id && x.status === 'pending');
  if (!next && !test.passed) throw new Error('the continued test has no next seed');
  if (next) st = endRun(st, next.id, AHEAD, ctx);
  const q = st.proposals.find((x) => x.id === p.id)!;
  const confirm = st.trials.some((t) => t.proposalId === p.id && t.purpose === 'confirm');
  return { passed: confirm || q.verdict === 'win', seqP: q.looks?.[q.looks.length - 1]?.seqP };
}

/** Plant, carry, continue: what the honest test's continuation passed, or what was wrongly carried. */
async function attempt(passed: boolean): Promise<{ succeeded: boolean; detail: string }> {
  const home = mkdtempSync(join(tmpdir(), 'fw-atk-open-'));
  const store = await openStore({ home });
  try {
    await plant(store, passed);
    const tests = await carriedTests(store, base, PLAN);
    const names = tests.map((t) => t.title);
    if (!names.includes('honest'))
      throw new Error(`control failed: the honest test was not carried: ${JSON.stringify(names)}`);
    const forged = names.filter((n) => n !== 'honest');
    if (forged.length) return { succeeded: true, detail: `carried forged runs of ${forged.join(', ')}` };
    const honest = tests.find((t) => t.title === 'honest')!;
    const r = continued(honest);
    const how = passed ? 'judged again on its two seeds alone' : 'after a third seed as far ahead';
    return {
      succeeded: r.passed,
      detail: r.passed
        ? `the recorded p-values passed it (${how}; sequential p ${r.seqP})`
        : `carried only the honest test; its recorded p-values of 1e-12 were not read: sequential p ${r.seqP?.toPrecision(2)} ${how}`,
    };
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

export const attacks: Attack[] = [
  {
    id: 'carried-test-forged',
    title:
      "a left-open test's forged runs and tiny recorded p-values, carried into the next session to pass on one more seed",
    timeoutMs: 60_000,
    run: () => attempt(false),
  },
  {
    id: 'carried-pass-forged',
    title:
      'a left-open test recorded as a pass cut off before its confirmation, to be carried and kept on its recorded p-values',
    timeoutMs: 60_000,
    run: () => attempt(true),
  },
];
