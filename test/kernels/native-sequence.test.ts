import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Buf, SequenceGrads, SequenceSpec, SequenceWeights } from '../../src/kernels/kernels.js';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { loadNativeKernels, nativeAddon, nativeLoadFailure } from '../../src/kernels/native/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';
import { type SequenceCase as Case, f64, rand } from '../helpers/sequence-case.js';
import { stepRows } from '../../src/tensor/ops/recurrent.js';

// The whole-layer native kernels (the step loop and BPTT in C++) against the js reference driver
// run in float64 on the same float32 inputs: every cell kind and RNN activation, reverse
// directions and unsorted lengths (rows map), LSTM projection, with and without h0/c0/biases,
// on every instruction set this CPU has; and 1 vs 2 threads give identical numbers.

const native = loadNativeKernels();
const addon = nativeAddon();
const skip = native ? false : `native addon not built (${nativeLoadFailure()}); run \`npm run build:native\``;

interface Problem {
  spec: SequenceSpec; x: Float32Array; h0: Float32Array | null; c0: Float32Array | null;
  w: { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array | null; bHh: Float32Array | null; wHr: Float32Array | null };
  dOut: Float32Array; dhN: Float32Array; dcN: Float32Array | null; grads: Record<string, Float32Array | null>;
}

function problem(c: Case, seed: number): Problem {
  const rng = new Random(seed);
  const { mode, T, B, I, H } = c;
  const P = c.P ?? H;
  const GH = (mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3) * H, N = T * B;
  const spec: SequenceSpec = { mode, T, B, I, H, P, activation: c.act ?? 'tanh', negativeSlope: 0.1,
    rows: stepRows(T, B, c.lengths, c.reverse ?? false) };
  const s = 1 / Math.sqrt(H);
  const x = rand(N * I, rng, 1), h0 = c.h0 ? rand(B * P, rng, 1) : null, c0 = c.c0 ? rand(B * H, rng, 1) : null;
  const w = { wIh: rand(GH * I, rng, s), wHh: rand(GH * P, rng, s), bIh: c.bias === false ? null : rand(GH, rng, s),
    bHh: c.bias === false ? null : rand(GH, rng, s), wHr: P !== H ? rand(P * H, rng, s) : null };
  const dOut = rand(N * P, rng, 1), dhN = rand(B * P, rng, 1), dcN = mode === 'lstm' ? rand(B * H, rng, 1) : null;
  // Gradient buffers start non-zero: the kernels must add into them.
  const sizes = { dx: N * I, dh0: B * P, dc0: mode === 'lstm' ? B * H : 0, dWIh: GH * I, dWHh: GH * P,
    dBIh: c.bias === false ? 0 : GH, dBHh: c.bias === false ? 0 : GH, dWHr: P !== H ? P * H : 0 };
  const grads: Record<string, Float32Array | null> = {};
  for (const [k, n] of Object.entries(sizes)) grads[k] = n ? rand(n, rng, 1) : null;
  return { spec, x, h0, c0, w, dOut, dhN, dcN, grads };
}

/** Forward (training and inference passes) and backward on the native backend. */
function runNative(p: Problem): Map<string, Float32Array> {
  const { spec, x, h0, c0, w } = p;
  const { T, B, H, P, mode } = spec;
  const out = new Float32Array(T * B * P), hN = new Float32Array(B * P), cN = mode === 'lstm' ? new Float32Array(B * H) : null;
  const ctx = native!.sequenceForward(spec, x, h0, c0, w, out, hN, cN, true)!;
  const out2 = new Float32Array(T * B * P), hN2 = new Float32Array(B * P), cN2 = cN ? new Float32Array(B * H) : null;
  assert.equal(native!.sequenceForward(spec, x, h0, c0, w, out2, hN2, cN2, false), null);
  assert.deepEqual(out2, out, 'the inference pass gives the training pass\'s output');
  assert.deepEqual(hN2, hN);
  const grads = Object.fromEntries(Object.entries(p.grads).map(([k, v]) => [k, v ? v.slice() : null]));
  native!.sequenceBackward(ctx, p.dOut, p.dhN, p.dcN, grads as unknown as SequenceGrads);
  const res = new Map<string, Float32Array>([['out', out], ['hN', hN]]);
  if (cN) res.set('cN', cN);
  for (const [k, v] of Object.entries(grads)) if (v) res.set(k, v);
  return res;
}

function runReference(p: Problem): Map<string, Buf> {
  const { spec, x, h0, c0, w } = p;
  const { T, B, H, P, mode } = spec;
  const w64: SequenceWeights = { wIh: f64(w.wIh)!, wHh: f64(w.wHh)!, bIh: f64(w.bIh), bHh: f64(w.bHh), wHr: f64(w.wHr) };
  const out = new Float64Array(T * B * P), hN = new Float64Array(B * P), cN = mode === 'lstm' ? new Float64Array(B * H) : null;
  const ctx = js.sequenceForward(spec, f64(x)!, f64(h0), f64(c0), w64, out, hN, cN, true)!;
  const grads = Object.fromEntries(Object.entries(p.grads).map(([k, v]) => [k, f64(v)]));
  js.sequenceBackward(ctx, f64(p.dOut)!, f64(p.dhN)!, f64(p.dcN), grads as unknown as SequenceGrads);
  const res = new Map<string, Buf>([['out', out], ['hN', hN]]);
  if (cN) res.set('cN', cN);
  for (const [k, v] of Object.entries(grads)) if (v) res.set(k, v);
  return res;
}

