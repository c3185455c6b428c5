import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRUCell, LSTMCell, RNNCell, type CellOptions } from '../../src/nn/cells.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor, type DType } from '../../src/tensor/tensor.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';
import { type JsonTensor, TOLERANCE, compareWithTorch as compare, tensorFromJson as tensor } from '../helpers/torch-json.js';

// RNNCell/LSTMCell/GRUCell against PyTorch 1.13 (fixtures/rnn/cells.json, from
// scripts/fixtures/rnn_fixtures.py): one step, loss = sum(h'*wH) + sum(c'*wC); the new state and
// every gradient must match, in float32 and in float64.

interface CellCase {
  name: string;
  kind: 'rnn' | 'lstm' | 'gru';
  reference: 'torch' | 'manual';
  torch: string;
  config: CellOptions;
  unbatched: boolean;
  params: Record<string, JsonTensor>;
  input: { x: JsonTensor; h: JsonTensor | null; c: JsonTensor | null };
  lossWeights: { h: JsonTensor; c: JsonTensor | null };
  expected: { h: JsonTensor; c: JsonTensor | null };
  grads: { x: JsonTensor; h: JsonTensor | null; c: JsonTensor | null; params: Record<string, JsonTensor> };
}

function compareGrad(label: string, t: Tensor, expected: JsonTensor, tol: { atol: number; rtol: number }): void {
  assertClose(t.grad ?? new Float64Array(t.size), expected.data, tol, label);
}

function run(c: CellCase, dtype: DType): void {
  const where = `${c.name} [${dtype}]`;
  const opts: CellOptions = { ...c.config, dtype };
  const x = tensor(c.input.x, dtype, true);
  const h = c.input.h ? tensor(c.input.h, dtype, true) : null;
  const cs = c.input.c ? tensor(c.input.c, dtype, true) : null;
  const tol = TOLERANCE[dtype];

  let cell: RNNCell | LSTMCell | GRUCell;
  let h1: Tensor, c1: Tensor | null = null;
  if (c.kind === 'lstm') {
    const lstm = new LSTMCell(opts);
    lstm.loadStateDict(new Map(Object.entries(c.params).map(([k, v]) => [k, tensor(v, dtype)])));
    ({ h: h1, c: c1 } = lstm.forward(x, h && cs ? { h, c: cs } : null));
    cell = lstm;
  } else {
    const one = c.kind === 'rnn' ? new RNNCell(opts) : new GRUCell(opts);
    one.loadStateDict(new Map(Object.entries(c.params).map(([k, v]) => [k, tensor(v, dtype)])));
    h1 = one.forward(x, h);
    cell = one;
  }
  compare(`${where}: h'`, h1, c.expected.h, tol.value);
  assert.equal(c1 === null, c.expected.c === null, `${where}: c' presence`);
  if (c1) compare(`${where}: c'`, c1, c.expected.c!, tol.value);

  let loss = weightedSum(h1, tensor(c.lossWeights.h, dtype));
  if (c1) loss = add(loss, weightedSum(c1, tensor(c.lossWeights.c!, dtype)));
  backward(loss);

  compareGrad(`${where}: gradient of x`, x, c.grads.x, tol.grad);
  if (h) compareGrad(`${where}: gradient of h`, h, c.grads.h!, tol.grad);
  if (cs) compareGrad(`${where}: gradient of c`, cs, c.grads.c!, tol.grad);
  const params = cell.namedParameters();
  assert.deepEqual(params.map(([n]) => n), Object.keys(c.grads.params), `${where}: parameter names`);
  for (const [n, p] of params) compareGrad(`${where}: gradient of ${n}`, p, c.grads.params[n], tol.grad);
}

const { cases } = loadFixture<{ cases: CellCase[] }>('rnn/cells.json');
for (const c of cases) {
  const source = c.reference === 'manual' ? 'a float64 autograd step' : c.torch;
  test(`matches ${source}: ${c.name}`, () => {
    run(c, 'float32');
    run(c, 'float64');
  });
}
