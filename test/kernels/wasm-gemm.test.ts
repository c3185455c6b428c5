import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsKernels as js } from '../../src/kernels/js/index.js';
import { wasmKernels as wasm } from '../../src/kernels/wasm/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// The wasm GEMM against the js reference run in float64 on the same float32 inputs: every
// transpose case, sizes around the 4x8 tile, the 128-row and 256-step blocks, alpha/beta.

function rand(n: number, rng: Random): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

function check(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number, beta: number, rng: Random): void {
  const A = rand(M * K, rng), B = rand(K * N, rng), C = rand(M * N, rng);
  const expected = Float64Array.from(C);
  js.gemm(tA, tB, M, N, K, alpha, Float64Array.from(A), Float64Array.from(B), beta, expected);
  wasm.gemm(tA, tB, M, N, K, alpha, A, B, beta, C);
  // float32 accumulation: error grows like sqrt(K) times the size of the terms.
  assertClose(C, expected, { atol: 2e-6 * Math.sqrt(K + 1), rtol: 1e-5 },
    `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta}`);
}

test('wasm gemm: all transposes over odd sizes', () => {
  const rng = new Random(1);
  const sizes = [1, 3, 17, 63, 65, 129];
  for (const tA of [false, true]) {
    for (const tB of [false, true]) {
      for (const M of sizes) for (const N of [1, 8, 9, 65]) check(tA, tB, M, N, 17, 1, 0, rng);
      for (const K of sizes) check(tA, tB, 5, 11, K, 1, 0, rng);
    }
  }
});

test('wasm gemm: more rows than one A block and more steps than one K block', () => {
  const rng = new Random(2);
  for (const [tA, tB] of [[false, true], [true, false], [false, false], [true, true]] as const) {
    check(tA, tB, 257, 33, 300, 1, 0, rng);
    check(tA, tB, 131, 70, 513, 0.5, 1, rng);
  }
});

test('wasm gemm: alpha and beta, including beta = 0 over NaN and K = 0', () => {
  const rng = new Random(3);
  for (const [alpha, beta] of [[1, 1], [0.5, -2], [-1, 0.25], [0, 0.5], [2, 0]]) check(false, true, 13, 19, 21, alpha, beta, rng);
  const C = new Float32Array(12).fill(NaN);
  wasm.gemm(false, false, 3, 4, 5, 1, rand(15, rng), rand(20, rng), 0, C);
  assert.ok(C.every(Number.isFinite), 'beta = 0 must ignore NaN in C');
  const D = Float32Array.from([1, 2, 3, 4]);
  wasm.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 3, D);
  assert.deepEqual([...D], [3, 6, 9, 12]);
});

test('wasm gemm: float64 buffers run on the js reference, bit for bit', () => {
  const rng = new Random(4);
  const A = Float64Array.from(rand(35, rng)), B = Float64Array.from(rand(63, rng));
  const C1 = new Float64Array(45), C2 = new Float64Array(45);
  wasm.gemm(false, true, 5, 9, 7, 1, A, B, 0, C1);
  js.gemm(false, true, 5, 9, 7, 1, A, B, 0, C2);
  assert.deepEqual(C1, C2);
});
