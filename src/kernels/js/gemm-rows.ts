import type { Buf } from '../kernels.js';

// GEMM for very few rows of op(A) (M < 4: sampling or inference with batch 1 to 3):
// C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C, row-major, contiguous.
// Every element of B is used only M times, so packing op(B) as the blocked path does would
// cost as much as the product; instead each row of C is computed straight from B as stored,
// in a float64 row so that the sum over K is rounded once.

let aRow = new Float64Array(0);
let cRow = new Float64Array(0);

export function gemmFewRows(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Buf, B: Buf, beta: number, C: Buf): void {
  if (aRow.length < K) aRow = new Float64Array(K);
  if (cRow.length < N) cRow = new Float64Array(N);
  const a = aRow, c = cRow;
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) a[k] = transA ? A[k * M + i] : A[i * K + k];
    if (transB) rowTimesBt(N, K, a, B, c);
    else rowTimesB(N, K, a, B, c);
    for (let j = 0, p = i * N; j < N; j++, p++) C[p] = beta === 0 ? alpha * c[j] : alpha * c[j] + beta * C[p];
  }
}

// out[j] = a · B[j, :], B: [N,K]. Four rows of B share each load of a.
function rowTimesBt(N: number, K: number, a: Float64Array, B: Buf, out: Float64Array): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let k = 0, p = j * K; k < K; k++, p++) {
      const x = a[k];
      s0 += x * B[p]; s1 += x * B[p + K]; s2 += x * B[p + 2 * K]; s3 += x * B[p + 3 * K];
    }
    out[j] = s0; out[j + 1] = s1; out[j + 2] = s2; out[j + 3] = s3;
  }
  for (; j < N; j++) {
    let s = 0;
    for (let k = 0, p = j * K; k < K; k++, p++) s += a[k] * B[p];
    out[j] = s;
  }
}

// out[j] = sum_k a[k] * B[k, j], B: [K,N]. Four rows of B per pass over out, so out is read
// and written a quarter as often.
function rowTimesB(N: number, K: number, a: Float64Array, B: Buf, out: Float64Array): void {
  out.fill(0, 0, N);
  let k = 0;
  for (; k + 4 <= K; k += 4) {
    const x0 = a[k], x1 = a[k + 1], x2 = a[k + 2], x3 = a[k + 3];
    for (let j = 0, p = k * N; j < N; j++, p++) {
      out[j] += x0 * B[p] + x1 * B[p + N] + x2 * B[p + 2 * N] + x3 * B[p + 3 * N];
    }
  }
  for (; k < K; k++) {
    const x = a[k];
    for (let j = 0, p = k * N; j < N; j++, p++) out[j] += x * B[p];
  }
}
