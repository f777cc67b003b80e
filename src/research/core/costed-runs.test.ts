import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../config/resolve.ts';
import { testSpec } from '../../../test/helpers/test-spec.ts';
import { proposalState } from '../../../test/helpers/proposal-state.ts';
import { baselineCostedRuns, candidateCostedRuns, multiplierOf } from './costed-runs.ts';
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
});
