import { test } from 'node:test';
import { kernels, setBackend } from '../../src/kernels/backend.js';
import { loadNativeKernels, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { GRU, LSTM, RNN, type RNNOptions } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// Whole modules (src/nn/rnn.ts) in float32 on each fast backend (wasm, and native when its addon
// is built) against the js backend: the same weights and inputs, forward results and every
// parameter and input gradient, over stacked,
// bidirectional, projected and variable-length configurations.

const nativeSkip = loadNativeKernels() ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

type Kind = 'rnn' | 'lstm' | 'gru';
const make = (kind: Kind, o: RNNOptions) => (kind === 'rnn' ? new RNN(o) : kind === 'lstm' ? new LSTM(o) : new GRU(o));

function randTensor(shape: number[], rng: Random): Tensor {
  const t = Tensor.zeros(shape, 'float32', true);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
  return t;
}

interface Case { kind: Kind; T: number; B: number; I: number; H: number; opts?: Partial<RNNOptions>; lengths?: number[] }

// Forward and backward on one backend; returns every number that should agree.
function run(backend: string, c: Case): Map<string, Float32Array> {
  const previous = kernels().name;
  setBackend(backend);
  try {
    const m = make(c.kind, { inputSize: c.I, hiddenSize: c.H, rng: new Random(3), ...c.opts });
    const rng = new Random(7);
    const D = m.directions, L = m.numLayers, P = m.outSize;
    const x = randTensor([c.T, c.B, c.I], rng), h0 = randTensor([D * L, c.B, P], rng);
    const c0 = c.kind === 'lstm' ? randTensor([D * L, c.B, c.H], rng) : null;
    const r = m.forward(x, { h0, c0, lengths: c.lengths });
    let loss = add(weightedSum(r.output, randTensor([c.T, c.B, D * P], rng)), weightedSum(r.hN, randTensor([D * L, c.B, P], rng)));
    if (r.cN) loss = add(loss, weightedSum(r.cN, randTensor([D * L, c.B, c.H], rng)));
    backward(loss);
    const out = new Map<string, Float32Array>([['output', r.output.data as Float32Array], ['hN', r.hN.data as Float32Array],
      ['x.grad', x.grad as Float32Array], ['h0.grad', h0.grad as Float32Array]]);
    if (r.cN) out.set('cN', r.cN.data as Float32Array).set('c0.grad', c0!.grad as Float32Array);
    for (const [name, p] of m.namedParameters()) out.set(`${name}.grad`, p.grad as Float32Array);
    return out;
  } finally {
    setBackend(previous);
  }
}

function compare(backend: string, c: Case): void {
  const expected = run('js', c), actual = run(backend, c);
  for (const [name, e] of expected) assertClose(actual.get(name)!, e, { atol: 1e-4, rtol: 1e-4 }, `${backend} ${JSON.stringify(c)} ${name}`);
}

for (const [backend, skip] of [['wasm', false], ['native', nativeSkip]] as const) {
  test(`${backend} backend: RNN modules (tanh and relu, stacked, bidirectional) match the js backend`, { skip }, () => {
    compare(backend, { kind: 'rnn', T: 6, B: 3, I: 5, H: 8, opts: { numLayers: 2, bidirectional: true } });
    compare(backend, { kind: 'rnn', T: 5, B: 4, I: 3, H: 6, opts: { nonlinearity: 'relu' }, lengths: [5, 2, 4, 1] });
  });

  test(`${backend} backend: LSTM modules (projection, bidirectional, lengths) match the js backend`, { skip }, () => {
    compare(backend, { kind: 'lstm', T: 7, B: 3, I: 6, H: 12, opts: { numLayers: 2 } });
    compare(backend, { kind: 'lstm', T: 6, B: 4, I: 5, H: 10, opts: { bidirectional: true, projSize: 4 }, lengths: [3, 6, 1, 5] });
    compare(backend, { kind: 'lstm', T: 5, B: 33, I: 17, H: 65, opts: { numLayers: 2, bidirectional: true } });
  });

  test(`${backend} backend: GRU modules (bidirectional, lengths, no bias) match the js backend`, { skip }, () => {
    compare(backend, { kind: 'gru', T: 6, B: 3, I: 4, H: 9, opts: { bidirectional: true, numLayers: 2 }, lengths: [6, 2, 4] });
    compare(backend, { kind: 'gru', T: 4, B: 2, I: 7, H: 5, opts: { bias: false } });
  });
}
