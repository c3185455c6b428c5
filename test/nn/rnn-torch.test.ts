import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRU, LSTM, RNN, type RNNOptions } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor, type DType } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';
import { type JsonTensor, TOLERANCE, compareWithTorch as compare, tensorFromJson as tensor } from '../helpers/torch-json.js';

// RNN/LSTM/GRU against PyTorch 1.13 (fixtures/rnn/*.json, from scripts/fixtures/rnn_fixtures.py):
// same weights and inputs, loss = sum(output*wO) + sum(hN*wH) + sum(cN*wC); outputs, final states
// and every gradient must match. Each case runs in float32 (training precision, tolerances for
// float32 rounding through the recurrence) and in float64 (near-exact agreement).

interface LayerCase {
  name: string;
  kind: 'rnn' | 'lstm' | 'gru';
  reference: 'torch' | 'manual';
  torch: string;
  config: RNNOptions;
  unbatched: boolean;
  params: Record<string, JsonTensor>;
  input: { x: JsonTensor; h0: JsonTensor | null; c0: JsonTensor | null; lengths: number[] | null };
  lossWeights: { output: JsonTensor; hN: JsonTensor; cN: JsonTensor | null };
  expected: { output: JsonTensor; hN: JsonTensor; cN: JsonTensor | null };
  grads: { x: JsonTensor; h0: JsonTensor | null; c0: JsonTensor | null; params: Record<string, JsonTensor> };
}

function compareGrad(label: string, t: Tensor | null, expected: JsonTensor | null, tol: { atol: number; rtol: number }): void {
  if (!t || !expected) return compare(label, t, expected, tol);
  assertClose(t.grad ?? new Float64Array(t.size), expected.data, tol, label);
}

function run(c: LayerCase, dtype: DType): void {
  const where = `${c.name} [${dtype}]`;
  const opts: RNNOptions = { ...c.config, dtype };
  const m = c.kind === 'rnn' ? new RNN(opts) : c.kind === 'lstm' ? new LSTM(opts) : new GRU(opts);
  m.eval();
  m.loadStateDict(new Map(Object.entries(c.params).map(([k, v]) => [k, tensor(v, dtype)])));
  const x = tensor(c.input.x, dtype, true);
  const h0 = c.input.h0 ? tensor(c.input.h0, dtype, true) : null;
  const c0 = c.input.c0 ? tensor(c.input.c0, dtype, true) : null;

  const r = m.forward(x, { h0, c0, lengths: c.input.lengths });
  const tol = TOLERANCE[dtype];
  compare(`${where}: output`, r.output, c.expected.output, tol.value);
  compare(`${where}: hN`, r.hN, c.expected.hN, tol.value);
  compare(`${where}: cN`, r.cN, c.expected.cN, tol.value);

  let loss = add(weightedSum(r.output, tensor(c.lossWeights.output, dtype)), weightedSum(r.hN, tensor(c.lossWeights.hN, dtype)));
  if (r.cN) loss = add(loss, weightedSum(r.cN, tensor(c.lossWeights.cN!, dtype)));
  backward(loss);

  compareGrad(`${where}: gradient of x`, x, c.grads.x, tol.grad);
  compareGrad(`${where}: gradient of h0`, h0, c.grads.h0, tol.grad);
  compareGrad(`${where}: gradient of c0`, c0, c.grads.c0, tol.grad);
  const params = m.namedParameters();
  assert.deepEqual(params.map(([n]) => n), Object.keys(c.grads.params), `${where}: parameter names`);
  for (const [n, p] of params) compareGrad(`${where}: gradient of ${n}`, p, c.grads.params[n], tol.grad);
}

for (const file of ['rnn.json', 'lstm.json', 'gru.json', 'rnn_manual.json']) {
  const { cases } = loadFixture<{ cases: LayerCase[] }>(`rnn/${file}`);
  for (const c of cases) {
    const source = c.reference === 'manual' ? 'a float64 autograd loop' : c.torch;
    test(`matches ${source}: ${c.name}${c.input.lengths ? ` (lengths ${c.input.lengths})` : ''}`, () => {
      run(c, 'float32');
      run(c, 'float64');
    });
  }
}
