import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveDataArg } from './resolve-data.ts';

const home = mkdtempSync(join(tmpdir(), 'fw-data-arg-'));
const prev = process.env.FLYWHEEL_HOME;
const dataset = (hash: string) => {
  mkdirSync(join(home, 'data', hash), { recursive: true });
  writeFileSync(join(home, 'data', hash, 'meta.json'), '{}');
  return join(home, 'data', hash);
};

describe('--data DIR_OR_HASH', () => {
  before(() => (process.env.FLYWHEEL_HOME = home));
  after(() => {
    if (prev === undefined) delete process.env.FLYWHEEL_HOME;
    else process.env.FLYWHEEL_HOME = prev;
    rmSync(home, { recursive: true, force: true });
  });

  it('finds a prepared dataset by folder, by hash and by a unique prefix of it', () => {
    const a = dataset('746a4a59efbb596c4df1');
    dataset('746b000000000000aaaa');
    assert.equal(resolveDataArg(a), a);
    assert.equal(resolveDataArg('746a4a59efbb596c4df1'), a);
    assert.equal(resolveDataArg('746a4a'), a);
  });

  it('says in one line what is wrong with an ambiguous or unknown hash', () => {
    assert.throws(() => resolveDataArg('746a00'), /--data 746a00: no prepared dataset with that hash/);
    assert.throws(() => resolveDataArg('746000'), /no prepared dataset/);
    dataset('746a4a00ffffffffffff');
    assert.throws(() => resolveDataArg('746a4a'), /matches 2 datasets; give more of the hash/);
    assert.throws(() => resolveDataArg('../../etc'), /no prepared dataset/);
  });
});
