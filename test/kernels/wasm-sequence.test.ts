import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Buf, SequenceGrads, SequenceSpec } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { runtime, setMinParallelWork } from '../../src/kernels/wasm/runtime.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { onThreads } from '../helpers/threads.js';
import { type SequenceCase as Case, f64, rand, sequenceInputs, weights64 } from '../helpers/sequence-case.js';

// The whole-layer wasm kernels (forward and BPTT inside wasm) against the js reference driver
// run in float64 on the same float32 inputs: every cell kind and RNN activation, reverse
// directions and unsorted lengths (rows map), LSTM projection, with and without h0/c0/biases.

/**
 * Variations of a case beyond the layer's shape: no output gradient (dOut null, as for a layer
 * whose final state alone is used), one bias without the other, gradients left out.
 */
interface CheckOptions { noDOut?: boolean; only?: 'bIh' | 'bHh'; skipGrads?: string[] }

function check(c: Case, seed: number, o: CheckOptions = {}): void {
  const { mode, B, I, H } = c;
  const { rng, spec, x, h0, c0, w, P, GH, N } = sequenceInputs(c, seed);
  if (o.only === 'bIh') w.bHh = null;
  if (o.only === 'bHh') w.bIh = null;
  const w64 = weights64(w);
  const label = JSON.stringify({ ...c, ...o });

  const out = new Float32Array(N * P), hN = new Float32Array(B * P), cN = mode === 'lstm' ? new Float32Array(B * H) : null;
  const out64 = new Float64Array(N * P), hN64 = new Float64Array(B * P), cN64 = cN ? new Float64Array(B * H) : null;
  const ctx = wasm.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
  const ctx64 = js.sequenceForward(spec, f64(x)!, f64(h0), f64(c0), w64, out64, hN64, cN64, true)!;
  const tol = { atol: 2e-5, rtol: 1e-4 };
  assertClose(out, out64, tol, `${label} out`);
  assertClose(hN, hN64, tol, `${label} hN`);
  if (cN) assertClose(cN, cN64!, tol, `${label} cN`);

  // Without keepForBackward: same results, no context.
  const out2 = new Float32Array(N * P), hN2 = new Float32Array(B * P), cN2 = cN ? new Float32Array(B * H) : null;
  assert.equal(wasm.sequenceForward(spec, x, h0, c0, w, out2, hN2, cN2, false), null);
  assert.deepEqual(out2, out, `${label}: inference pass differs from training pass`);
  // In step order inference keeps its states in out and c in a ring of two (odd and even T).
  assert.deepEqual(hN2, hN, `${label}: inference hN differs`);
  if (cN) assert.deepEqual(cN2, cN, `${label}: inference cN differs`);

  const dOut = rand(N * P, rng, 1), dhN = rand(B * P, rng, 1), dcN = cN ? rand(B * H, rng, 1) : null;
  // Gradient buffers start non-zero: the kernels must add into them.
  const sizes = { dx: N * I, dh0: B * P, dc0: mode === 'lstm' ? B * H : 0, dWIh: GH * I, dWHh: GH * P,
    dBIh: w.bIh ? GH : 0, dBHh: w.bHh ? GH : 0, dWHr: P !== H ? P * H : 0 };
  const g: Record<string, Float32Array | null> = {}, g64: Record<string, Float64Array | null> = {};
  for (const [k, n] of Object.entries(sizes)) {
    g[k] = n && !o.skipGrads?.includes(k) ? rand(n, rng, 1) : null;
    g64[k] = f64(g[k]);
  }
  wasm.sequenceBackward(ctx, o.noDOut ? null : dOut, dhN, dcN, g as unknown as SequenceGrads);
  js.sequenceBackward(ctx64, o.noDOut ? null : f64(dOut)!, f64(dhN)!, f64(dcN), g64 as unknown as SequenceGrads);
  for (const k of Object.keys(sizes)) {
    if (g[k]) assertClose(g[k] as Buf, g64[k] as Buf, { atol: 1e-4, rtol: 1e-4 }, `${label} ${k}`);
  }
  assert.throws(() => wasm.sequenceBackward(ctx, dOut, dhN, dcN, g as unknown as SequenceGrads), /ran twice/);
}

test('wasm sequence kernels: RNN with every activation', () => {
  let seed = 1;
  for (const act of ['tanh', 'relu', 'leaky_relu', 'sigmoid', 'identity'] as const) {
    check({ mode: 'rnn', T: 5, B: 3, I: 4, H: 7, act, h0: true }, seed++);
    check({ mode: 'rnn', T: 4, B: 2, I: 3, H: 5, act, reverse: true, lengths: [2, 4] }, seed++);
  }
});

test('wasm sequence kernels: LSTM and GRU, odd sizes, reverse, unsorted lengths, no bias', () => {
  let seed = 100;
  for (const mode of ['lstm', 'gru'] as const) {
    check({ mode, T: 1, B: 1, I: 1, H: 1 }, seed++);
    check({ mode, T: 7, B: 3, I: 17, H: 9, h0: true, c0: true }, seed++);
    check({ mode, T: 6, B: 5, I: 3, H: 17, lengths: [3, 6, 1, 5, 2] }, seed++);
    check({ mode, T: 6, B: 4, I: 5, H: 8, reverse: true, lengths: [6, 2, 4, 3], h0: true, c0: true }, seed++);
    check({ mode, T: 3, B: 2, I: 65, H: 33, reverse: true, bias: false }, seed++);
  }
});

test('wasm sequence kernels: LSTM with projection, lengths and reverse', () => {
  check({ mode: 'lstm', T: 5, B: 3, I: 6, H: 11, P: 4, h0: true, c0: true }, 200);
  check({ mode: 'lstm', T: 6, B: 3, I: 4, H: 9, P: 5, reverse: true, lengths: [4, 6, 2] }, 201);
});

