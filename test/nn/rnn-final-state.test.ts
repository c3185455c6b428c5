import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernels } from '../../src/kernels/backend.js';
import type { RNNOptions } from '../../src/nn/rnn.js';
import { backward, noGrad } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { type RecurrentKind, makeRecurrent, randTensor } from '../helpers/random-tensor.js';

// finalState (Keras's return_sequences=False) gives forward's hN and cN, and their gradients, bit
// for bit on the backend under test, without the last layer's per-step output: its sequence
// kernel is called with no output buffer (earlier layers still make theirs: the next one reads it).

type Kind = RecurrentKind;
const make = makeRecurrent;


interface Case { kind: Kind; T: number; B: number; opts: Partial<RNNOptions>; lengths?: number[]; unbatched?: boolean }

const cases: Case[] = [];
for (const kind of ['rnn', 'lstm', 'gru'] as Kind[]) {
  cases.push(
    { kind, T: 6, B: 3, opts: {} },
    { kind, T: 5, B: 2, opts: { bidirectional: true, numLayers: 2 }, lengths: [3, 5] },
    { kind, T: 17, B: 9, opts: { bidirectional: true }, lengths: [17, 1, 9, 16, 17, 2, 3, 17, 5] },
    { kind, T: 4, B: 65, opts: { numLayers: 2, batchFirst: true } },
    { kind, T: 7, B: 1, opts: {}, unbatched: true },
  );
}
cases.push({ kind: 'lstm', T: 9, B: 5, opts: { projSize: 3, bidirectional: true, numLayers: 2 }, lengths: [9, 2, 7, 9, 1] });

const label = (c: Case) => `${c.kind} T=${c.T} B=${c.B} ${JSON.stringify(c.opts)}${c.lengths ? ` lengths=${c.lengths}` : ''}${c.unbatched ? ' unbatched' : ''}`;

function setup(c: Case, dtype: DType) {
  const I = 4, H = 6;
  const m = make(c.kind, { inputSize: I, hiddenSize: H, dtype, rng: new Random(5), ...c.opts });
  const rng = new Random(11);
  const D = m.directions, L = m.numLayers;
  const xShape = c.unbatched ? [c.T, I] : c.opts.batchFirst ? [c.B, c.T, I] : [c.T, c.B, I];
  const stateShape = c.unbatched ? [D * L, m.outSize] : [D * L, c.B, m.outSize];
  const cellShape = c.unbatched ? [D * L, H] : [D * L, c.B, H];
  const x = randTensor(xShape, rng, dtype, true);
  const h0 = randTensor(stateShape, rng, dtype, true);
  const c0 = c.kind === 'lstm' ? randTensor(cellShape, rng, dtype, true) : null;
  const wH = randTensor(stateShape, rng, dtype), wC = randTensor(cellShape, rng, dtype);
  const opts = { h0, c0, lengths: c.lengths };
  const lossOf = (r: { hN: Tensor; cN: Tensor | null }) => (r.cN ? add(weightedSum(r.hN, wH), weightedSum(r.cN, wC)) : weightedSum(r.hN, wH));
  return { m, x, h0, c0, opts, lossOf };
}

/** Records the `out` argument of each sequence kernel call while fn runs. */
function outArguments(fn: () => void): (unknown | null)[] {
  const k = kernels();
  const original = k.sequenceForward;
  const seen: (unknown | null)[] = [];
  k.sequenceForward = (...a) => { seen.push(a[5]); return original.apply(k, a); };
  try { fn(); } finally { k.sequenceForward = original; }
  return seen;
}

for (const c of cases) {
  test(`finalState equals forward's final state and its gradients: ${label(c)}`, () => {
    const grads = (state: boolean) => {
      const { m, x, h0, c0, opts, lossOf } = setup(c, 'float32');
      let r!: { hN: Tensor; cN: Tensor | null };
      const outs = outArguments(() => { r = state ? m.finalState(x, opts) : m.forward(x, opts); });
      const D = m.directions, L = m.numLayers;
      assert.equal(outs.length, D * L);
      // Only the last layer's calls go without an output buffer, and only in finalState.
      outs.forEach((o, i) => assert.equal(o === null, state && i >= D * (L - 1), `call ${i} of ${outs.length}`));
      const values = [r.hN, r.cN].filter((t) => t).map((t) => Array.from(t!.data));
      backward(lossOf(r));
      const g = [x, h0, c0, ...m.parameters()].filter((t) => t).map((t) => Array.from(t!.grad!));
      return { values, g };
    };
    const viaForward = grads(false), viaState = grads(true);
    assert.deepEqual(viaState.values, viaForward.values);
    assert.deepEqual(viaState.g, viaForward.g);
  });
}

test('finalState in inference (noGrad) equals forward, for every case', () => {
  for (const c of cases) {
    const { m, x, opts } = setup(c, 'float32');
    const a = noGrad(() => m.forward(x, opts)), b = noGrad(() => m.finalState(x, opts));
    assert.deepEqual(Array.from(b.hN.data), Array.from(a.hN.data), label(c));
    assert.deepEqual(b.hN.shape, a.hN.shape, label(c));
    assert.deepEqual(b.cN && Array.from(b.cN.data), a.cN && Array.from(a.cN.data), label(c));
  }
});

test('finalState gradients match finite differences (float64, bidirectional LSTM, 2 layers, lengths)', () => {
  const c: Case = { kind: 'lstm', T: 4, B: 3, opts: { bidirectional: true, numLayers: 2 }, lengths: [4, 1, 3] };
  const { m, x, h0, c0, opts, lossOf } = setup(c, 'float64');
  const inputs: Record<string, Tensor> = { x, h0, c0: c0!, ...Object.fromEntries(m.namedParameters()) };
  const checked = gradcheck(() => lossOf(m.finalState(x, opts)), inputs, { atol: 1e-7, rtol: 1e-5 });
  assert.equal(checked, Object.values(inputs).reduce((n, t) => n + t.size, 0));
});
