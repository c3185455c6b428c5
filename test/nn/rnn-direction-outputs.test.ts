import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRU, LSTM, type RNNOptions } from '../../src/nn/rnn.js';
import { backward, record } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { recurrentLayer, recurrentLayerInto } from '../../src/tensor/ops/recurrent.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';

// The directions of a bidirectional layer write their halves of the layer's output in place
// (src/nn/rnn.ts, recurrentLayerInto): several passes alive at once (forward, forward, then both
// backward), other sizes in between, padded sequences and stacked layers must give what each
// pass gives alone, and results read after the later pass must still be their own.

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

test('recurrentLayerInto: the output rows at a stride equal recurrentLayer\'s, gradients too; bad buffers refused', () => {
  const rng = new Random(4);
  const T = 5, I = 4, H = 5;
  // Batches of 3 take the backends' few-rows paths, of 6 the batched ones.
  for (const [mode, B] of [['rnn', 3], ['lstm', 3], ['gru', 3], ['rnn', 6], ['lstm', 6], ['gru', 6]] as const) {
    const G = mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
    const lengths = Int32Array.from({ length: B }, (_, b) => 1 + ((b * 3) % T));
    for (const [rows, reverse, requiresGrad] of [[null, false, true], [lengths, true, true], [null, false, false], [lengths, false, false]] as const) {
      const x = randTensor([T, B, I], rng, requiresGrad);
      const w = { wIh: randTensor([G * H, I], rng, requiresGrad), wHh: randTensor([G * H, H], rng, requiresGrad), bIh: randTensor([G * H], rng, requiresGrad), bHh: null, wHr: null };
      const cfg = { mode, hiddenSize: H, activation: 'tanh' as const, negativeSlope: 0, reverse, lengths: rows };
      const label = `${mode} B=${B} lengths=${rows} reverse=${reverse} grad=${requiresGrad}`;
      // Rows of 2H with this layer's H values from column H on; the other columns are left alone.
      const buf = new Float32Array(T * B * 2 * H).fill(7);
      const r = recurrentLayerInto(x, null, null, w, cfg, { buf: buf.subarray(H), stride: 2 * H });
      const plain = recurrentLayer(x, null, null, w, cfg);
      for (let row = 0; row < T * B; row++) {
        assert.deepEqual(buf.subarray(row * 2 * H + H, row * 2 * H + 2 * H), plain.output.data.subarray(row * H, row * H + H), `${label}: row ${row}`);
        assert.ok(buf.subarray(row * 2 * H, row * 2 * H + H).every((v) => v === 7), `${label}: row ${row}'s other columns untouched`);
      }
      // At stride H too (the contiguous path): every value written, none left from before (the
      // layers' outputs are allocated without zero-filling, src/tensor/tensor.ts allocateUnset).
      const whole = new Float32Array(T * B * H).fill(7);
      recurrentLayerInto(x, null, null, w, cfg, { buf: whole, stride: H });
      assert.deepEqual(whole, plain.output.data, `${label}: contiguous output`);
      assert.deepEqual(r.hN.data, plain.hN.data, `${label}: hN`);
      assert.equal(r.outputGrad === null, !requiresGrad, `${label}: an output gradient is taken only when recording`);
      if (!requiresGrad) continue;
      const dOut = randTensor([T, B, H], rng);
      const grads = (run: () => void) => {
        for (const t of [x, w.wIh, w.wHh, w.bIh]) t.grad = null;
        run();
        return [x, w.wIh, w.wHh, w.bIh].map((t) => t.grad!.slice());
      };
      const expected = grads(() => backward(weightedSum(plain.output, dOut)));
      const got = grads(() => {
        const out = new Tensor(new Float32Array(T * B * H), [T, B, H]);
        const g = r.outputGrad!;
        backward(record(out, 'test-output', [g.node], (d) => g.set(d)), dOut.data);
      });
      assert.deepEqual(got, expected, `${label}: gradients`);
    }
  }
  const x = randTensor([3, 2, 4], rng);
  const w = { wIh: randTensor([15, 4], rng), wHh: randTensor([15, 5], rng), bIh: null, bHh: null, wHr: null };
  const cfg = { mode: 'gru' as const, hiddenSize: 5, activation: 'tanh' as const, negativeSlope: 0, reverse: false, lengths: null };
  assert.throws(() => recurrentLayerInto(x, null, null, w, cfg, { buf: new Float32Array(54), stride: 10 }),
    /output buffer \(54 float32 values, row stride 10\) cannot hold 6 rows of 5 float32 values/);
  assert.throws(() => recurrentLayerInto(x, null, null, w, cfg, { buf: new Float32Array(60), stride: 4 }), /row stride 4/);
  assert.throws(() => recurrentLayerInto(x, null, null, w, cfg, { buf: new Float64Array(60), stride: 10 }), /float64/);
});
