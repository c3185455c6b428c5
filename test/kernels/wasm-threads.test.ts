import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { wasmKernels } from '../../src/kernels/wasm/index.js';
import { setMinParallelWork } from '../../src/kernels/wasm/runtime.js';
import { kernels, setBackend } from '../../src/kernels/backend.js';
import { GRU, LSTM, RNN, type RNNOptions } from '../../src/nn/rnn.js';
import { backward } from '../../src/tensor/autograd.js';
import { add, weightedSum } from '../../src/tensor/ops/basic.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { Random } from '../../src/util/random.js';
import { rand } from '../helpers/sequence-case.js';
import { assertSame, onThreads } from '../helpers/threads.js';

// The wasm backend on 1 and on 2 threads: GEMMs of odd shapes (all transpose cases, beta 0, 1
// and other) and whole RNN / LSTM / GRU modules forward and backward must give bit-identical
// numbers, because each value is computed by the same code in the same order whatever the
// split (src/kernels/wasm/assembly/team.ts). And a process that used the pool exits by itself.

const k = wasmKernels;
// Split even the smallest calls between threads, so the 2-thread code paths are what is tested.
setMinParallelWork(0);

test('wasm threads: setThreads / threads', () => {
  onThreads(k, 2, () => assert.equal(k.threads!(), 2));
  assert.throws(() => k.setThreads!(0), /setThreads takes a whole number >= 1, got 0/);
});

test('wasm threads: GEMMs of odd shapes equal 1 thread exactly', () => {
  const rng = new Random(11);
  const shapes: [number, number, number][] = [[1, 1, 1], [3, 17, 5], [65, 9, 63], [17, 129, 3], [129, 65, 300], [2, 257, 31], [64, 1, 129]];
  for (const [M, N, K] of shapes) {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      for (const beta of [0, 1, 0.5]) {
        const A = rand(M * K, rng, 1), B = rand(K * N, rng, 1), C0 = rand(M * N, rng, 1);
        const one = onThreads(k, 1, () => { const C = C0.slice(); k.gemm(transA, transB, M, N, K, 0.75, A, B, beta, C); return C; });
        const two = onThreads(k, 2, () => { const C = C0.slice(); k.gemm(transA, transB, M, N, K, 0.75, A, B, beta, C); return C; });
        assertSame(two, one, `gemm M=${M} N=${N} K=${K} transA=${transA} transB=${transB} beta=${beta}`);
      }
    }
  }
});

type Kind = 'rnn' | 'lstm' | 'gru';
interface Case { kind: Kind; T: number; B: number; I: number; H: number; opts?: Partial<RNNOptions>; lengths?: number[] }
const make = (kind: Kind, o: RNNOptions) => (kind === 'rnn' ? new RNN(o) : kind === 'lstm' ? new LSTM(o) : new GRU(o));

function randTensor(shape: number[], rng: Random): Tensor {
  const t = Tensor.zeros(shape, 'float32', true);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.uniform(-1, 1);
  return t;
}

// Forward and backward of a module on the wasm backend; every output and gradient.
function runModule(c: Case): Map<string, Float32Array> {
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
}

function compareThreads(c: Case, threads = [2]): void {
  const previous = kernels().name;
  setBackend('wasm');
  try {
    const one = onThreads(k, 1, () => runModule(c));
    for (const n of threads) {
      const many = onThreads(k, n, () => runModule(c));
      for (const [name, e] of one) assertSame(many.get(name)!, e, `${JSON.stringify(c)} on ${n} threads: ${name}`);
    }
  } finally {
    setBackend(previous);
  }
}

test('wasm threads: RNN modules (reverse direction, lengths, relu) equal 1 thread exactly', () => {
  compareThreads({ kind: 'rnn', T: 6, B: 5, I: 7, H: 19, opts: { numLayers: 2, bidirectional: true } });
  compareThreads({ kind: 'rnn', T: 5, B: 4, I: 3, H: 33, opts: { nonlinearity: 'relu' }, lengths: [5, 2, 4, 1] });
});

test('wasm threads: LSTM modules (projection, bidirectional, lengths, B=1) equal 1 thread exactly', () => {
  compareThreads({ kind: 'lstm', T: 7, B: 9, I: 6, H: 37, opts: { numLayers: 2 } });
  compareThreads({ kind: 'lstm', T: 6, B: 4, I: 5, H: 21, opts: { bidirectional: true, projSize: 11 }, lengths: [3, 6, 1, 5] });
  compareThreads({ kind: 'lstm', T: 4, B: 1, I: 3, H: 65 });
});

test('wasm threads: GRU modules (bidirectional, lengths, no bias) equal 1 thread exactly', () => {
  compareThreads({ kind: 'gru', T: 6, B: 3, I: 4, H: 17, opts: { bidirectional: true, numLayers: 2 }, lengths: [6, 2, 4] });
  compareThreads({ kind: 'gru', T: 4, B: 7, I: 9, H: 40, opts: { bias: false } });
});

