import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { baselineTrials, carriedCandidates, placeable } from './carried-base.ts';
import type { PastSession } from './noise-history.ts';
import type { CarriedRun } from './spec.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { emptyState } from './state.ts';

const config = resolveConfig({ preset: 'tiny' });
const RUNGS = [4096, 12288];
const other = { ...config, optim: { ...config.optim, lr: 0.0123 } };

/** A stored session: proposals (id -> config and extras), trials (proposal, seed, purpose, rung -> value). */
function past(
  id: string,
  proposals: Record<string, Record<string, unknown>>,
  trials: Array<[string, number, string, Record<string, number>]>,
  rungs = RUNGS,
): PastSession {
  return {
    id,
    spec: { rungTokens: rungs },
    state: {
      proposals: Object.entries(proposals).map(([pid, p]) => ({ id: pid, change: { kind: 'config' }, ...p })),
      trials: trials.map(([proposalId, seed, purpose, results]) => ({
        proposalId,
        seed,
        purpose,
        results,
        rungRuns: Object.fromEntries(
          Object.keys(results).map((r) => [r, `${id}-${proposalId}-${seed}-${r}`]),
        ),
      })),
    },
  };
}

const spec = (carriedBase: CarriedRun[], baselineSeeds = 3) =>
  testSpec(config, { rungTokens: RUNGS, baselineSeeds, carriedBase });

describe('carried base runs', () => {
  it("takes the base config's runs of the newest session at these rungs, one per seed and rung", () => {
    const newer = past('new', { p3: { config } }, [
      ['p3', 1000, 'explore', { 0: 3.1, 1: 3.0 }],
      ['p3', 11000, 'confirm', { 1: 2.99 }],
    ]);
    const older = past('old', { baseline: { config, change: { kind: 'none' } }, p1: { config: other } }, [
      ['baseline', 1000, 'baseline', { 0: 3.5, 1: 3.4 }], // the same seed and rungs: the newer session's count
      ['baseline', 1001, 'baseline', { 0: 3.6, 1: 3.5 }],
      ['p1', 1002, 'seeds', { 1: 2.5 }], // another config
    ]);
    const got = carriedCandidates([newer, older], config, RUNGS);
    const by = (seed: number, rung: number) => got.find((c) => c.seed === seed && c.rung === rung);
    assert.equal(by(1000, 1)?.value, 3.0);
    assert.equal(by(1000, 1)?.session, 'new');
    assert.equal(by(1001, 0)?.value, 3.6);
    assert.equal(by(1002, 1), undefined);
    assert.equal(got.length, 5);
  });

  it('never takes an agent’s code, an ablation arm, a ladder run, or another rung plan', () => {
    const s = past(
      's',
      {
        code: { config, change: { kind: 'code' }, codeHash: 'abc' },
        arm: { config, ablationOf: 'p2' },
        p4: { config },
      },
      [
        ['code', 1000, 'seeds', { 1: 2.0 }],
        ['arm', 1001, 'ablation', { 1: 2.0 }],
        ['p4', 1002, 'ladder', { 1: 2.0 }],
      ],
    );
    assert.deepEqual(carriedCandidates([s], config, RUNGS), []);
    const elsewhere = past('e', { p4: { config } }, [['p4', 1000, 'seeds', { 1: 2.0 }]], [4096, 16384]);
    assert.deepEqual(carriedCandidates([elsewhere], config, RUNGS), []);
  });

  it("places a base seed's rungs up to its first gap and its top, and other seeds at the top", () => {
    const c = (seed: number, rung: number): CarriedRun => ({
      seed,
      rung,
      value: 3 + rung / 10,
      runId: `r${seed}-${rung}`,
      session: 'old',
    });
    const runs = [c(1000, 0), c(1000, 1), c(1001, 1), c(1002, 0), c(11000, 1), c(11000, 0), c(1005, 0)];
    const placed = placeable(runs, spec([]));
    assert.deepEqual(
      placed.map((r) => `${r.seed}@${r.rung}`),
      ['1000@0', '1000@1', '1001@1', '1002@0', '11000@1'],
    );
    const st = emptyState();
    const trials = baselineTrials(st, spec(placed));
    const t = (seed: number) => trials.find((x) => x.seed === seed)!;
    assert.equal(t(1000).status, 'done'); // every rung carried: nothing to run
    assert.deepEqual(t(1000).results, { 0: 3, 1: 3.1 });
    assert.equal(t(1000).flops, 0);
    // its top carried, rung 0 missing: runs rung 0 only
    assert.deepEqual([t(1001).status, t(1001).rung, t(1001).untilRung], ['pending', 0, 0]);
    // rung 0 carried: climbs from rung 1
    assert.deepEqual([t(1002).status, t(1002).rung, t(1002).untilRung], ['pending', 1, undefined]);
    // the winner's held-out seed: a finished base seed at the top
    assert.deepEqual([t(11000).status, t(11000).startRung, t(11000).results], ['done', 1, { 1: 3.1 }]);
    assert.equal(trials.length, 4);
    assert.ok(t(1000).note?.includes('carried from session old'));
  });

  it('buys no third base seed when carried seeds already make up the number, but always two', () => {
    const c = (seed: number, rung: number): CarriedRun => ({
      seed,
      rung,
      value: 3,
      runId: `r${seed}-${rung}`,
      session: 'old',
    });
    const seeds = (runs: CarriedRun[]) =>
      baselineTrials(emptyState(), spec(placeable(runs, spec([])))).map((t) => [t.seed, t.status]);
    const full = [c(1000, 0), c(1000, 1), c(1001, 0), c(1001, 1)];
    // the winner's held-out seed stands in for a new third seed
    assert.deepEqual(seeds([...full, c(11000, 1)]), [
      [1000, 'done'],
      [1001, 'done'],
      [11000, 'done'],
    ]);
    // without it, the third seed is bought
    assert.deepEqual(seeds(full), [
      [1000, 'done'],
      [1001, 'done'],
      [1002, 'pending'],
    ]);
    // the first two seeds always run through every rung, however many were carried at the top
    assert.deepEqual(seeds([c(11000, 1), c(11001, 1), c(11002, 1)]), [
      [1000, 'pending'],
      [1001, 'pending'],
      [11000, 'done'],
      [11001, 'done'],
      [11002, 'done'],
    ]);
  });

  it('without carried runs, the baseline is its seeds at rung 0', () => {
    const trials = baselineTrials(emptyState(), spec([], 2));
    assert.deepEqual(
      trials.map((t) => [t.seed, t.rung, t.status]),
      [
        [1000, 0, 'pending'],
        [1001, 0, 'pending'],
      ],
    );
  });
});
