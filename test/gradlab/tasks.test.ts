import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AGREEMENT_VOCAB, COPY_ALPHABET, addingTask, agreementTask, copyTask, makeTask } from '../../src/gradlab/tasks/index.js';
import type { TaskBatch } from '../../src/gradlab/tasks/task.js';
import { Random } from '../../src/util/random.js';

/** The token at time t of sequence b of a one-hot batch (asserting exactly one hot entry). */
function tokenAt(batch: TaskBatch, V: number, t: number, b: number): number {
  const row = batch.x.subarray((t * batch.B + b) * V, (t * batch.B + b + 1) * V);
  const hot = [...row.keys()].filter((i) => row[i] !== 0);
  assert.equal(hot.length, 1, `one-hot at t=${t}, b=${b}`);
  assert.equal(row[hot[0]], 1);
  return hot[0];
}

describe('long-range tasks', () => {
  test('agreement: subject, k distractors, verb slot; the label is the subject\'s number', () => {
    const task = agreementTask(7);
    const V = AGREEMENT_VOCAB.length;
    assert.deepEqual([task.length, task.inputSize, task.outputSize, task.chanceAccuracy], [9, V, 2, 0.5]);
    const batch = task.batch(new Random(3), 64);
    assert.deepEqual([batch.T, batch.B, batch.outputSteps, batch.targets.length], [9, 64, 1, 64]);
    let plural = 0;
    for (let b = 0; b < 64; b++) {
      const subject = AGREEMENT_VOCAB[tokenAt(batch, V, 0, b)];
      const isPlural = subject.endsWith('s') || subject === 'children';
      assert.equal(batch.targets[b], isPlural ? 1 : 0, `sequence ${b}: '${subject}'`);
      plural += batch.targets[b];
      for (let t = 1; t <= 7; t++) assert.ok(tokenAt(batch, V, t, b) >= 8 && tokenAt(batch, V, t, b) < V - 1, 'distractor');
      assert.equal(AGREEMENT_VOCAB[tokenAt(batch, V, 8, b)], '<verb>');
    }
    assert.ok(plural > 16 && plural < 48, `both numbers occur (${plural} plural of 64)`);
    assert.deepEqual(task.batch(new Random(3), 64).x, batch.x, 'same seed, same batch');
    assert.notDeepEqual(task.batch(new Random(4), 64).x, batch.x);
  });

  test('adding: two markers, one per half; the target is the sum of the marked values', () => {
    const task = addingTask(20);
    const batch = task.batch(new Random(5), 50);
    assert.deepEqual([batch.T, task.inputSize, task.kind], [20, 2, 'regress']);
    for (let b = 0; b < 50; b++) {
      const marked: number[] = [];
      let sum = 0;
      for (let t = 0; t < 20; t++) {
        const v = batch.x[(t * 50 + b) * 2], m = batch.x[(t * 50 + b) * 2 + 1];
        assert.ok(v >= 0 && v < 1);
        if (m === 1) { marked.push(t); sum += v; } else assert.equal(m, 0);
      }
      assert.equal(marked.length, 2);
      assert.ok(marked[0] < 10 && marked[1] >= 10, `markers at ${marked}`);
      assert.ok(Math.abs(batch.targets[b] - sum) < 1e-6);
    }
    assert.ok(task.isCorrect(1.03, 1) && !task.isCorrect(1.05, 1));
    assert.ok(Math.abs(task.chanceAccuracy - 0.0784) < 1e-12, 'P(|u1 + u2 - 1| < 0.04)');
  });

  test('copy: m symbols, delay, go marker; answers are the symbols in order at the last m steps', () => {
    const m = 3, delay = 6, task = copyTask(delay, m);
    const V = COPY_ALPHABET + 2;
    const batch = task.batch(new Random(9), 10);
    assert.deepEqual([batch.T, batch.outputSteps, task.outputSize], [2 * m + delay, m, COPY_ALPHABET]);
    for (let b = 0; b < 10; b++) {
      for (let j = 0; j < m; j++) assert.equal(batch.targets[j * 10 + b], tokenAt(batch, V, j, b));
      for (let t = m; t < batch.T; t++) assert.equal(tokenAt(batch, V, t, b), t === batch.T - m ? COPY_ALPHABET + 1 : COPY_ALPHABET);
    }
  });

  test('makeTask names the tasks and rejects bad distances', () => {
    assert.equal(makeTask('copy', 4).length, 10);
    assert.throws(() => makeTask('parity', 4), /unknown task 'parity': choose one of agreement, adding, copy/);
    assert.throws(() => makeTask('agreement', 0), /agreement: distance must be a whole number >= 1, got 0/);
    assert.throws(() => makeTask('adding', 1.5), /adding: distance/);
  });
});
