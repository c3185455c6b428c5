import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRU, LSTM, type RNNOptions } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { recurrentLayer } from '../../src/tensor/ops/recurrent.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';

// The directions of a bidirectional layer write their outputs into buffers kept for them
// (src/nn/rnn.ts): several passes alive at once (forward, forward, then both backward), other
// sizes in between, padded sequences and stacked layers must give what each pass gives alone,
// and results read after the later pass must still be their own (a one-direction module
// returns its last layer's output as it is: that one must never be such a buffer).

function randTensor(shape: number[], rng: Random, requiresGrad = false): Tensor {
  const t = Tensor.zeros(shape, 'float32', requiresGrad);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
  return t;
}

interface Pass { T: number; B: number; lengths?: number[]; seed: number }

function makeModel(kind: 'gru' | 'lstm', opts: Partial<RNNOptions>) {
  const o = { inputSize: 5, hiddenSize: 7, bidirectional: true, rng: new Random(9), ...opts };
  return kind === 'gru' ? new GRU(o) : new LSTM(o);
}

/** Runs the forward pass of p; returns its results and a function that runs its backward. */
function start(m: GRU | LSTM, p: Pass) {
  const rng = new Random(p.seed);
  const D = m.directions, L = m.numLayers, P = m.outSize;
  const x = randTensor([p.T, p.B, 5], rng, true);
  const r = m.forward(x, { lengths: p.lengths });
  const wOut = randTensor([p.T, p.B, D * P], rng), wH = randTensor([D * L, p.B, P], rng);
  // The results' own data, read after later passes ran: they must not share memory with those.
  return {
    output: r.output.data, hN: r.hN.data,
    finish() {
      for (const w of m.parameters()) w.grad = null;
      backward(add(weightedSum(r.output, wOut), weightedSum(r.hN, wH)));
      return { dx: x.grad!.slice(), dW: m.parameters().map((w) => w.grad!.slice()) };
    },
  };
}

test('recurrent modules: passes alive at once give what each gives alone (outputs, states, gradients)', () => {
  for (const kind of ['gru', 'lstm'] as const) {
    for (const [numLayers, bidirectional] of [[1, true], [2, true], [1, false], [2, false]] as const) {
      const m = makeModel(kind, { numLayers, bidirectional });
      const a: Pass = { T: 6, B: 3, seed: 1 }, b: Pass = { T: 4, B: 5, lengths: [4, 1, 3, 2, 4], seed: 2 };
      const alone = [a, b].map((p) => {
        const s = start(m, p);
        return { output: s.output.slice(), hN: s.hN.slice(), grads: s.finish() };
      });
      const first = start(m, a), second = start(m, b);
      const label = `${kind} numLayers=${numLayers} bidirectional=${bidirectional}`;
      assert.deepEqual(first.output, alone[0].output, `${label}: first pass output`);
      assert.deepEqual(first.hN, alone[0].hN, `${label}: first pass hN`);
      assert.deepEqual(second.output, alone[1].output, `${label}: second pass output`);
      assert.deepEqual(second.finish(), alone[1].grads, `${label}: second pass gradients`);
      assert.deepEqual(first.finish(), alone[0].grads, `${label}: first pass gradients`);
    }
  }
});

test('recurrentLayer: outInto too short or of another dtype is refused, naming both', () => {
  const rng = new Random(4);
  const x = randTensor([3, 2, 4], rng);
  const w = { wIh: randTensor([15, 4], rng), wHh: randTensor([15, 5], rng), bIh: null, bHh: null, wHr: null };
  const cfg = { mode: 'gru' as const, hiddenSize: 5, activation: 'tanh' as const, negativeSlope: 0, reverse: false, lengths: null };
  assert.throws(() => recurrentLayer(x, null, null, w, cfg, new Float32Array(29)), /outInto holds 29 float32 values, the output needs 30 float32/);
  assert.throws(() => recurrentLayer(x, null, null, w, cfg, new Float64Array(30)), /float64/);
  const into = new Float32Array(40);
  const r = recurrentLayer(x, null, null, w, cfg, into);
  assert.equal(r.output.data.buffer, into.buffer);
  assert.deepEqual(r.output.data, recurrentLayer(x, null, null, w, cfg).output.data);
});
