/**
 * The pure parts of the methods' bookkeeping: Optuna's successive-halving promotion rule as TPE+ASHA
 * applies it, which changes count as Flywheel's kept changes (and against which config), what Flywheel
 * picks, and reading a results.json written before the two regimes.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config/resolve.ts';
import { emptyState, type ProposalState } from '../../src/research/core/state.ts';
import { removeTempDirs, tempDir } from '../../test/helpers/temp-dir.ts';
import type { SessionSummary } from '../../src/research/summary.ts';
import { confirmedChanges, pickOf } from './flywheel.ts';
import { loadResults } from './results.ts';
import { promotable } from './tpe-asha.ts';
import { proposalState } from '../../test/helpers/proposal-state.ts';

after(removeTempDirs);

const base = resolveConfig({ preset: 'small' });
const cfg = (sets: string[]) => resolveConfig({ preset: 'small', sets });

function proposal(
  id: string,
  set: Record<string, unknown>,
  sets: string[],
  extra: Partial<ProposalState>,
): ProposalState {
  return proposalState(id, cfg(sets), {
    change: { kind: 'config', set },
    source: 'library',
    status: 'concluded',
    ...extra,
  });
}

describe('TPE + successive halving bookkeeping', () => {
  it("promotes like Optuna's rule: the best so far among the first eta - 1, then the top 1/eta", () => {
    assert.equal(promotable(2.9, [2.9], 3), true, 'the first trial at a rung is the best so far');
    assert.equal(promotable(3.0, [2.9, 3.0], 3), false);
    assert.equal(promotable(2.8, [2.9, 3.0, 2.8], 3), true, 'index 0 of three: the best');
    assert.equal(promotable(2.95, [2.9, 3.0, 2.8, 3.1, 2.7, 2.95], 3), false, 'top 2 of six only');
    assert.equal(promotable(2.8, [2.9, 3.0, 2.8, 3.1, 2.7, 2.95], 3), true);
  });
});

describe("Flywheel's kept changes", () => {
  it('counts confirmed wins against the config each was proposed on, and leaves stacks and the rest out', () => {
    const st = emptyState();
    st.proposals = [
      proposal('rope', { 'model.position': 'rope' }, ['model.position=rope'], {
        verdict: 'win',
        confirmed: true,
      }),
      proposal('qk', { 'model.qkNorm': true }, ['model.qkNorm=true'], { verdict: 'inconclusive' }),
      proposal('softcap', { 'model.logitSoftcap': 15 }, ['model.logitSoftcap=15'], {
        verdict: 'win',
        confirmed: false,
      }),
      // proposed after a re-base on RoPE: its config carries RoPE, its change does not
      proposal('lr', { 'optim.lr': 0.028 }, ['model.position=rope', 'optim.lr=0.028'], {
        verdict: 'win',
        confirmed: true,
      }),
      proposal(
        'stack',
        { 'model.position': 'rope', 'optim.lr': 0.028 },
        ['model.position=rope', 'optim.lr=0.028'],
        {
          verdict: 'win',
          confirmed: true,
          source: 'stack',
        },
      ),
    ];
    const kept = confirmedChanges(st, base);
    assert.deepEqual(
      kept.map((k) => k.title),
      ['rope', 'lr'],
    );
    assert.equal(kept[0].from, base);
    assert.equal(kept[1].from.model.position, 'rope', 'the LR change is judged from the RoPE base');
    assert.equal(kept[1].from.optim.lr, base.optim.lr);
  });
});

describe("Flywheel's pick", () => {
  it('is a confirmed best, never an unconfirmed one, however far below the baseline it sits', () => {
    const st = emptyState();
    st.proposals = [
      proposal('qk', { 'model.qkNorm': true }, ['model.qkNorm=true'], { verdict: 'inconclusive' }),
      proposal('rope', { 'model.position': 'rope' }, ['model.position=rope'], {
        verdict: 'win',
        confirmed: true,
      }),
    ];
    const baseline = { valBpb: 2.6, n: 3 } as SessionSummary['baseline'];
    const best = (id: string, confirmed: boolean) =>
      ({
        proposalId: id,
        title: id,
        change: st.proposals.find((p) => p.id === id)!.change,
        valBpb: 2.5,
        n: 3,
        delta: -0.1,
        confirmed,
      }) as unknown as SessionSummary['best'];
    // the last of sessions back to back, on the base an earlier one re-based onto
    const stack = cfg(['model.position=rope']);
    const unconfirmed = pickOf(st, { best: best('qk', false), baseline }, stack, base);
    assert.equal(unconfirmed.config, stack, 'an unconfirmed best is a lead, not a pick');
    assert.equal(unconfirmed.title, "the last session's base config");
    assert.deepEqual(unconfirmed.change, { 'model.position': 'rope' }, 'told from the first base');
    assert.equal(unconfirmed.observed, 2.6);
    const confirmed = pickOf(st, { best: best('rope', true), baseline }, base);
    assert.equal(confirmed.config.model.position, 'rope');
    assert.deepEqual(confirmed.change, { 'model.position': 'rope' });
    assert.equal(pickOf(st, { best: null, baseline }, base).title, 'base config (no confirmed win)');
  });
});

describe('results.json', () => {
  it('reads a file from before the two regimes as regime (a)', () => {
    const file = join(tempDir('fw-bench-results-'), 'results.json');
    const old = {
      key: '{"preset":"small"}',
      options: { fullTokens: 110_592, sessionSeeds: [1] },
      machine: { date: '2026-11-22' },
      base,
      fullFlops: 1,
      budgetFlops: 24,
      methods: [],
      rerunSeeds: [900_001],
      rerun: {},
    };
    writeFileSync(file, JSON.stringify(old));
    const r = loadResults(file)!;
    assert.equal(r.version, 2);
    assert.equal(r.regimes.a?.regime, 'a');
    assert.equal(r.regimes.a?.fullTokens, 110_592);
    assert.equal(r.regimes.b, undefined);
  });
});