// Each thread runs the step loop for its own slice of batch rows (whole 4-row micro-tiles): batches
// that do not split into equal slices, slices with an edge tile, threads left without rows.
test('wasm threads: batch rows split unevenly (B not a multiple of 4 per thread, lengths, reverse) equal 1 thread exactly', () => {
  const lengths = (B: number, T: number) => Array.from({ length: B }, (_, b) => 1 + ((b * 7) % T));
  compareThreads({ kind: 'gru', T: 5, B: 66, I: 7, H: 20, opts: { bidirectional: true }, lengths: lengths(66, 5) }, [2, 3]);
  compareThreads({ kind: 'lstm', T: 4, B: 37, I: 5, H: 18, opts: { bidirectional: true, projSize: 9 }, lengths: lengths(37, 4) }, [2, 3]);
  compareThreads({ kind: 'rnn', T: 6, B: 17, I: 3, H: 13, opts: { bidirectional: true, numLayers: 2 } }, [2, 3]);
  compareThreads({ kind: 'lstm', T: 3, B: 6, I: 4, H: 9 }, [3]);
});

// The optimiser updates run as a team on large chunks (src/kernels/wasm/training.ts): shares
// that end mid-vector, a tail, 3 threads, state in wasm memory and in plain arrays.
test('wasm threads: optimiser updates over several chunks equal 1 thread exactly', () => {
  const n = 300_003;
  const run = (threads: number, resident: boolean) => onThreads(k, threads, () => {
    const state = (v: Float32Array) => { const b = resident ? k.stateBuffer!(n) : new Float32Array(n); b.set(v); return b; };
    const r = new Random(4);
    const p = rand(n, r, 1), g = rand(n, r, 1);
    const [m, v, vMax, sum, buf, sq, ga] = [1, 2, 3, 4, 5, 6, 7].map(() => state(rand(n, r, 0.5).map(Math.abs)));
    for (let step = 1; step <= 2; step++) {
      k.adamUpdate(p, g, m, v, vMax, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, amsgrad: true },
        false, 1e-2 / (1 - 0.9 ** step), Math.sqrt(1 - 0.999 ** step));
      k.sgdUpdate(p, g, buf, step === 1, { lr: 1e-2, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true });
      k.rmspropUpdate(p, g, sq, ga, buf, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0.5, centered: true });
      k.adagradUpdate(p, g, sum, 1e-2, { lr: 1e-2, lrDecay: 0, weightDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 });
    }
    return [p, m, v, vMax, sum, buf, sq, ga];
  });
  const one = run(1, false);
  for (const [threads, resident] of [[2, false], [2, true], [3, true]] as const) {
    run(threads, resident).forEach((a, i) => assertSame(a, one[i], `${threads} threads, state in wasm memory: ${resident}, buffer ${i}`));
  }
});

test('wasm threads: a process that used 2 threads exits by itself', () => {
  const backendUrl = new URL('../../src/kernels/wasm/index.js', import.meta.url).href;
  const script = `import { wasmKernels as k } from ${JSON.stringify(backendUrl)};
    k.setThreads(2);
    const C = new Float32Array(64 * 64);
    k.gemm(false, false, 64, 64, 64, 1, new Float32Array(64 * 64).fill(1), new Float32Array(64 * 64).fill(1), 0, C);
    console.log(k.threads(), C[0]);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.equal(r.error, undefined, `the child did not exit within 20 s: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2 64');
});

test('wasm threads: workers start when node runs with V8 flags (which a worker may not be given)', () => {
  const backendUrl = new URL('../../src/kernels/wasm/index.js', import.meta.url).href;
  const runtimeUrl = new URL('../../src/kernels/wasm/runtime.js', import.meta.url).href;
  const script = `import { wasmKernels as k } from ${JSON.stringify(backendUrl)};
    import { setMinParallelWork } from ${JSON.stringify(runtimeUrl)};
    setMinParallelWork(0);
    k.setThreads(2);
    const C = new Float32Array(16 * 16);
    k.gemm(false, false, 16, 16, 16, 1, new Float32Array(16 * 16).fill(1), new Float32Array(16 * 16).fill(1), 0, C);
    console.log(k.threads(), C[255]);`;
  // --stack-size is a V8 flag in every Node version; --enable-source-maps a Node flag workers accept.
  const r = spawnSync(process.execPath, ['--stack-size=2000', '--enable-source-maps', '--input-type=module', '-e', script],
    { encoding: 'utf8', timeout: 20_000, cwd: fileURLToPath(new URL('.', import.meta.url)) });
  assert.equal(r.error, undefined, `the child did not exit within 20 s: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '2 16');
});
