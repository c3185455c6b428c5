import { test } from 'node:test';
import type { SequenceGrads } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { setMinParallelWork } from '../../src/kernels/wasm/runtime.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { type SequenceCase as Case, f64, rand, sequenceInputs, weights64 } from '../helpers/sequence-case.js';
import { assertSame, onThreads } from '../helpers/threads.js';

// The wasm few-rows path (batch 1, or at most 4 rows in all: generation and priming; products
// by the unpacked weights, steps split over threads by hidden units) against the js reference
// in float64, for every cell kind and RNN activation, odd sizes, with and without h0/c0 and the
// LSTM projection; 2 threads must give exactly the numbers of 1. T = 3 with B = 2 and 4 runs
// the packed path beside it on the same cases. Also gemm with M <= 4 rows and B transposed (a
// Linear layer at batch 1), which takes the same matrix-vector kernel.

// Split even the smallest calls between threads, so the 2-thread code is what runs.
setMinParallelWork(0);

function check(c: Case, seed: number): void {
  const { mode, B, I, H } = c;
  const { rng, spec, x, h0, c0, w, P, GH, N } = sequenceInputs(c, seed);
  const w64 = weights64(w);
  const label = JSON.stringify(c);

  const run = (threads: number) => onThreads(wasm, threads, () => {
    const out = new Float32Array(N * P), hN = new Float32Array(B * P), cN = mode === 'lstm' ? new Float32Array(B * H) : null;
    const ctx = wasm.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
    return { out, hN, cN, ctx };
  });
  const one = run(1), two = run(2);
  assertSame(two.out, one.out, `${label} out`);
  assertSame(two.hN, one.hN, `${label} hN`);
  if (one.cN) assertSame(two.cN!, one.cN, `${label} cN`);

  const out64 = new Float64Array(N * P), hN64 = new Float64Array(B * P), cN64 = one.cN ? new Float64Array(B * H) : null;
  const ctx64 = js.sequenceForward(spec, f64(x)!, f64(h0), f64(c0), w64, out64, hN64, cN64, true)!;
  const tol = { atol: 2e-5, rtol: 1e-4 };
  assertClose(one.out, out64, tol, `${label} out`);
  assertClose(one.hN, hN64, tol, `${label} hN`);
  if (one.cN) assertClose(one.cN, cN64!, tol, `${label} cN`);

  // The activations the forward pass saved must serve the (unchanged) backward pass.
  const dOut = rand(N * P, rng, 1), dhN = rand(B * P, rng, 1), dcN = one.cN ? rand(B * H, rng, 1) : null;
  const sizes = { dx: N * I, dh0: B * P, dc0: mode === 'lstm' ? B * H : 0, dWIh: GH * I, dWHh: GH * P,
    dBIh: c.bias === false ? 0 : GH, dBHh: c.bias === false ? 0 : GH, dWHr: P !== H ? P * H : 0 };
  const g: Record<string, Float32Array | null> = {}, g64: Record<string, Float64Array | null> = {};
  for (const [k, n] of Object.entries(sizes)) {
    g[k] = n ? new Float32Array(n) : null;
    g64[k] = n ? new Float64Array(n) : null;
  }
  onThreads(wasm, 1, () => wasm.sequenceBackward(one.ctx, dOut, dhN, dcN, g as unknown as SequenceGrads));
  onThreads(wasm, 2, () => wasm.sequenceBackward(two.ctx, dOut, dhN, dcN, {} as unknown as SequenceGrads));
  js.sequenceBackward(ctx64, f64(dOut)!, f64(dhN)!, f64(dcN), g64 as unknown as SequenceGrads);
  for (const k of Object.keys(sizes)) {
    if (g[k]) assertClose(g[k]!, g64[k]!, { atol: 1e-4, rtol: 1e-4 }, `${label} ${k}`);
  }
}

const SIZES: [number, number][] = [[1, 1], [3, 3], [17, 64], [65, 3], [129, 64]]; // [H, I]

test('wasm few rows: RNN with every activation, T 1 to 3, B 1, 2, 4, odd sizes', () => {
  let seed = 1;
  const acts = ['tanh', 'relu', 'leaky_relu', 'sigmoid', 'identity'] as const;
  for (const T of [1, 2, 3]) {
    for (const B of [1, 2, 4]) {
      for (const [H, I] of SIZES) check({ mode: 'rnn', T, B, I, H, act: acts[seed % acts.length], h0: seed % 2 === 0 }, seed++);
    }
  }
  for (const act of acts) check({ mode: 'rnn', T: 2, B: 3, I: 5, H: 9, act, h0: true }, seed++);
});

test('wasm few rows: LSTM with and without projection and h0/c0, GRU, odd sizes', () => {
  let seed = 100;
  for (const T of [1, 2, 3]) {
    for (const B of [1, 2, 4]) {
      for (const [H, I] of SIZES) {
        const init = seed % 2 === 0;
        check({ mode: 'lstm', T, B, I, H, h0: init, c0: init }, seed++);
        check({ mode: 'lstm', T, B, I, H, P: Math.max(1, H - 2), h0: !init, c0: !init }, seed++);
        check({ mode: 'lstm', T, B, I, H, P: H + 3 }, seed++);
        check({ mode: 'gru', T, B, I, H, h0: init, bias: seed % 3 !== 0 }, seed++);
      }
    }
  }
});

test('wasm few rows: priming (T*B over 4: packed input projection), lengths and reverse', () => {
  let seed = 300;
  for (const mode of ['rnn', 'lstm', 'gru'] as const) {
    check({ mode, T: 9, B: 1, I: 64, H: 65, h0: true, c0: true }, seed++);
    check({ mode, T: 5, B: 3, I: 3, H: 17, lengths: [5, 2, 4], reverse: true }, seed++);
    check({ mode, T: 4, B: 4, I: 7, H: 33, lengths: [1, 4, 3, 2], h0: true, c0: true }, seed++);
  }
  check({ mode: 'lstm', T: 6, B: 2, I: 5, H: 19, P: 7, lengths: [3, 6], reverse: true, h0: true, c0: true }, seed++);
});

test('wasm few rows: gemm with M <= 4 and B transposed equals the reference, and 2 threads equal 1', () => {
  const rng = new Random(7);
  for (let M = 1; M <= 4; M++) {
    for (const [N, K] of [[1, 1], [3, 17], [65, 512], [129, 3], [17, 64], [5, 129]]) {
      for (const [alpha, beta] of [[1, 0], [0.75, 1], [-2, 0.5]]) {
        const A = rand(M * K, rng, 1), Bm = rand(N * K, rng, 1), C0 = rand(M * N, rng, 1);
        if (beta === 0) C0.fill(NaN);
        const run = (threads: number) => onThreads(wasm, threads, () => {
          const C = C0.slice();
          wasm.gemm(false, true, M, N, K, alpha, A, Bm, beta, C);
          return C;
        });
        const one = run(1);
        const label = `gemm M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta}`;
        assertSame(run(2), one, label);
        const ref = Float64Array.from(C0);
        js.gemm(false, true, M, N, K, alpha, f64(A)!, f64(Bm)!, beta, ref);
        assertClose(one, ref, { atol: 1e-5, rtol: 1e-4 }, label);
      }
    }
  }
});
