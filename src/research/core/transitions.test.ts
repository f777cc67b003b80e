/**
 * The engine's rules have their cases in the transitions-*.test.ts files beside this one; here, that
 * every exported transition is assigned to one of them (each file checks it covers its own).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as T from './transitions.ts';
import { TRANSITION_CASES } from '../../../test/helpers/transitions-kit.ts';

describe('session transitions', () => {
  it('every exported transition has a case in one of the transitions*.test.ts files', () => {
    const covered = new Set(Object.values(TRANSITION_CASES).flat());
    const exported = Object.entries(T)
      .filter(([name, v]) => typeof v === 'function' && name !== 'nextProposalId')
      .map(([name]) => name);
    assert.deepEqual(
      exported.filter((n) => !covered.has(n)),
      [],
    );
  });
});
