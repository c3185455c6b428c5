import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shuffleSplit, splitTrainValidation } from '../../src/data/split.js';
import { Random } from '../../src/util/random.js';

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

test('splitTrainValidation keeps the last part for validation, like data[:int(n*0.9)]', () => {
  const { train, validation } = splitTrainValidation(range(10));
  assert.deepEqual(Array.from(train), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Array.from(validation), [9]);
  const odd = splitTrainValidation(range(25));
  assert.equal(odd.train.length, 22);
  assert.deepEqual(Array.from(odd.validation), [22, 23, 24]);
  assert.equal(splitTrainValidation(range(10), 0.25).train.length, 7);
  assert.equal(splitTrainValidation(range(4), 0).validation.length, 0);
  assert.throws(() => splitTrainValidation(range(10), 1), /valFraction must be in \[0, 1\), got 1/);
  assert.throws(() => splitTrainValidation(range(1), 0.5), /1 items leave none for training/);
});

test('shuffleSplit is a seeded permutation cut at the same sizes', () => {
  const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const { train, validation } = shuffleSplit(items, 0.2, new Random(7));
  const order = new Random(7).shuffle(Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual(train, order.slice(0, 8).map((i) => items[i]));
  assert.deepEqual(validation, order.slice(8).map((i) => items[i]));
  assert.deepEqual([...train, ...validation].sort(), items);
  assert.deepEqual(shuffleSplit(items, 0.2, new Random(7)), { train, validation });
  assert.notDeepEqual(shuffleSplit(items, 0.2, new Random(8)).train, train);
});
