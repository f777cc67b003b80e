/**
 * Shared set-up for research-engine tests: a store in a temp FLYWHEEL_HOME, the synthetic trainer as
 * the "trainer" (speaks the run protocol, trains nothing, deterministic), and a scripted researcher.
 */

import { after, before } from 'node:test';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/resolve.ts';
import { DEFAULT_SEARCH_SPACE } from '../../src/config/search-space.ts';
import type { TrainConfig } from '../../src/config/train-config.ts';
import { LocalExecutor } from '../../src/executors/local.ts';
import type { Digest, Proposal, Researcher, ResultSummary } from '../../src/researchers/base.ts';
import type { ResearchSession } from '../../src/research/session.ts';
import { openSession } from '../../src/research/session-open.ts';
import type { SessionView } from '../../src/research/view.ts';
import type { SessionSpecInput } from '../../src/research/core/spec.ts';
import { openStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/base.ts';
import { tempDir } from './temp-dir.ts';

export const SYNTH_TRAINER = join(import.meta.dirname, '..', 'fixtures', 'synthetic_trainer.py');

export function tempHome(prefix = 'fw-research-'): string {
  const home = tempDir(prefix);
  process.env.FLYWHEEL_HOME = home;
  return home;
}

export async function tempStore(home: string): Promise<Store> {
  return openStore({ home });
}

/** The synthetic trainer's knobs a test sets through the environment (test/fixtures/synthetic_trainer.py). */
export interface SynthEnv {
  /** Seed noise of the final val bpb (FLYWHEEL_SYNTH_SIGMA); 0.01 unless given. */
  sigma?: number;
  /** Planted effects by knob (FLYWHEEL_SYNTH_EFFECTS); a test may also set them itself, per test. */
  effects?: Record<string, unknown>;
  /** Seconds per step (FLYWHEEL_SYNTH_STEP_SECONDS), where a test needs a run to last. */
  stepSeconds?: number;
}

const SYNTH_VARS = ['FLYWHEEL_SYNTH_SIGMA', 'FLYWHEEL_SYNTH_EFFECTS', 'FLYWHEEL_SYNTH_STEP_SECONDS'] as const;

/**
 * A describe block's store in a fresh FLYWHEEL_HOME (`opened` hands it to the block), with the
 * synthetic trainer's environment set before its tests; after them the store is closed and every
 * FLYWHEEL_SYNTH_* variable is put back as it was, the effects a test set itself included.
 */
export function synthStore(
  prefix: string,
  env: SynthEnv,
  opened: (store: Store, home: string) => void,
): void {
  let store: Store | undefined;
  const saved = new Map(SYNTH_VARS.map((k) => [k, process.env[k]]));
  before(async () => {
    const home = tempHome(prefix);
    store = await tempStore(home);
    opened(store, home);
    process.env.FLYWHEEL_SYNTH_SIGMA = String(env.sigma ?? 0.01);
    if (env.effects) process.env.FLYWHEEL_SYNTH_EFFECTS = JSON.stringify(env.effects);
    if (env.stepSeconds !== undefined) process.env.FLYWHEEL_SYNTH_STEP_SECONDS = String(env.stepSeconds);
  });
  after(async () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await store?.close();
  });
}

/** The tiny preset, run by the synthetic trainer. */
export function synthConfig(sets: string[] = []): TrainConfig {
  return resolveConfig({
    preset: 'tiny',
    sets: [
      `trainer.command=${JSON.stringify(['python3', SYNTH_TRAINER])}`,
      'train.batchTokens=1024',
      'model.seqLen=64',
      ...sets,
    ],
  });
}

/** Proposes the given proposals in order, `n` at a time; records what it observed. */
export class ScriptedResearcher implements Researcher {
  readonly name = 'scripted';
  observed: ResultSummary[] = [];
  digests: Digest[] = [];
  private i = 0;
  constructor(private readonly proposals: Proposal[]) {}
  async propose(digest: Digest, n: number): Promise<Proposal[]> {
    this.digests.push(digest);
    const out = this.proposals.slice(this.i, this.i + n);
    this.i += out.length;
    return out;
  }
  observe(r: ResultSummary): void {
    this.observed.push(r);
  }
}

export function configProposal(
  title: string,
  set: Record<string, unknown>,
  expectedEffect = -0.01,
): Proposal {
  return {
    title,
    hypothesis: `${title} should help`,
    change: { kind: 'config', set },
    expectedEffect,
    source: 'test',
  };
}

export async function makeSession(opts: {
  store: Store;
  researcher: Researcher;
  base: TrainConfig;
  parallel?: number;
  spec?: Partial<SessionSpecInput>;
  view?: SessionView;
}): Promise<{ session: ResearchSession; executor: LocalExecutor }> {
  const executor = new LocalExecutor({ parallel: opts.parallel ?? 1, cores: 2, gpus: [] });
  const session = await openSession(
    { store: opts.store, executor, researcher: opts.researcher, controlPollMs: 200, view: opts.view },
    {
      baseConfig: opts.base,
      baseSource: 'test',
      searchSpace: DEFAULT_SEARCH_SPACE,
      researcher: opts.researcher.name,
      executor: 'local',
      parallel: opts.parallel ?? 1,
      rungTokens: [4096, 12288],
      startupSeconds: 0.2,
      tokPerSec: 1e6,
      ...opts.spec,
    },
  );
  return { session, executor };
}
