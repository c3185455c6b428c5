import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type CharLMCheckpointMeta, trainCharLM } from '../../src/apps/charlm/train.js';
import { loadStateDictFile } from '../../src/io/safetensors-file.js';
import { sum } from '../../src/tensor/ops/basic.js';
import { linear } from '../../src/tensor/ops/linear.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { NonFiniteError } from '../../src/train/guards.js';
import { trainLoop } from '../../src/train/loop.js';
import { SGD } from '../../src/train/optim/sgd.js';

// Divergence stops training loudly, naming the step and the tensor, before the bad update and
// before any checkpoint of it: the last checkpoint on disk stays loadable and finite.

const allFinite = (t: { data: ArrayLike<number> }) => Array.prototype.every.call(t.data, Number.isFinite);

test('trainCharLM with an absurd learning rate stops with NonFiniteError; the last checkpoint stays finite', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'rnnkit-nan-'));
  try {
    const losses: number[] = [];
    const saved: number[] = [];
    let error: unknown;
    try {
      // A ReLU RNN under Adam with lr 10: activations explode until the loss becomes NaN.
      trainCharLM({
        text: 'the quick brown fox jumps over the lazy dog. '.repeat(30), outDir,
        cell: 'rnn', nonlinearity: 'relu', embeddingDim: 8, hiddenSize: 16, batchSize: 4, seqLen: 8,
        optimizer: 'adam', lr: 10, clip: 0, maxSteps: 50, checkpointEvery: 1, evalEvery: 0, sampleEvery: 0, seed: 0,
        onStep: (info) => losses.push(info.loss),
        onCheckpoint: (step) => saved.push(step),
      });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof NonFiniteError, `expected a NonFiniteError, got ${String(error)}`);
    const failed = error.step;
    assert.ok(failed >= 2 && failed < 50, `diverged at step ${failed}`);
    assert.equal(error.tensorName, 'the loss');
    assert.match(error.message, new RegExp(`^step ${failed}: the loss is (NaN|-?Infinity); training stopped \\(the last checkpoint is kept\\)\\. Try a lower learning rate`));
    // Steps before the failing one completed and were checkpointed; the failing one was not.
    assert.equal(losses.length, failed - 1);
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[losses.length - 1] > 100 * losses[0], `the loss exploded first: ${losses.join(', ')}`);
    assert.deepEqual(saved, Array.from({ length: failed - 1 }, (_, i) => i + 1));

    const ckpt = loadCheckpoint<CharLMCheckpointMeta>(join(outDir, 'checkpoint.safetensors'));
    assert.equal(ckpt.meta.step, failed - 1);
    for (const [name, t] of [...ckpt.model, ...ckpt.extra]) assert.ok(allFinite(t), `checkpoint tensor ${name} is not finite`);
    // The optimiser state loads, but is not required to be finite: with gradients beyond ~1.8e19,
    // Adam's float32 exp_avg_sq overflows to Infinity (as in PyTorch), which only zeroes those
    // elements' updates. NaN would poison resuming, and there is none.
    for (const [name, buf] of Object.entries(ckpt.optimizer!.buffers)) assert.ok(!buf.some(Number.isNaN), `optimiser buffer ${name} holds NaN`);
    const weights = loadStateDictFile(join(outDir, 'model.safetensors'));
    for (const [name, t] of ckpt.model) assert.deepEqual(weights.get(name)!.data, t.data, `model.safetensors ${name} is not the checkpoint's`);
    assert.deepEqual(readdirSync(outDir).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});

test('trainLoop names the parameter whose gradient overflowed, and neither updates nor checkpoints that step', () => {
  // Steps 1-4 train `a`; step 5 feeds `b` inputs of 3e38: the loss (8 * 3e38 * 1e-38 = 24) is
  // finite, but b's gradient, the sum of the 8 inputs, overflows float32 to Infinity.
  const a = Tensor.from([0.5], [1, 1], 'float32', true);
  const b = Tensor.from([1e-38], [1, 1], 'float32', true);
  const params: [string, Tensor][] = [['encoder.a', a], ['head.b', b]];
  const checkpoints: { step: number; a: number; b: number }[] = [];
  let error: unknown;
  try {
    trainLoop({
      params, optimizer: new SGD([a, b], { lr: 0.1 }), maxSteps: 10, checkpointEvery: 2,
      forward: (step) => {
        const x = Tensor.from(new Array(8).fill(step < 5 ? 1 : 3e38), [8, 1]);
        return { loss: sum(linear(x, step < 5 ? a : b, null)), items: 8 };
      },
      saveCheckpoint: (step) => checkpoints.push({ step, a: a.data[0], b: b.data[0] }),
    });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof NonFiniteError, `expected a NonFiniteError, got ${String(error)}`);
  assert.equal(error.step, 5);
  assert.equal(error.tensorName, 'the gradient of head.b');
  assert.equal(error.message, 'step 5: the gradient of head.b holds Infinity (first at index 0 of 1); training stopped '
    + '(the last checkpoint is kept). Try a lower learning rate or gradient clipping (--clip).');
  // 4 SGD steps of gradient 8 on a; b untouched; no checkpoint after step 4.
  assert.equal(a.data[0], Math.fround(Math.fround(Math.fround(Math.fround(0.5 - 0.8) - 0.8) - 0.8) - 0.8));
  assert.equal(b.data[0], Math.fround(1e-38));
  assert.deepEqual(checkpoints.map((c) => c.step), [2, 4]);
  assert.equal(checkpoints[1].a, a.data[0]);
});
