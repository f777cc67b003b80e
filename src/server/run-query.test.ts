import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlywheelError } from '../errors.ts';
import type { RunRecord } from '../store/base.ts';
import { syntheticConfig } from './fixtures.ts';
import { fieldOf, flatten, matches, parseWhere, sortBy, splitKeys } from './run-query.ts';

const sortRuns = (runs: RunRecord[], sort: string) => sortBy(runs, sort, (r, k) => fieldOf(r, k));

function run(i: number, valBpb?: number): RunRecord {
  const { config, configHash } = syntheticConfig(i);
  return {
    id: `r${i}`,
    createdAt: new Date(1e12 + i).toISOString(),
    status: 'completed',
    config,
    configHash,
    seed: config.seed,
    runDir: '/x',
    summary: { valBpb },
    tags: {},
  };
}

describe('run queries', () => {
  it('flattens configs to the dotted keys --set uses', () => {
    const f = flatten({
      model: { depth: 4 },
      data: { mixture: { code: 0.5 } },
      trainer: { command: ['a', 'b'] },
    });
    assert.deepEqual(f, { 'model.depth': 4, 'data.mixture.code': 0.5, 'trainer.command': '["a","b"]' });
  });

  it('filters by config keys with numbers compared as numbers', () => {
    const runs = Array.from({ length: 16 }, (_, i) => run(i, 3 + i / 100));
    const depth4 = runs.filter((r) => matches(r, parseWhere(['model.depth:4'])));
    assert.deepEqual(
      depth4.map((r) => r.id),
      ['r8', 'r9', 'r10', 'r11'],
    );
    assert.equal(runs.filter((r) => matches(r, parseWhere(['model.depth:2|3']))).length, 8);
    assert.equal(runs.filter((r) => matches(r, parseWhere(['valBpb<3.05', 'status:completed']))).length, 5);
    assert.equal(runs.filter((r) => matches(r, parseWhere(['model.depth>=3,seed!=0']))).length, 8);
    const optim = runs[0].config.optim.name;
    assert.equal(runs.filter((r) => matches(r, parseWhere([`optim.name:${optim}`]))).length, 16);
  });

  it('rejects malformed clauses with a message naming them', () => {
    assert.throws(
      () => parseWhere(['model.depth']),
      (e) => isFlywheelError(e) && e.code === 'bad_input' && /model\.depth/.test(e.message),
    );
    assert.throws(
      () => parseWhere(['optim.lr<abc']),
      (e) => isFlywheelError(e) && /needs a number/.test(e.message),
    );
  });

  it('sorts by any field, missing values last in both directions', () => {
    const runs = [run(0, 3.2), run(1), run(2, 3.1)];
    assert.deepEqual(
      sortRuns(runs, 'valBpb').map((r) => r.id),
      ['r2', 'r0', 'r1'],
    );
    assert.deepEqual(
      sortRuns(runs, '-valBpb').map((r) => r.id),
      ['r0', 'r2', 'r1'],
    );
    assert.deepEqual(
      sortRuns([run(8), run(0)], 'model.depth').map((r) => r.id),
      ['r0', 'r8'],
    );
  });

  it('finds the knobs that vary and the constants', () => {
    const { varying, constants } = splitKeys([0, 4, 16].map((i) => flatten(run(i).config)));
    assert.deepEqual(varying, ['model.depth', 'optim.lr']);
    assert.equal(constants['model.width'], 64);
    assert.ok(!('seed' in constants) && !('data.dir' in constants), 'ids and paths are not knobs');
  });
});
