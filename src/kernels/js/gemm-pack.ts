import type { Buf } from '../kernels.js';

// Packing for the blocked GEMM: copies a panel of op(A) or op(B) into a Float64Array laid out
// in "slivers" of `width` rows (of op(A)) or columns (of op(B)), k-major inside a sliver:
//   sliver s, step k, lane r  ->  out[s * width * K + k * width + r]
// so the micro-kernel reads both operands with unit stride whatever the transposes were.
// Lanes past the matrix edge are zero, so the micro-kernel never needs an edge case.
// The copy also widens float32 to float64 once, which keeps the micro-kernel monomorphic
// (it only ever sees Float64Array) whichever array type the caller passes.

/**
 * Packs rows [i0, i0 + rows) of op(A) (op(A): [M,K]) into slivers of `width` rows.
 * transA = false: A is [M,K]; transA = true: A is [K,M].
 */
export function packA(transA: boolean, M: number, K: number, A: Buf, i0: number, rows: number,
  width: number, out: Float64Array): void {
  if (transA) packLanesContiguous(A, M, K, i0, rows, width, out);
  else packLanesStrided(A, K, i0, rows, width, out);
}

/**
 * Packs columns [j0, j0 + cols) of op(B) (op(B): [K,N]) into slivers of `width` columns.
 * transB = false: B is [K,N]; transB = true: B is [N,K].
 */
export function packB(transB: boolean, N: number, K: number, B: Buf, j0: number, cols: number,
  width: number, out: Float64Array): void {
  if (transB) packLanesStrided(B, K, j0, cols, width, out);
  else packLanesContiguous(B, N, K, j0, cols, width, out);
}

// Lane j of step k is src[k * ld + first + j]: the lanes of one step sit side by side
// (op(A) rows when A is stored transposed, op(B) columns when B is not). Walking k outermost
// reads each source row once, contiguously, and spreads it over the slivers.
function packLanesContiguous(src: Buf, ld: number, K: number, first: number, count: number,
  width: number, out: Float64Array): void {
  const sliverSize = width * K;
  for (let k = 0; k < K; k++) {
    const p = k * ld + first;
    for (let s = 0, q = k * width; s < count; s += width, q += sliverSize) {
      const lanes = Math.min(width, count - s);
      for (let r = 0; r < lanes; r++) out[q + r] = src[p + s + r];
      for (let r = lanes; r < width; r++) out[q + r] = 0;
    }
  }
}

// Lane r of step k is src[(first + r) * K + k]: each lane is a contiguous row of src
// (op(A) rows when A is not transposed, op(B) columns when B is stored transposed).
function packLanesStrided(src: Buf, K: number, first: number, count: number, width: number,
  out: Float64Array): void {
  for (let s = 0; s < count; s += width) {
    const lanes = Math.min(width, count - s);
    const o = s * K;
    for (let r = 0; r < width; r++) {
      if (r < lanes) {
        for (let k = 0, p = (first + s + r) * K, q = o + r; k < K; k++, p++, q += width) out[q] = src[p];
      } else {
        for (let k = 0, q = o + r; k < K; k++, q += width) out[q] = 0;
      }
    }
  }
}
