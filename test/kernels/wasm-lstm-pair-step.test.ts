import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { setMinParallelWork } from '../../src/kernels/wasm/runtime.js';
import { assertClose } from '../helpers/close.js';
import { type SequenceCase as Case, f64, sequenceInputs, weights64 } from '../helpers/sequence-case.js';
import { assertSame, onThreads } from '../helpers/threads.js';

// The wasm LSTM forward step made as one product over [x_t, h_{t-1}] with both biases added as
// it is written (src/kernels/wasm/assembly/gemm.ts, gemmPairPart; taken in step order when
// W_ih and W_hh packed fit in L2 and I + P <= 512), against the js reference in float64: odd
// hidden sizes and batches (edge tiles of rows and columns), one bias or none, h0/c0, a
// projection, and the cases that take the other paths (lengths, reverse, I + P > 512). Training
// and inference passes must agree exactly, and 2 threads must give what 1 thread gives.

// Split even the smallest calls between threads, so the 2-thread code paths are what is tested.
setMinParallelWork(0);

interface PairCase extends Case { only?: 'ih' | 'hh' }

function forward(c: PairCase, seed: number, keep: boolean) {
  const { spec, x, h0, c0, w, P, N } = sequenceInputs(c, seed);
  if (c.only === 'ih') w.bHh = null;
  if (c.only === 'hh') w.bIh = null;
  const out = new Float32Array(N * P), hN = new Float32Array(c.B * P), cN = new Float32Array(c.B * c.H);
  wasm.sequenceForward(spec, x, h0, c0, w, out, hN, cN, keep);
  return { spec, x, h0, c0, w, out, hN, cN };
}

function check(c: PairCase, seed: number): void {
  const label = JSON.stringify(c);
  const one = onThreads(wasm, 1, () => forward(c, seed, true));
  const { spec, x, h0, c0, w } = one;
  const w64 = weights64(w);
  const out64 = new Float64Array(one.out.length), hN64 = new Float64Array(one.hN.length), cN64 = new Float64Array(one.cN.length);
  js.sequenceForward(spec, f64(x)!, f64(h0), f64(c0), w64, out64, hN64, cN64, false);
  const tol = { atol: 2e-5, rtol: 1e-4 };
  assertClose(one.out, out64, tol, `${label} out`);
  assertClose(one.hN, hN64, tol, `${label} hN`);
  assertClose(one.cN, cN64, tol, `${label} cN`);

  const inference = onThreads(wasm, 1, () => forward(c, seed, false));
  assert.deepEqual(inference.out, one.out, `${label}: inference pass differs from training pass`);
  for (const keep of [true, false]) {
    const two = onThreads(wasm, 2, () => forward(c, seed, keep));
    assertSame(two.out, one.out, `${label} out (keepForBackward ${keep})`);
    assertSame(two.hN, one.hN, `${label} hN (keepForBackward ${keep})`);
    assertSame(two.cN, one.cN, `${label} cN (keepForBackward ${keep})`);
  }
}

test('wasm LSTM step over [x, h]: odd hidden sizes and batches', () => {
  let seed = 700;
  for (const H of [1, 3, 17, 63, 65, 129]) {
    for (const B of [1, 3, 64, 65]) {
      check({ mode: 'lstm', T: 3, B, I: 5 + (H % 7), H, h0: true, c0: true }, seed++);
    }
  }
});

test('wasm LSTM step over [x, h]: biases, no state, projection, odd input widths', () => {
  check({ mode: 'lstm', T: 4, B: 9, I: 33, H: 17, bias: false }, 750);
  check({ mode: 'lstm', T: 4, B: 9, I: 33, H: 17, only: 'ih' }, 751);
  check({ mode: 'lstm', T: 4, B: 9, I: 33, H: 17, only: 'hh' }, 752);
  check({ mode: 'lstm', T: 5, B: 7, I: 1, H: 40 }, 753);
  check({ mode: 'lstm', T: 3, B: 6, I: 20, H: 24, P: 13, h0: true, c0: true }, 754);
  // I + P = 512 exactly, the widest pair (two K blocks of 256 in one chain).
  check({ mode: 'lstm', T: 2, B: 5, I: 495, H: 17 }, 755);
  // I + P = 513: per-step input projection, but two products instead of the pair.
  check({ mode: 'lstm', T: 2, B: 6, I: 496, H: 17, h0: true }, 756);
});

test('wasm LSTM step over [x, h]: lengths and reverse (the rows-map paths) still match', () => {
  check({ mode: 'lstm', T: 5, B: 6, I: 9, H: 19, lengths: [5, 1, 3, 5, 2, 4], h0: true, c0: true }, 760);
  check({ mode: 'lstm', T: 4, B: 65, I: 7, H: 33, reverse: true }, 761);
});

test('wasm LSTM step over [x, h]: the W6 shape (B=64, I=128, H=256)', () => {
  check({ mode: 'lstm', T: 3, B: 64, I: 128, H: 256, h0: true, c0: true }, 770);
});
