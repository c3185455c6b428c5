import type { Buf } from '../kernels.js';
import { packA, packB } from './gemm-pack.js';
import { gemmFewRows } from './gemm-rows.js';

// Reference GEMM: C[M,N] = alpha * op(A) · op(B) + beta * C, row-major, contiguous.
// op(A): [M,K] (A stored [M,K], or [K,M] when transA); op(B): [K,N] (B stored [K,N], or [N,K]).
//
// Blocked the GotoBLAS way, in plain JS:
//   for each block of rows of op(A):          pack it into 4-row slivers (float64, unit stride)
//     for each 4-column sliver of op(B):      pack it (float64, unit stride)
//       for each 4-row sliver of the block:   a 4x4 micro-kernel sums over all of K in 16 locals
// Packing turns the four transpose cases into one micro-kernel with unit-stride loads, and the
// micro-kernel only ever reads Float64Array, so V8 keeps it monomorphic whether callers pass
// Float32Array, Float64Array or both. Each C entry is summed over the whole of K in a double
// (no blocking over K) and written once, as alpha * sum + beta * C; beta = 0 ignores what C
// held, even NaN, as BLAS does. Fewer than 4 rows go to gemm-rows.ts, which skips packing.

const MR = 4; // rows of op(A) per micro-kernel call
const NR = 4; // columns of op(B) per micro-kernel call

// Doubles of op(A) packed per block. The micro-kernel is bound by instruction count, not by
// memory, so a large block (2 MiB) wins: each packed sliver of op(B) is reused by more rows.
const BLOCK_ELEMS = 1 << 18;

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
  if (M < MR) {
    gemmFewRows(transA, transB, M, N, K, alpha, A, B, beta, C);
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

// C = beta * C when there is no product to add (beta = 0 clears NaN too).
function scaleC(size: number, beta: number, C: Buf): void {
  if (beta === 0) C.fill(0, 0, size);
  else if (beta !== 1) for (let i = 0; i < size; i++) C[i] *= beta;
}

// out[4r + c] = sum_k a[aOff + 4k + r] * b[4k + c]: a 4-row sliver of op(A) times a 4-column
// sliver of op(B). Eight loads feed sixteen multiply-adds per step; the sums stay in locals.
// `(p + 1) | 0` tells V8 the index is a plain int32 (p < a.length < 2^31), which spares an
// overflow check per load.
function microKernel(K: number, a: Float64Array, aOff: number, b: Float64Array, out: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let pa = aOff, pb = 0, end = aOff + 4 * K; pa < end; pa += 4, pb += 4) {
    const a0 = a[pa], a1 = a[(pa + 1) | 0], a2 = a[(pa + 2) | 0], a3 = a[(pa + 3) | 0];
    const b0 = b[pb], b1 = b[(pb + 1) | 0], b2 = b[(pb + 2) | 0], b3 = b[(pb + 3) | 0];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  out[0] = c00; out[1] = c01; out[2] = c02; out[3] = c03;
  out[4] = c10; out[5] = c11; out[6] = c12; out[7] = c13;
  out[8] = c20; out[9] = c21; out[10] = c22; out[11] = c23;
  out[12] = c30; out[13] = c31; out[14] = c32; out[15] = c33;
}

// C[r, c] = alpha * tile[r, c] + beta * C[r, c] for the rows x cols corner of the tile that
// lies inside C (the packed zeros fill the rest of the tile at the matrix edges).
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
