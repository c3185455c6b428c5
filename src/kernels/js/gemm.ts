import type { Buf } from '../kernels.js';

// Reference GEMM: C[M,N] = alpha * op(A) · op(B) + beta * C, row-major, contiguous.
// Loop orders keep the innermost loop on contiguous memory for each transpose case.
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Buf, B: Buf, beta: number, C: Buf): void {
  const size = M * N;
  if (beta === 0) C.fill(0, 0, size);
  else if (beta !== 1) for (let i = 0; i < size; i++) C[i] *= beta;
  if (K === 0 || alpha === 0) return;
  if (!transA && !transB) gemmNN(M, N, K, alpha, A, B, C);
  else if (!transA && transB) gemmNT(M, N, K, alpha, A, B, C);
  else if (transA && !transB) gemmTN(M, N, K, alpha, A, B, C);
  else gemmTT(M, N, K, alpha, A, B, C);
}

// A: [M,K], B: [K,N]
function gemmNN(M: number, N: number, K: number, alpha: number, A: Buf, B: Buf, C: Buf): void {
  for (let i = 0; i < M; i++) {
    const cRow = i * N;
    for (let k = 0; k < K; k++) {
      const a = alpha * A[i * K + k];
      if (a === 0) continue;
      const bRow = k * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

// A: [M,K], B: [N,K]: each C entry is a dot product of two contiguous rows.
function gemmNT(M: number, N: number, K: number, alpha: number, A: Buf, B: Buf, C: Buf): void {
  const K4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const aRow = i * K;
    for (let j = 0; j < N; j++) {
      const bRow = j * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k < K4; k += 4) {
        s0 += A[aRow + k] * B[bRow + k];
        s1 += A[aRow + k + 1] * B[bRow + k + 1];
        s2 += A[aRow + k + 2] * B[bRow + k + 2];
        s3 += A[aRow + k + 3] * B[bRow + k + 3];
      }
      for (; k < K; k++) s0 += A[aRow + k] * B[bRow + k];
      C[i * N + j] += alpha * (s0 + s1 + s2 + s3);
    }
  }
}

// A: [K,M], B: [K,N]
function gemmTN(M: number, N: number, K: number, alpha: number, A: Buf, B: Buf, C: Buf): void {
  for (let k = 0; k < K; k++) {
    const bRow = k * N;
    for (let i = 0; i < M; i++) {
      const a = alpha * A[k * M + i];
      if (a === 0) continue;
      const cRow = i * N;
      for (let j = 0; j < N; j++) C[cRow + j] += a * B[bRow + j];
    }
  }
}

// A: [K,M], B: [N,K]
function gemmTT(M: number, N: number, K: number, alpha: number, A: Buf, B: Buf, C: Buf): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[k * M + i] * B[j * K + k];
      C[i * N + j] += alpha * s;
    }
  }
}
