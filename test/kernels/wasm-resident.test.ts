import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernels, setBackend } from '../../src/kernels/backend.js';
import type { SequenceSpec } from '../../src/kernels/kernels.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { parametersChanged } from '../../src/kernels/weights-epoch.js';
import { LSTM } from '../../src/nn/rnn.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { SGD } from '../../src/train/optim/sgd.js';
import { Random } from '../../src/util/random.js';
import { rand } from '../helpers/sequence-case.js';

// The wasm backend keeps recurrent layers' weights in its memory between calls
// (src/kernels/wasm/resident.ts). Training passes always copy them in; for inference a copy is
// current until the parameters epoch moves: an optimiser step, loadStateDict, entering noGrad()
// or parametersChanged() must make the next call see new values.

const spec: SequenceSpec = { mode: 'lstm', T: 2, B: 1, I: 5, H: 6, P: 6, activation: 'tanh', negativeSlope: 0, rows: null };

function forward(w: { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array; bHh: Float32Array }, x: Float32Array): Float32Array {
  const out = new Float32Array(12), hN = new Float32Array(6), cN = new Float32Array(6);
  wasm.sequenceForward(spec, x, null, null, { ...w, wHr: null }, out, hN, cN, false);
  return out;
}

// A fresh copy of every array: never seen by the backend, so certainly copied in.
const fresh = (w: Record<string, Float32Array>) => ({ wIh: w.wIh.slice(), wHh: w.wHh.slice(), bIh: w.bIh.slice(), bHh: w.bHh.slice() });

test('wasm resident weights: an in-place change is seen after parametersChanged()', () => {
  const rng = new Random(1);
  const w = { wIh: rand(24 * 5, rng, 0.5), wHh: rand(24 * 6, rng, 0.5), bIh: rand(24, rng, 0.5), bHh: rand(24, rng, 0.5) };
  const x = rand(10, rng, 1);
  const before = forward(w, x);
  assert.deepEqual(forward(w, x), before);
  for (let i = 0; i < w.wHh.length; i++) w.wHh[i] *= -1;
  w.bIh[3] += 1;
  // The documented rule: without the call, the copy made in this epoch is still used.
  assert.deepEqual(forward(w, x), before);
  parametersChanged();
  const after = forward(w, x);
  assert.notDeepEqual(after, before);
  assert.deepEqual(after, forward(fresh(w), x));
});

test('wasm resident weights: a module sees optimiser steps and loadStateDict', () => {
  const previous = kernels().name;
  setBackend('wasm');
  try {
    const rng = new Random(2);
    const m = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, rng });
    const x = Tensor.from(rand(3, rng, 1), [1, 1, 3]);
    const outputOf = (model: LSTM) => Float32Array.from(model.forward(x).output.data);
    // What a model with these very values computes, through arrays the backend never saw.
    const reference = () => {
      const copy = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, rng: new Random(99) });
      copy.loadStateDict(new Map([...m.namedParameters()].map(([k, t]) => [k, Tensor.from(t.data, t.shape)])));
      return outputOf(copy);
    };
    const first = outputOf(m);
    assert.deepEqual(first, reference());

    const opt = new SGD(m.parameters(), { lr: 0.5 });
    backward(weightedSum(m.forward(x).output, Tensor.from(rand(5, rng, 1), [1, 1, 5])));
    opt.step();
    const stepped = outputOf(m);
    assert.notDeepEqual(stepped, first);
    assert.deepEqual(stepped, reference());

    const other = new LSTM({ inputSize: 3, hiddenSize: 5, numLayers: 2, rng: new Random(5) });
    m.loadStateDict(other.stateDict());
    assert.deepEqual(outputOf(m), outputOf(other));
  } finally {
    setBackend(previous);
  }
});

test('wasm resident weights: training passes and a new noGrad block see in-place changes without parametersChanged()', () => {
  const previous = kernels().name;
  setBackend('wasm');
  try {
    const rng = new Random(4);
    const m = new LSTM({ inputSize: 3, hiddenSize: 5, rng });
    const x = Tensor.from(rand(3, rng, 1), [1, 1, 3]);
    const inference = () => noGrad(() => Float32Array.from(m.forward(x).output.data));
    const training = () => Float32Array.from(m.forward(x).output.data);
    const first = inference();
    m.parameters()[1].data[0] += 2; // weight_hh_l0, written in place
    m.parameters()[2].data[1] -= 1; // bias_ih_l0
    const trained = training();
    assert.notDeepEqual(trained, first);
    assert.deepEqual(inference(), trained);
    m.parameters()[0].data[2] += 1; // weight_ih_l0, then a new noGrad block
    assert.notDeepEqual(inference(), trained);
    assert.deepEqual(inference(), training());
  } finally {
    setBackend(previous);
  }
});

test('wasm resident weights: a weight shorter than the layer needs is an error naming it', () => {
  const rng = new Random(3);
  const w = { wIh: rand(24 * 5, rng, 0.5), wHh: rand(24 * 6 - 1, rng, 0.5), bIh: rand(24, rng, 0.5), bHh: rand(24, rng, 0.5) };
  assert.throws(() => forward(w, rand(10, rng, 1)), /wHh has 143 values, the layer needs 144/);
});