function check(c: Case, seed: number): void {
  const p = problem(c, seed);
  const expected = runReference(p);
  const best = addon!.isa();
  try {
    for (const isa of addon!.supportedIsas()) {
      addon!.setIsa(isa);
      const actual = runNative(p);
      for (const [k, e] of expected) {
        const tol = k === 'out' || k === 'hN' || k === 'cN' ? { atol: 2e-5, rtol: 1e-4 } : { atol: 1e-4, rtol: 1e-4 };
        assertClose(actual.get(k)!, e, tol, `${isa} ${JSON.stringify(c)} ${k}`);
      }
    }
  } finally {
    addon!.setIsa(best);
  }
}

test('native sequence kernels: RNN with every activation', { skip }, () => {
  let seed = 1;
  for (const act of ['tanh', 'relu', 'leaky_relu', 'sigmoid', 'identity'] as const) {
    check({ mode: 'rnn', T: 5, B: 3, I: 4, H: 7, act, h0: true }, seed++);
    check({ mode: 'rnn', T: 4, B: 2, I: 3, H: 5, act, reverse: true, lengths: [2, 4] }, seed++);
  }
});

test('native sequence kernels: LSTM and GRU, odd sizes, reverse, unsorted lengths, no bias', { skip }, () => {
  let seed = 100;
  for (const mode of ['lstm', 'gru'] as const) {
    check({ mode, T: 1, B: 1, I: 1, H: 1 }, seed++);
    check({ mode, T: 7, B: 3, I: 17, H: 9, h0: true, c0: true }, seed++);
    check({ mode, T: 6, B: 5, I: 3, H: 17, lengths: [3, 6, 1, 5, 2] }, seed++);
    check({ mode, T: 6, B: 4, I: 5, H: 8, reverse: true, lengths: [6, 2, 4, 3], h0: true, c0: true }, seed++);
    check({ mode, T: 3, B: 2, I: 65, H: 33, reverse: true, bias: false }, seed++);
    check({ mode, T: 4, B: 17, I: 63, H: 65, lengths: [4, 1, 3, 2, 4, 4, 1, 2, 3, 3, 4, 1, 2, 4, 3, 2, 1] }, seed++);
  }
});

test('native sequence kernels: LSTM with projection, lengths and reverse', { skip }, () => {
  check({ mode: 'lstm', T: 5, B: 3, I: 6, H: 11, P: 4, h0: true, c0: true }, 200);
  check({ mode: 'lstm', T: 6, B: 3, I: 4, H: 9, P: 5, reverse: true, lengths: [4, 6, 2] }, 201);
  check({ mode: 'lstm', T: 3, B: 9, I: 7, H: 129, P: 63 }, 202);
});

test('native sequence kernels: char-LM sizes (B=32, several K blocks of W_hh)', { skip }, () => {
  check({ mode: 'lstm', T: 8, B: 32, I: 16, H: 64, h0: true, c0: true }, 300);
  check({ mode: 'gru', T: 3, B: 4, I: 8, H: 300 }, 301);
});

test('native sequence kernels: inputs narrow against the GEMM tile (dW_ih computed transposed)', { skip }, () => {
  check({ mode: 'gru', T: 3, B: 5, I: 100, H: 128 }, 350);
  check({ mode: 'lstm', T: 4, B: 3, I: 33, H: 64, reverse: true, lengths: [4, 1, 3], h0: true, c0: true }, 351);
  check({ mode: 'rnn', T: 2, B: 2, I: 1, H: 64, bias: false }, 352);
});

test('native sequence kernels: the input projection made per step and for all steps at once', { skip }, () => {
  // Step order with small weights: per step; wide inputs whose weights overflow the cache: one GEMM.
  check({ mode: 'gru', T: 5, B: 6, I: 40, H: 20, h0: true }, 360);
  check({ mode: 'lstm', T: 3, B: 2, I: 1600, H: 64 }, 361);
  check({ mode: 'rnn', T: 3, B: 2, I: 1700, H: 65, act: 'sigmoid' }, 362);
});

test('native sequence kernels: 1 and 2 threads give identical results', { skip }, () => {
  const before = native!.threads!();
  try {
    for (const c of [
      { mode: 'lstm', T: 6, B: 32, I: 20, H: 48, P: 24, h0: true, c0: true, lengths: Array.from({ length: 32 }, (_, i) => 1 + (i * 7) % 6) },
      { mode: 'gru', T: 5, B: 19, I: 9, H: 33, reverse: true },
      { mode: 'gru', T: 4, B: 64, I: 100, H: 128 },
      { mode: 'rnn', T: 7, B: 64, I: 70, H: 130, act: 'relu' },
    ] as Case[]) {
      const p = problem(c, 400);
      native!.setThreads!(1);
      const one = runNative(p);
      native!.setThreads!(2);
      const two = runNative(p);
      for (const [k, v] of one) assert.deepEqual(two.get(k), v, `${JSON.stringify(c)} ${k}`);
    }
  } finally {
    native!.setThreads!(before);
  }
});

test('native sequence kernels: a rows map that crosses batch rows is refused', { skip }, () => {
  const spec: SequenceSpec = { mode: 'rnn', T: 2, B: 2, I: 1, H: 1, P: 1, activation: 'tanh', negativeSlope: 0,
    rows: Int32Array.from([0, 1, 3, 3]) };
  const w = { wIh: new Float32Array(1), wHh: new Float32Array(1), bIh: null, bHh: null, wHr: null };
  assert.throws(() => native!.sequenceForward(spec, new Float32Array(4), null, null, w, new Float32Array(4),
    new Float32Array(2), null, false), /rows\[2\] = 3 is not -1 or a row t\*B \+ 0 of \[T=2, B=2\]/);
});
