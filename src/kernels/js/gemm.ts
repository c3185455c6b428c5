import type { Buf } from '../kernels.js';
import { packA, packB } from './gemm-pack.js';

// Reference GEMM: C[M,N] = alpha * op(A) · op(B) + beta * C, row-major, contiguous.
// op(A): [M,K] (A stored [M,K], or [K,M] when transA); op(B): [K,N] (B stored [K,N], or [N,K]).
//
// Blocked the GotoBLAS way, in plain JS:
//   for each block of rows of op(A):          pack it into MR-row slivers (float64, unit stride)
//     for each NR-column sliver of op(B):     pack it (float64, unit stride)
//       for each MR-row sliver of the block:  an MR x NR micro-kernel sums over all of K in locals
// Packing makes all four transpose cases one micro-kernel with unit-stride loads, and the
// micro-kernel only ever reads Float64Array, so V8 keeps it monomorphic for float32 and
// float64 callers alike. Each C entry is summed over the whole of K in a double before it is
// written once, as alpha * sum + beta * C (beta = 0 ignores NaN in C, as BLAS does).

const MR = 4;
const NR = 4;

// Rows of op(A) packed at a time: the packed block (BLOCK_ELEMS doubles, ~1 MiB) stays in L2
// while every sliver of op(B) passes over it.
const BLOCK_ELEMS = 1 << 17;

// Scratch grown on demand and reused, so steady-state calls do not allocate.
let aPack = new Float64Array(0);
let bPack = new Float64Array(0);
const tile = new Float64Array(MR * NR);

export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Buf, B: Buf, beta: number, C: Buf): void {
  if (M === 0 || N === 0) return;
  if (K === 0 || alpha === 0) {
    scaleC(M * N, beta, C);
    return;
  }
  const blockRows = Math.max(MR, Math.floor(BLOCK_ELEMS / (K * MR)) * MR);
  const aNeed = Math.min(blockRows, Math.ceil(M / MR) * MR) * K;
  if (aPack.length < aNeed) aPack = new Float64Array(aNeed);
  if (bPack.length < NR * K) bPack = new Float64Array(NR * K);
  const ap = aPack, bp = bPack;

  for (let i0 = 0; i0 < M; i0 += blockRows) {
    const rows = Math.min(blockRows, M - i0);
    packA(transA, M, K, A, i0, rows, MR, ap);
    for (let j0 = 0; j0 < N; j0 += NR) {
      const cols = Math.min(NR, N - j0);
      packB(transB, N, K, B, j0, cols, NR, bp);
      for (let i = 0; i < rows; i += MR) {
        microKernel(K, ap, i * K, bp, tile);
        storeTile(tile, Math.min(MR, rows - i), cols, alpha, beta, C, (i0 + i) * N + j0, N);
      }
    }
  }
}

function scaleC(size: number, beta: number, C: Buf): void {
  if (beta === 0) C.fill(0, 0, size);
  else if (beta !== 1) for (let i = 0; i < size; i++) C[i] *= beta;
}

// out[r*NR + c] = sum_k a[aOff + MR*k + r] * b[NR*k + c]: one MR-row sliver of op(A) times one
// NR-column sliver of op(B), with the MR*NR sums in locals for all of K.
function microKernel(K: number, a: Float64Array, aOff: number, b: Float64Array, out: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0, pa = aOff, pb = 0; k < K; k++, pa += 4, pb += 4) {
    const a0 = a[pa], a1 = a[pa + 1], a2 = a[pa + 2], a3 = a[pa + 3];
    const b0 = b[pb], b1 = b[pb + 1], b2 = b[pb + 2], b3 = b[pb + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  out[0] = c00; out[1] = c01; out[2] = c02; out[3] = c03; out[4] = c10; out[5] = c11; out[6] = c12; out[7] = c13; out[8] = c20; out[9] = c21; out[10] = c22; out[11] = c23; out[12] = c30; out[13] = c31; out[14] = c32; out[15] = c33;
}

// C[r, c] = alpha * tile[r, c] + beta * C[r, c] for the rows x cols corner that lies inside C.
function storeTile(t: Float64Array, rows: number, cols: number, alpha: number, beta: number,
  C: Buf, cOff: number, ldc: number): void {
  for (let r = 0; r < rows; r++) {
    const p = cOff + r * ldc;
    for (let c = 0; c < cols; c++) {
      const v = alpha * t[r * NR + c];
      C[p + c] = beta === 0 ? v : v + beta * C[p + c];
    }
  }
}
