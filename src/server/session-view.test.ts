import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord, SessionRecord } from '../store/base.ts';
import { syntheticConfig } from './fixtures.ts';
import { bestSoFar, burnDown, proposalTitles, rungs, sessionBudget } from './session-view.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const session = { id: 's1', createdAt: at(0), spec: { budget: { flops: 1e12 } } } as unknown as SessionRecord;

function run(
  id: string,
  i: number,
  o: { tokens: number; end: number; bpb?: number; status?: RunRecord['status']; flops?: number },
): RunRecord {
  const { config, configHash } = syntheticConfig(i);
  return {
    id,
    createdAt: at(o.end - 10),
    startedAt: at(o.end - 10),
    endedAt: at(o.end),
    status: o.status ?? 'completed',
    config: { ...config, budget: { tokens: o.tokens } },
    configHash,
    seed: config.seed,
    runDir: '/x',
    summary: { valBpb: o.bpb, flops: o.flops ?? 1e11, wallSeconds: 10 },
    tags: {},
  };
}

describe('session view', () => {
  const runs = [
    run('a', 0, { tokens: 1e5, end: 10, bpb: 3.3 }),
    run('b', 4, { tokens: 1e5, end: 20, bpb: 3.2 }),
    { ...run('c', 8, { tokens: 1e5, end: 25, bpb: 3.5, status: 'stopped' }), stopRule: 'behind-baseline' },
    run('d', 4, { tokens: 3e5, end: 60, bpb: 3.0 }),
    run('e', 4, { tokens: 3e5, end: 70, bpb: 3.1 }),
  ];

  it('reads the budget wherever the spec keeps it', () => {
    assert.deepEqual(sessionBudget({ budget: { flops: 5, seconds: 60 } }), { flops: 5, seconds: 60 });
    assert.deepEqual(sessionBudget({ budgetSeconds: 60 }), { flops: undefined, seconds: 60 });
  });

  it('burns compute down in the order runs finish', () => {
    const b = burnDown(session, runs);
    assert.deepEqual(
      b.map((p) => p.t),
      [0, 10, 20, 25, 60, 70],
    );
    assert.equal(b[b.length - 1].flops, 5e11);
  });

  it('groups rungs by token budget and marks configs that went up a rung', () => {
    const r = rungs(runs);
    assert.deepEqual(
      r.map((g) => g.rung),
      [0, 1],
    );
    assert.deepEqual(
      r[0].runs.map((x) => x.id),
      ['b', 'a', 'c'],
      'best first',
    );
    assert.ok(r[0].runs.find((x) => x.id === 'b')!.promoted);
    assert.ok(!r[0].runs.find((x) => x.id === 'a')!.promoted);
  });

  it('tracks the best config at the top rung reached, with a CI once it has seeds', () => {
    const best = bestSoFar(session, runs);
    assert.deepEqual(
      best.map((p) => p.t),
      [10, 20, 60, 70],
    );
    assert.equal(best[1].valBpb, 3.2);
    assert.equal(best[2].valBpb, 3.0, 'a higher rung restarts the comparison');
    const last = best[3];
    assert.ok(Math.abs(last.valBpb - 3.05) < 1e-12, 'mean of the two seeds');
    assert.ok(last.lo! < 3.05 && last.hi! > 3.05);
    assert.deepEqual(last.runIds, ['d', 'e']);
  });

  it('counts a run the engine ended at its rung budget, not one the monitor killed', () => {
    const atRung = { ...run('f', 12, { tokens: 1e5, end: 5, bpb: 3.0, status: 'stopped' }) };
    const killed = {
      ...run('g', 16, { tokens: 1e5, end: 6, bpb: 2.0, status: 'stopped' }),
      stopRule: 'spike',
    };
    const best = bestSoFar(session, [atRung, killed]);
    assert.deepEqual(
      best.map((p) => p.valBpb),
      [3.0],
      'the killed run (2.0) is not a result',
    );
  });

  it("labels rungs with the engine's proposal titles and rung budgets", () => {
    const s = {
      ...session,
      state: { proposals: [{ id: 'p1', title: 'Muon' }] },
      spec: { rungTokens: [1e5, 3e5] },
    } as unknown as SessionRecord;
    const tagged = runs.map((r) => ({
      ...r,
      tags: { rung: r.config.budget.tokens === 1e5 ? '0' : '1', proposal: 'p1' },
    }));
    const r = rungs(tagged, proposalTitles(s), s.spec.rungTokens);
    assert.equal(r[0].runs[0].proposal, 'Muon');
    assert.equal(r[1].budget, 3e5);
  });
});
