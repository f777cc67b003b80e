import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlywheelError } from '../errors.ts';
import { chooseValDocs, SPLIT } from './split.ts';

const docs = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => ({ id: `doc${i}`, bytes }));

test('the split is deterministic and does not depend on document order', () => {
  const a = chooseValDocs('news', docs(200, 10_000));
  const b = chooseValDocs('news', docs(200, 10_000).reverse());
  assert.deepEqual([...a].sort(), [...b].sort());
});

test('validation and training documents are disjoint and cover the domain', () => {
  const all = docs(200, 10_000);
  const val = chooseValDocs('news', all);
  const train = all.filter((d) => !val.has(d.id));
  assert.equal(train.length + val.size, all.length);
  assert.ok(train.every((d) => !val.has(d.id)));
});

test('the validation set holds at least the minimum bytes and differs between domains', () => {
  const val = chooseValDocs('news', docs(200, 10_000));
  assert.ok(val.size * 10_000 >= SPLIT.VAL_MIN_BYTES);
  assert.ok(val.size * 10_000 < SPLIT.VAL_MIN_BYTES + 10_000);
  assert.notDeepEqual([...val].sort(), [...chooseValDocs('fiction', docs(200, 10_000))].sort());
});

test('a small domain keeps most of its text for training and one document on each side', () => {
  assert.equal(chooseValDocs('tiny', docs(2, 100)).size, 1);
  assert.equal(chooseValDocs('small', docs(8, 1_000)).size, 2); // 25% share cap
});

test('a big domain is capped at the maximum validation bytes', () => {
  const val = chooseValDocs('big', docs(10_000, 10_000));
  assert.ok(val.size * 10_000 <= SPLIT.VAL_MAX_BYTES);
});

test('a domain with a single document cannot be split', () => {
  assert.throws(
    () => chooseValDocs('one', docs(1, 100)),
    (e: unknown) => e instanceof FlywheelError && /"one"/.test(e.message),
  );
});
