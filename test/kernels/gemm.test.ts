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
