import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RNNOptions } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { type DType, Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { type RecurrentKind, makeRecurrent, randTensor } from '../helpers/random-tensor.js';

// A loss that reads only some of a layer's results (the final state alone, as a classifier does,
// or the output alone): the results without a gradient must count as zero gradients.

type Kind = RecurrentKind;
type Part = 'output' | 'hN' | 'cN';
const make = makeRecurrent;


interface Setup { kind: Kind; T: number; B: number; I: number; H: number; opts: Partial<RNNOptions>; lengths?: number[] }

function lossOf(s: Setup, dtype: DType, parts: readonly Part[], zeroWeightsFor: readonly Part[] = []) {
  const rng = new Random(17);
  const m = make(s.kind, { inputSize: s.I, hiddenSize: s.H, dtype, rng: new Random(3), ...s.opts });
  const D = m.directions, L = m.numLayers, P = m.outSize;
  const x = randTensor([s.T, s.B, s.I], rng, dtype, true);
  const weights: Record<Part, Tensor> = {
    output: randTensor([s.T, s.B, D * P], rng, dtype), hN: randTensor([D * L, s.B, P], rng, dtype),
    cN: randTensor([D * L, s.B, s.H], rng, dtype),
  };
  for (const p of zeroWeightsFor) weights[p].data.fill(0);
  const loss = () => {
    const r = m.forward(x, { lengths: s.lengths });
    const terms = parts.map((p) => weightedSum(p === 'output' ? r.output : p === 'hN' ? r.hN : r.cN!, weights[p]));
    return terms.reduce((a, b) => add(a, b));
  };
  return { m, x, loss };
}

const setups: Setup[] = [];
for (const kind of ['rnn', 'lstm', 'gru'] as Kind[]) {
  setups.push(
    { kind, T: 3, B: 2, I: 3, H: 4, opts: {} },
    { kind, T: 5, B: 3, I: 2, H: 3, opts: { bidirectional: true, numLayers: 2 }, lengths: [3, 5, 1] },
  );
}
const subsets: Record<Kind, Part[][]> = {
  rnn: [['hN'], ['output']], gru: [['hN'], ['output']],
  lstm: [['hN'], ['output'], ['cN'], ['output', 'cN'], ['hN', 'cN']],
};

for (const s of setups) {
  for (const parts of subsets[s.kind]) {
    const label = `${s.kind} ${JSON.stringify(s.opts)}${s.lengths ? ` lengths=${s.lengths}` : ''}, loss on ${parts.join(' + ')}`;
    test(`finite differences: ${label}`, () => {
      const { m, x, loss } = lossOf(s, 'float64', parts);
      const inputs: Record<string, Tensor> = { x, ...Object.fromEntries(m.namedParameters()) };
      const checked = gradcheck(loss, inputs, { atol: 1e-7, rtol: 1e-5 });
      assert.equal(checked, Object.values(inputs).reduce((n, t) => n + t.size, 0));
    });
  }
}

// float32 on the backend under test: a result left out of the loss gives exactly the gradients
// of a loss that reads it with zero weights (the kernels see the same zeros either way), also
// after a larger and a smaller layer ran backward in between.
test('float32: results without a gradient equal zero-weighted results, any size, repeatedly', () => {
  const small: Setup = { kind: 'gru', T: 17, B: 3, I: 5, H: 7, opts: { bidirectional: true } };
  const large: Setup = { kind: 'lstm', T: 65, B: 4, I: 3, H: 9, opts: { numLayers: 2 }, lengths: [65, 1, 30, 64] };
  const grads = (s: Setup, parts: Part[], zeroed: Part[]) => {
    const { m, x, loss } = lossOf(s, 'float32', parts, zeroed);
    backward(loss());
    return [x.grad!, ...m.parameters().map((p) => p.grad!)].map((g) => Array.from(g));
  };
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(grads(small, ['hN'], []), grads(small, ['output', 'hN'], ['output']));
    assert.deepEqual(grads(large, ['hN'], []), grads(large, ['output', 'hN', 'cN'], ['output', 'cN']));
    assert.deepEqual(grads(large, ['output'], []), grads(large, ['output', 'hN', 'cN'], ['hN', 'cN']));
  }
});
