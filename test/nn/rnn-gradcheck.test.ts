import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GRU, LSTM, RNN, type RNNOptions } from '../../src/nn/rnn.js';
import { GRUCell, LSTMCell, RNNCell } from '../../src/nn/cells.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { gradcheck } from '../helpers/gradcheck.js';

// Every layer and option against central finite differences in float64: the loss is a fixed
// random weighting of output, hN and cN, so every gradient path is exercised.

type Kind = 'rnn' | 'lstm' | 'gru';
const make = (kind: Kind, o: RNNOptions) => (kind === 'rnn' ? new RNN(o) : kind === 'lstm' ? new LSTM(o) : new GRU(o));

function randTensor(shape: number[], rng: Random, scale = 1): Tensor {
  const t = Tensor.zeros(shape, 'float64');
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-scale, scale);
  return t;
}

interface Case {
  kind: Kind; T: number; B: number; I: number; H: number;
  opts?: Partial<RNNOptions>; h0?: boolean; c0?: boolean; lengths?: number[];
}

function check(c: Case): void {
  const rng = new Random(7);
  const m = make(c.kind, { inputSize: c.I, hiddenSize: c.H, dtype: 'float64', rng: new Random(3), ...c.opts });
  const D = m.directions, L = m.numLayers, P = m.outSize;
  const x = randTensor(c.opts?.batchFirst ? [c.B, c.T, c.I] : [c.T, c.B, c.I], rng);
  const h0 = c.h0 ? randTensor([D * L, c.B, P], rng) : null;
  const c0 = c.c0 ? randTensor([D * L, c.B, c.H], rng) : null;
  const wOut = randTensor(c.opts?.batchFirst ? [c.B, c.T, D * P] : [c.T, c.B, D * P], rng);
  const wH = randTensor([D * L, c.B, P], rng);
  const wC = randTensor([D * L, c.B, c.H], rng);
  const loss = () => {
    const r = m.forward(x, { h0, c0, lengths: c.lengths });
    let l = add(weightedSum(r.output, wOut), weightedSum(r.hN, wH));
    if (r.cN) l = add(l, weightedSum(r.cN, wC));
    return l;
  };
  const inputs: Record<string, Tensor> = { x, ...Object.fromEntries(m.namedParameters()) };
  if (h0) inputs.h0 = h0;
  if (c0) inputs.c0 = c0;
  const checked = gradcheck(loss, inputs, { atol: 1e-7, rtol: 1e-5 });
  // Every value of x, of each parameter and of the initial states was compared.
  assert.equal(checked, Object.values(inputs).reduce((n, t) => n + t.size, 0));
}

const cases: Case[] = [];
for (const kind of ['rnn', 'lstm', 'gru'] as Kind[]) {
  cases.push(
    { kind, T: 3, B: 2, I: 3, H: 4 },
    { kind, T: 1, B: 1, I: 2, H: 1 },
    { kind, T: 4, B: 2, I: 3, H: 3, opts: { bias: false } },
    { kind, T: 3, B: 2, I: 2, H: 3, opts: { numLayers: 3 }, h0: true, c0: kind === 'lstm' },
    { kind, T: 4, B: 3, I: 2, H: 2, opts: { bidirectional: true }, h0: true, c0: kind === 'lstm' },
    { kind, T: 5, B: 3, I: 2, H: 3, opts: { bidirectional: true, numLayers: 2 }, lengths: [3, 5, 1] },
    { kind, T: 4, B: 2, I: 3, H: 2, opts: { batchFirst: true }, lengths: [2, 4], h0: true, c0: kind === 'lstm' },
  );
}
for (const nonlinearity of ['tanh', 'relu', 'leaky_relu', 'sigmoid'] as const) {
  cases.push({ kind: 'rnn', T: 4, B: 2, I: 3, H: 3, opts: { nonlinearity, negativeSlope: 0.2, bidirectional: true }, h0: true, lengths: [4, 2] });
}
cases.push(
  { kind: 'lstm', T: 3, B: 2, I: 3, H: 4, opts: { projSize: 2 }, h0: true, c0: true },
  { kind: 'lstm', T: 4, B: 3, I: 2, H: 3, opts: { projSize: 2, numLayers: 2, bidirectional: true }, lengths: [1, 4, 3], h0: true, c0: true },
);

for (const c of cases) {
  const label = `${c.kind} T=${c.T} B=${c.B} I=${c.I} H=${c.H} ${JSON.stringify(c.opts ?? {})}${c.h0 ? ' h0' : ''}${c.c0 ? ' c0' : ''}${c.lengths ? ` lengths=${c.lengths}` : ''}`;
  test(`finite differences: ${label}`, () => check(c));
}

test('finite differences: cells, one step with and without state', () => {
  const rng = new Random(11);
  const x = randTensor([2, 3], rng), h = randTensor([2, 4], rng), c = randTensor([2, 4], rng);
  const w = randTensor([2, 4], rng), w2 = randTensor([2, 4], rng);
  const opts = { inputSize: 3, hiddenSize: 4, dtype: 'float64' as const, rng: new Random(5) };
  const rnn = new RNNCell({ ...opts, nonlinearity: 'relu' });
  gradcheck(() => weightedSum(rnn.forward(x, h), w), { x, h, ...Object.fromEntries(rnn.namedParameters()) });
  const gru = new GRUCell(opts);
  gradcheck(() => weightedSum(gru.forward(x, h), w), { x, h, ...Object.fromEntries(gru.namedParameters()) });
  const lstm = new LSTMCell(opts);
  gradcheck(() => { const s = lstm.forward(x, { h, c }); return add(weightedSum(s.h, w), weightedSum(s.c, w2)); },
    { x, h, c, ...Object.fromEntries(lstm.namedParameters()) });
});
