import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SessionSpec } from './core/spec.ts';
import { BASELINE, emptyState, type SessionState } from './core/state.ts';
import { summarize } from './summary.ts';
import { buildDigest } from './core/digest.ts';
import { compactDigest } from '../researchers/prompts.ts';
import { resolveConfig } from '../config/resolve.ts';
import { proposalState } from '../../test/helpers/proposal-state.ts';
import { testSpec } from '../../test/helpers/test-spec.ts';

// Baseline L(C) = 1 + 40 C^-0.2; the candidate reaches, at the full budget, the loss of 1.5x its compute.
const law = (c: number) => 1 + 40 * c ** -0.2;
const PER_TOKEN = 1e8;
const RUNGS = [100_000, 300_000, 900_000];
const noise = [-0.0004, 0, 0.0004];

function session(rungs = RUNGS): { state: SessionState; spec: SessionSpec } {
  const config = resolveConfig({ preset: 'tiny' });
  const spec = testSpec(config, {
    baseSource: 'preset:tiny',
    researcher: 'offline',
    parallel: 1,
    rungTokens: rungs,
  });
  const state = emptyState();
  state.proposals.push(proposalState(BASELINE, config), proposalState('p1', config));
  const top = rungs.length - 1;
  noise.forEach((e, i) => {
    const results: Record<string, number> = {};
    rungs.forEach((tok, r) => (results[String(r)] = law(tok * PER_TOKEN) + e));
    const trial = {
      seed: i,
      rung: top,
      startRung: 0,
      status: 'done' as const,
      runIds: [],
      rungRuns: {},
      flops: 0,
    };
    state.trials.push({ ...trial, id: `b${i}`, proposalId: BASELINE, purpose: 'baseline', results });
    const v = law(1.5 * rungs[top] * PER_TOKEN) + e;
    state.trials.push({
      ...trial,
      id: `c${i}`,
      proposalId: 'p1',
      purpose: 'seeds',
      startRung: top,
      results: { [String(top)]: v },
    });
  });
  return { state, spec };
}

describe('session summary: what a win is worth', () => {
  it('states the best compute multiplier with its CI from the baseline rung runs', () => {
    const { state, spec } = session();
    const s = summarize('s1', 'done', state, spec, [], PER_TOKEN);
    const m = s.best?.computeMultiplier;
    assert.ok(m, `multiplier missing: ${s.best?.computeMultiplierReason}`);
    assert.ok(Math.abs(m.value - 1.5) < 0.1, `multiplier ${m.value}`);
    assert.ok(m.ci95[0] <= m.value && m.value <= m.ci95[1]);
    assert.match(m.text, /^worth /);
    assert.equal(s.best?.ladder, null);
    assert.ok(s.best?.ladderReason);
  });

  it('says why there is no multiplier when the baseline has fewer than 3 budgets', () => {
    const { state, spec } = session([300_000, 900_000]);
    const s = summarize('s1', 'done', state, spec, [], PER_TOKEN);
    assert.equal(s.best?.computeMultiplier, null);
    assert.match(s.best!.computeMultiplierReason!, /≥3 compute budgets/);
    assert.ok(JSON.parse(JSON.stringify(s)).best.computeMultiplier === null);
  });

  it("puts the best confirmed win's multiplier in the digest the researcher reads", () => {
    const { state, spec } = session();
    const p = state.proposals.find((x) => x.id === 'p1')!;
    Object.assign(p, {
      status: 'concluded',
      verdict: 'win',
      confirmed: true,
      stats: { delta: -0.01, ci95: [-0.02, -0.005], pValue: 0.01, n: 3, mean: 2.5, std: 0.001 },
    });
    const d = buildDigest('s1', state, spec, spec.baseConfig, [], [], PER_TOKEN, 0);
    assert.ok(d.best?.computeMultiplier, 'digest best has a multiplier');
    assert.ok(Math.abs(d.best.computeMultiplier.value - 1.5) < 0.1);
    assert.match(JSON.parse(compactDigest(d)).best.worth, /^worth [\d.]+× compute \[/);
  });
});
