import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import { MetricAccumulator, StreamingMean, accuracy } from '../../src/train/metrics.js';

test('accuracy counts row-wise argmax hits; ties go to the first class; ignoreIndex and mask leave rows out', () => {
  // logits [4, 3]: argmax 2, 0 (tie 0/1), 1, 0
  const logits = new Tensor(Float32Array.from([0, 1, 2, 5, 5, 1, -1, 3, 2, 0, 0, 0]), [4, 3]);
  assert.deepEqual(accuracy(logits, [2, 0, 0, 0]), { correct: 3, total: 4 });
  assert.deepEqual(accuracy(logits, [2, 1, 1, 1]), { correct: 2, total: 4 });
  assert.deepEqual(accuracy(logits, [2, -100, 0, 0], { ignoreIndex: -100 }), { correct: 2, total: 3 });
  assert.deepEqual(accuracy(logits, [2, 0, 0, 0], { mask: [1, 0, 0, 1] }), { correct: 2, total: 2 });
  // [T, B, C] flattens to T*B rows.
  assert.deepEqual(accuracy(new Tensor(logits.data, [2, 2, 3]), [2, 0, 1, 0]), { correct: 4, total: 4 });
  assert.throws(() => accuracy(logits, [0, 1]), /accuracy: 2 targets for 4 rows of logits \(logits: \[4, 3\]\)/);
  assert.throws(() => accuracy(logits, [0, 1, 3, 0]), /accuracy: target 3 of row 2 is not a class in \[0, 3\)/);
});

test('a streaming mean weights batch means by their items; the accumulator gives loss, accuracy and perplexity', () => {
  const m = new StreamingMean();
  assert.ok(Number.isNaN(m.mean));
  m.add(2, 3);
  m.add(4, 1);
  assert.equal(m.mean, 2.5);
  assert.equal(StreamingMean.from(m.state()).mean, 2.5);

  const a = new MetricAccumulator();
  a.add({ loss: 1, items: 2, correct: 1, total: 2, metrics: { f: 0 } });
  a.add({ loss: 4, items: 6, correct: 6, total: 6, metrics: { f: 1 } });
  const s = a.summary({ perplexity: true });
  assert.deepEqual(Object.keys(s), ['loss', 'f', 'accuracy', 'perplexity']);
  assert.equal(s.loss, (1 * 2 + 4 * 6) / 8);
  assert.equal(s.f, 0.75);
  assert.equal(s.accuracy, 7 / 8);
  assert.equal(s.perplexity, Math.exp(s.loss));
  assert.deepEqual(MetricAccumulator.from(a.state()).summary({ perplexity: true }), s);
  // Without counts there is no accuracy.
  const b = new MetricAccumulator();
  b.add({ loss: 1, items: 1 });
  assert.deepEqual(b.summary(), { loss: 1 });
  assert.deepEqual(MetricAccumulator.from(b.state()).summary(), { loss: 1 });
  assert.throws(() => b.add({ loss: 1, items: 1, correct: 1 }), /gave only one of correct and total/);
});
