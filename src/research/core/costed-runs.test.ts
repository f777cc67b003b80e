import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { baseCostedRuns, baselineCostedRuns, candidateCostedRuns, multiplierOf } from './costed-runs.ts';
import { newTrial } from './trial-steps.ts';
import { BASELINE, emptyState } from './state.ts';

const config = resolveConfig({ preset: 'tiny', sets: ['train.finalEvalTokensPerDomain=16384'] });
const spec = testSpec(config, { rungTokens: [1000, 3000, 9000] });

/** A base of two seeds through every rung and a candidate of two at the top; `law` gives lawResults. */
function session(law: boolean) {
  const st = emptyState();
  st.proposals.push(proposalState(BASELINE, config), proposalState('p1', config));
  for (const [seed, shift] of [
    [1000, 0],
    [1001, 0.01],
  ]) {
    const t = newTrial(st, BASELINE, seed, 'baseline', 0);
    // ranking values on the capped slice read 0.03 lower than the top's slice would
    t.results = { '0': 3.27 + shift, '1': 3.05 + shift, '2': 2.66 + shift };
    if (law) t.lawResults = { '0': 3.3 + shift, '1': 3.08 + shift };
    const c = newTrial(st, 'p1', seed, 'seeds', 2);
    c.results = { '2': 2.6 + shift };
  }
  return st;
}

describe('costed runs', () => {
  it("reads a base's lower rungs on the top's eval slice, and flags the ranking values where that is missing", () => {
    const on = baselineCostedRuns(session(true), spec, 10);
    assert.deepEqual(
      on.filter((r) => r.flops < 90_000).map((r) => [r.valBpb.toFixed(2), r.evalTokensPerDomain]),
      [
        ['3.30', 16384],
        ['3.08', 16384],
        ['3.31', 16384],
        ['3.09', 16384],
      ],
    );
    const off = baselineCostedRuns(session(false), spec, 10);
    assert.deepEqual(
      off.filter((r) => r.flops < 90_000).map((r) => r.evalTokensPerDomain),
      [4096, 4096, 4096, 4096],
    );
    assert.deepEqual(
      candidateCostedRuns(session(true), spec, 'p1', 10).map((r) => r.evalTokensPerDomain),
      [16384, 16384],
    );
    const m = multiplierOf(session(false), spec, 'p1', 10);
    assert.ok(m.ok && m.warnings.some((w) => /different eval slices/.test(w)));
    const fixed = multiplierOf(session(true), spec, 'p1', 10);
    assert.ok(fixed.ok && !fixed.warnings.some((w) => /eval slices/.test(w)));
    assert.notEqual(fixed.value, m.ok ? m.value : NaN, 'the slice moves the multiplier');
  });

  it("leaves out a rung's ranking values where another run of the base has the top's slice there", () => {
    // a re-based winner: its own explore run climbed rungs 0 and 1 scored for ranking only; the re-base
    // added one lower-rung seed at rung 1 scored on the top's slice too
    const st = session(true);
    const explore = newTrial(st, 'p1', 1000, 'explore', 0);
    explore.results = { '0': 3.2, '1': 3.0 };
    const added = newTrial(st, 'p1', 1001, 'baseline', 1);
    added.results = { '1': 3.01 };
    added.lawResults = { '1': 3.04 };
    const runs = baseCostedRuns(st, spec, 'p1', 10);
    const at = (tokens: number) =>
      runs.filter((r) => r.flops === tokens * 10).map((r) => [r.valBpb, r.evalTokensPerDomain]);
    assert.deepEqual(at(1000), [[3.2, 4096]], 'no run has the top slice at rung 0: the ranking value stands');
    assert.deepEqual(at(3000), [[3.04, 16384]], "rung 1: the added seed's top-slice value, alone");
    assert.equal(at(9000).length, 2, 'the top rung: every decision seed');
  });
});