test('wasm sequence kernels: the size of a char-LM layer (B=32, H=64 and 2 K blocks of W_hh)', () => {
  check({ mode: 'lstm', T: 8, B: 32, I: 16, H: 64, h0: true, c0: true }, 300);
  check({ mode: 'gru', T: 3, B: 4, I: 8, H: 300 }, 301);
});

test('wasm sequence kernels: the input projection made per step and for all steps at once', () => {
  // Step order with weights that fit in L2: per step; wide inputs whose weights overflow it: one GEMM.
  check({ mode: 'gru', T: 5, B: 6, I: 40, H: 20, h0: true }, 360);
  check({ mode: 'lstm', T: 4, B: 9, I: 33, H: 17, h0: true, c0: true }, 361);
  check({ mode: 'lstm', T: 3, B: 5, I: 1600, H: 64 }, 362);
  check({ mode: 'rnn', T: 3, B: 6, I: 1700, H: 65, act: 'sigmoid' }, 363);
});

test('wasm sequence kernels: batches split between threads by rows (B=64-ish, lengths, reverse) match the reference', () => {
  // Sizes above the threshold for running on threads (src/kernels/wasm/runtime.ts), B not a multiple of 4 per thread.
  const lengths = (B: number, T: number) => Array.from({ length: B }, (_, b) => T - ((b * 5) % T));
  for (const threads of [2, 3]) {
    onThreads(wasm, threads, () => {
      check({ mode: 'gru', T: 4, B: 66, I: 7, H: 80, reverse: true, lengths: lengths(66, 4), h0: true }, 400 + threads);
      check({ mode: 'lstm', T: 3, B: 37, I: 5, H: 100, P: 70, lengths: lengths(37, 3), h0: true, c0: true }, 410 + threads);
      check({ mode: 'rnn', T: 3, B: 65, I: 9, H: 130, act: 'relu', reverse: true }, 420 + threads);
      check({ mode: 'lstm', T: 3, B: 70, I: 6, H: 64, h0: true }, 430 + threads);
    });
  }
});

test('wasm sequence kernels: no output gradient, one bias alone, bias gradients alone (GRU biases added in the cell)', () => {
  // Batches 1, 3, 64, 65 on 1 and 2 threads; step order and reverse/lengths (the bias-gradient
  // copies apply only in step order); dBHh without dBIh must still be summed.
  const lengths = (B: number, T: number) => Array.from({ length: B }, (_, b) => T - ((b * 3) % T));
  let seed = 500;
  setMinParallelWork(0); // these small layers too run on every thread
  try {
    for (const threads of [1, 2]) {
      onThreads(wasm, threads, () => {
        for (const B of [1, 3, 64, 65]) {
          for (const mode of ['gru', 'lstm'] as const) {
            const H = mode === 'gru' ? 37 : 19;
            check({ mode, T: 5, B, I: 11, H }, seed++, { noDOut: true });
            check({ mode, T: 4, B, I: 6, H, reverse: true, lengths: lengths(B, 4), h0: true }, seed++, { noDOut: true });
            check({ mode, T: 3, B, I: 9, H, reverse: true }, seed++, { only: 'bIh' });
            check({ mode, T: 3, B, I: 9, H }, seed++, { only: 'bHh' });
            check({ mode, T: 4, B, I: 5, H }, seed++, { skipGrads: ['dBIh'] });
            check({ mode, T: 4, B, I: 5, H, lengths: lengths(B, 4) }, seed++, { skipGrads: ['dBIh', 'dx'] });
          }
        }
      });
    }
  } finally {
    setMinParallelWork(1 << 20);
  }
});

test('wasm sequence kernels: saved activations are freed, memory does not grow over repeated passes', () => {
  const rng = new Random(5);
  const spec: SequenceSpec = { mode: 'lstm', T: 16, B: 8, I: 8, H: 32, P: 32, activation: 'tanh', negativeSlope: 0, rows: null };
  const w = { wIh: rand(128 * 8, rng, 0.2), wHh: rand(128 * 32, rng, 0.2), bIh: null, bHh: null, wHr: null };
  const x = rand(16 * 8 * 8, rng, 1), out = new Float32Array(16 * 8 * 32), hN = new Float32Array(256), cN = new Float32Array(256);
  const grads = { dx: null, dh0: null, dc0: null, dWIh: new Float32Array(128 * 8), dWHh: null, dBIh: null, dBHh: null, dWHr: null };
  const pass = () => {
    const ctx = wasm.sequenceForward(spec, x, null, null, w, out, hN, cN, true)!;
    wasm.sequenceBackward(ctx, out, hN, cN, grads);
  };
  for (let i = 0; i < 3; i++) pass();
  const before = runtime().ex.memory.buffer.byteLength;
  for (let i = 0; i < 200; i++) pass();
  assert.equal(runtime().ex.memory.buffer.byteLength, before);
});

test('wasm sequence kernels: float64 calls run on the js reference driver', () => {
  const spec: SequenceSpec = { mode: 'gru', T: 2, B: 1, I: 2, H: 2, P: 2, activation: 'tanh', negativeSlope: 0, rows: null };
  const w = { wIh: new Float64Array(12).fill(0.1), wHh: new Float64Array(12).fill(-0.2), bIh: null, bHh: null, wHr: null };
  const x = Float64Array.from([1, 2, 3, 4]);
  const a = new Float64Array(4), b = new Float64Array(4), ha = new Float64Array(2), hb = new Float64Array(2);
  wasm.sequenceForward(spec, x, null, null, w, a, ha, null, false);
  js.sequenceForward(spec, x, null, null, w, b, hb, null, false);
  assert.deepEqual(a, b);
});
