import { test } from 'node:test';
import { jsKernels } from '../../src/kernels/js/index.js';
import { Random } from '../../src/util/random.js';
import { assertClose } from '../helpers/close.js';

// Naive triple loop in float64 as the oracle for every transpose case and odd sizes.
function naive(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float64Array, B: Float64Array, beta: number, C: Float64Array): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (tA ? A[k * M + i] : A[i * K + k]) * (tB ? B[j * K + k] : B[k * N + j]);
    out[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * N + j]);
  }
  return out;
}

test('js gemm matches the naive product for all transposes, odd sizes, alpha and beta', () => {
  const rng = new Random(1);
  const rand = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  for (const [M, N, K] of [[1, 1, 1], [3, 17, 5], [17, 3, 63], [65, 7, 129], [2, 0, 3], [4, 5, 0]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) for (const [alpha, beta] of [[1, 0], [0.5, 1], [2, -0.3]]) {
      const A = rand(M * K), B = rand(K * N), C = rand(M * N);
      const expected = naive(tA, tB, M, N, K, alpha, A, B, beta, C);
      const got = Float64Array.from(C);
      jsKernels.gemm(tA, tB, M, N, K, alpha, A, B, beta, got);
      assertClose(got, expected, { atol: 1e-12, rtol: 1e-12 }, `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K} a=${alpha} b=${beta}`);
    }
  }
});

test('js gemm with beta = 0 overwrites NaN in C, as BLAS does', () => {
  const C = new Float32Array([NaN, NaN]);
  jsKernels.gemm(false, false, 1, 2, 1, 1, new Float32Array([2]), new Float32Array([3, 4]), 0, C);
  assertClose(C, [6, 8], { atol: 0, rtol: 0 }, 'C');
});

test('js gemm crosses its packing blocks and matrix edges correctly (M past one block of rows)', () => {
  // K = 5000 makes a packed block of op(A) hold 52 rows, so M = 55 needs a second, partial block;
  // N = 6 leaves a 2-column edge sliver and M = 55 a 3-row edge sliver.
  const rng = new Random(2);
  const rand = (n: number) => Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
  const [M, N, K] = [55, 6, 5000];
  for (const tA of [false, true]) for (const tB of [false, true]) {
    const A = rand(M * K), B = rand(K * N), C = rand(M * N);
    const expected = naive(tA, tB, M, N, K, 0.7, A, B, 0.4, C);
    const got = Float64Array.from(C);
    jsKernels.gemm(tA, tB, M, N, K, 0.7, A, B, 0.4, got);
    assertClose(got, expected, { atol: 1e-11, rtol: 1e-12 }, `gemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`);
  }
});

test('js gemm on Float32Array, interleaved with Float64Array calls, rounds only once at the end', () => {
  // Each float32 result must be the float64 product of the same float32 inputs, rounded once;
  // calling with Float64Array in between must not change that (shared code stays correct).
  const rng = new Random(3);
  for (const [M, N, K] of [[33, 17, 70], [5, 9, 300], [64, 64, 64], [2, 11, 37]]) {
    for (const tA of [false, true]) for (const tB of [false, true]) {
      const A32 = Float32Array.from({ length: M * K }, () => rng.uniform(-1, 1));
      const B32 = Float32Array.from({ length: K * N }, () => rng.uniform(-1, 1));
      const C32 = Float32Array.from({ length: M * N }, () => rng.uniform(-1, 1));
      const exact = naive(tA, tB, M, N, K, 1.5, Float64Array.from(A32), Float64Array.from(B32), -0.5, Float64Array.from(C32));
      const got64 = Float64Array.from(C32);
      jsKernels.gemm(tA, tB, M, N, K, 1.5, Float64Array.from(A32), Float64Array.from(B32), -0.5, got64);
      jsKernels.gemm(tA, tB, M, N, K, 1.5, A32, B32, -0.5, C32);
      const label = `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${M}x${N}x${K}`;
      assertClose(got64, exact, { atol: 1e-12, rtol: 1e-12 }, `float64 ${label}`);
      assertClose(C32, Float32Array.from(exact), { atol: 1e-12, rtol: 2 ** -23 }, `float32 ${label}`);
    }
  }
});

test('js gemm accumulates float32 inputs in double precision', () => {
  // 1e8 + 1000 * 1: a float32 running sum would stay at 1e8 (its spacing there is 8), a double
  // sum gives 100001000, which float32 represents exactly. Every row of op(A) is that row, and
  // every column of op(B) all ones, so the layout does not depend on the transposes.
  // M = 1 takes the few-rows path, M = 5 the packed one.
  const K = 1001;
  for (const M of [1, 5]) for (const tA of [false, true]) for (const tB of [false, true]) {
    const A = new Float32Array(M * K).fill(1);
    for (let i = 0; i < M; i++) A[tA ? i : i * K] = 1e8;
    const C = new Float32Array(M * 2).fill(NaN);
    jsKernels.gemm(tA, tB, M, 2, K, 1, A, new Float32Array(K * 2).fill(1), 0, C);
    assertClose(C, new Array(M * 2).fill(100001000), { atol: 0, rtol: 0 }, `M=${M} ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`);
  }
});

test('js gemm with K = 0 or alpha = 0 only scales C by beta', () => {
  const C = new Float64Array([1, NaN, 3, 4]);
  jsKernels.gemm(false, false, 2, 2, 0, 1, new Float64Array(0), new Float64Array(0), 0, C);
  assertClose(C, [0, 0, 0, 0], { atol: 0, rtol: 0 }, 'K = 0, beta = 0');
  const D = new Float64Array([1, 2, 3, 4]);
  jsKernels.gemm(true, true, 2, 2, 3, 0, new Float64Array(6).fill(NaN), new Float64Array(6), 2, D);
  assertClose(D, [2, 4, 6, 8], { atol: 0, rtol: 0 }, 'alpha = 0, beta = 2');
});
