/**
 * Which tests a session leaves open at its end (open-tests.ts `isOpenAtEnd`), on the engine's pure
 * transitions: one a little ahead and undecided, one that passed and awaits its confirmation (carried
 * as a new test on its runs, and reopened for other bases, ideas.ts UNCONFIRMED), one behind (stopped
 * long before the end); and a continued test at
 * the last look of its own schedule, which a session planning more looks does not leave open.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { admit, endRun, engineCtx, withBaseline } from '../../../test/helpers/engine-port.ts';
import { UNCONFIRMED } from './ideas.ts';
import { isCutOffPass, isOpenAtEnd } from './open-tests.ts';
import type { SessionState } from './state.ts';
import * as T from './transitions.ts';

/** A candidate of `set` with its decision seeds at `values` (the baseline sits at 1.99 / 2.00 / 2.01). */
function candidate(st: SessionState, set: Record<string, unknown>, values: number[]) {
  const a = admit(st, JSON.stringify(set), set);
  st = a.state;
  for (const v of values) {
    const t = st.trials.find(
      (x) => x.proposalId === a.id && x.status === 'pending' && x.purpose !== 'confirm',
    );
    if (!t) break;
    st = endRun(st, t.id, v);
  }
  return { st, id: a.id };
}

describe('tests left open at the end of a session', () => {
  it('leaves open a candidate ahead and undecided, and only that one', () => {
    let st = withBaseline();
    const open = candidate(st, { 'optim.lr': 0.0021 }, [1.996, 1.997]);
    const passed = candidate(open.st, { 'optim.lr': 0.0022 }, [1.9, 1.901]);
    const behind = candidate(passed.st, { 'optim.lr': 0.0023 }, [2.05]);
    st = behind.st;
    assert.ok(
      st.trials.some((t) => t.proposalId === passed.id && t.purpose === 'confirm'),
      'the clear change passed and awaits its confirmation',
    );
    const end = T.finished(engineCtx, st);
    const p = (id: string) => end.state.proposals.find((x) => x.id === id)!;
    assert.equal(p(open.id).openAtEnd, true);
    assert.equal(p(passed.id).openAtEnd, true, 'a pass cut off before its confirmation is carried');
    assert.equal(p(passed.id).passedAtEnd, true);
    assert.equal(p(open.id).passedAtEnd, undefined);
    assert.equal(p(behind.id).openAtEnd, undefined);
    const notes = end.effects.flatMap((e) => (e.kind === 'journal' && e.entry === 'note' ? [e.title] : []));
    assert.ok(notes.some((n) => n.startsWith(`${open.id} `) && n.includes('continues its test')));
    const reopened = end.effects.flatMap((e) =>
      e.kind === 'idea' && e.idea.outcome === UNCONFIRMED ? [e.idea.proposalId] : [],
    );
    assert.deepEqual(reopened, [passed.id], 'and reopened for a session on another base');
    // its confirmation stopped on request: a loss, nothing carried
    const stopped = end.state.proposals.find((x) => x.id === passed.id)!;
    assert.equal(isCutOffPass(st, engineCtx.spec, { ...stopped, status: 'concluded' }), false);
  });

  it("counts a continued test's looks by its own schedule, not the session's", () => {
    const { spec } = engineCtx;
    assert.ok(spec.maxSeeds > 2);
    const a = admit(withBaseline(), JSON.stringify({ 'optim.lr': 0.0021 }), { 'optim.lr': 0.0021 });
    a.state.proposals.find((x) => x.id === a.id)!.maxSeeds = 2; // as continueTests sets it
    let st = a.state;
    for (const v of [1.996, 1.997]) {
      const t = st.trials.find((x) => x.proposalId === a.id && x.status === 'pending')!;
      st = endRun(st, t.id, v);
    }
    const p = st.proposals.find((x) => x.id === a.id)!;
    assert.equal(p.status, 'concluded', 'its second look was its last: inconclusive');
    assert.equal(p.verdict, 'inconclusive');
    assert.equal(st.trials.filter((t) => t.proposalId === a.id).length, 2, 'no third seed');
    assert.equal(isOpenAtEnd(st, spec, { ...p, status: 'active' }), false, 'and nothing left to continue');
  });
});
