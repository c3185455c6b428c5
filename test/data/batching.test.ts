import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketByLength, shuffledBatches } from '../../src/data/batching.js';
import { padBatch } from '../../src/data/pad-batch.js';
import { Random } from '../../src/util/random.js';

test('padBatch lays out ids, lengths and mask time-major or batch-first', () => {
  const seqs = [[1, 2, 3], [4], Int32Array.from([5, 6])];
  const tm = padBatch(seqs, { padId: 0 });
  assert.deepEqual(tm.shape, [3, 3]);
  assert.deepEqual(Array.from(tm.ids), [1, 4, 5, 2, 0, 6, 3, 0, 0]);
  assert.deepEqual(Array.from(tm.mask), [1, 1, 1, 1, 0, 1, 1, 0, 0]);
  assert.deepEqual(Array.from(tm.lengths), [3, 1, 2]);
  assert.ok(tm.mask instanceof Float32Array && tm.ids instanceof Int32Array);
  const bf = padBatch(seqs, { padId: 9, timeMajor: false });
  assert.deepEqual(bf.shape, [3, 3]);
  assert.deepEqual(Array.from(bf.ids), [1, 2, 3, 4, 9, 9, 5, 6, 9]);
  assert.deepEqual(Array.from(bf.mask), [1, 1, 1, 1, 0, 0, 1, 1, 0]);
});

test('padBatch with maxLen truncates long sequences and pads short batches', () => {
  const cut = padBatch([[1, 2, 3], [4], [5, 6]], { padId: 0, maxLen: 2 });
  assert.deepEqual(cut.shape, [2, 3]);
  assert.deepEqual(Array.from(cut.ids), [1, 4, 5, 2, 0, 6]);
  assert.deepEqual(Array.from(cut.lengths), [2, 1, 2]);
  const wide = padBatch([[7], [8, 9]], { padId: 0, maxLen: 4, timeMajor: false });
  assert.deepEqual(wide.shape, [2, 4]);
  assert.deepEqual(Array.from(wide.ids), [7, 0, 0, 0, 8, 9, 0, 0]);
  assert.throws(() => padBatch([], { padId: 0 }), /the batch has no sequences/);
  assert.throws(() => padBatch([[1, 2.5]], { padId: 0 }), /sequence 0 has a non-integer id 2.5 at step 1/);
});

test('shuffledBatches is a seeded permutation cut into batches', () => {
  const batches = shuffledBatches(10, 3, new Random(3));
  assert.deepEqual(batches.map((b) => b.length), [3, 3, 3, 1]);
  const order = new Random(3).shuffle(Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual(batches.flat(), order);
  assert.deepEqual(shuffledBatches(10, 3, new Random(3), true), batches.slice(0, 3));
  assert.deepEqual(shuffledBatches(0, 3, new Random(3)), []);
});

test('bucketByLength with one chunk groups the sorted lengths exactly', () => {
  const lengths = [5, 1, 4, 2, 3, 6];
  const items = lengths.map((n) => new Array(n).fill(0));
  const batches = bucketByLength(items, 2, new Random(1));
  // Sorted by length: indices 1, 3, 4, 2, 0, 5 -> pairs; the batch order is shuffled.
  assert.deepEqual(batches.map((b) => b.join(',')).sort(), ['0,5', '1,3', '4,2']);
  assert.deepEqual(bucketByLength(items, 2, new Random(1)), batches, 'same seed, same batches');
});

test('bucketByLength covers every index once and keeps batches of similar lengths', () => {
  const rng = new Random(5);
  const items = Array.from({ length: 203 }, () => ({ tokens: new Array(1 + rng.int(40)).fill(1) }));
  const key = (item: { tokens: number[] }) => item.tokens.length;
  const batches = bucketByLength(items, 8, new Random(2), { key, chunkBatches: 5 });
  assert.equal(batches.length, Math.ceil(203 / 8));
  assert.deepEqual(batches.flat().sort((a, b) => a - b), Array.from({ length: 203 }, (_, i) => i));
  for (const batch of batches) {
    const ls = batch.map((i) => key(items[i]));
    assert.deepEqual(ls, [...ls].sort((a, b) => a - b), 'sorted within its chunk');
  }
  const padding = (bs: number[][]) => bs.reduce((sum, b) => {
    const ls = b.map((i) => key(items[i]));
    return sum + ls.length * Math.max(...ls) - ls.reduce((s, v) => s + v, 0);
  }, 0);
  assert.ok(padding(batches) * 4 < padding(shuffledBatches(203, 8, new Random(2))), 'much less padding than random batches');
  const dropped = bucketByLength(items, 8, new Random(2), { key, chunkBatches: 5, dropLast: true });
  assert.equal(dropped.length, 25);
  assert.ok(dropped.every((b) => b.length === 8));
  assert.equal(new Set(dropped.flat()).size, 200);
  assert.throws(() => bucketByLength([1, 2], 1, new Random(0)), /item 0 has no numeric length; pass options.key/);
});
