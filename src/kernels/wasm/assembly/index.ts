import { gemmWithTeam, packedAFloats, packedBFloats } from './gemm';
import { carve, carveOwn, ensureWork, slot } from './work';
import { rowsTimesWeightsT } from './gemv';
import { FEW_ROWS } from './few-rows';
import { partStart } from './team';

// The module's exports: a heap for the host (alloc/free), GEMM, elementwise kernels, fused cells
// and the whole-sequence recurrent kernels. All buffers are float32 pointers into this memory.
// gemm and the sequence kernels take (tid, nt) last: the host calls them once per thread of
// the call's team (./team.ts); a single-threaded call passes (0, 1).

export {
  activationForward, activationBackward, addRowVector, sumRowsInto, softmaxRows, logSoftmaxRows,
} from './elementwise';
export {
  rnnCellForward, rnnCellBackward, lstmCellForward, lstmCellBackward, gruCellForward, gruCellBackward,
} from './cells';
export { sequenceForward, sequenceBackward, statesInOut } from './sequence';
export { sgdUpdate, adagradUpdate, rmspropUpdate, adamUpdate } from './optim';
export { crossEntropyForward, crossEntropyBackward } from './loss';
export { setWaitPolicy, teamAbort, teamReset } from './team';

/** `bytes` of memory, 16-byte aligned; may grow the memory (the host must refresh its views). */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}

/**
 * C[M,N] = alpha·op(A)·op(B) + beta·C (see gemm.ts; a few rows times a transposed B: gemv.ts);
 * thread tid of nt (./team.ts).
 */
export function gemm(transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, B: usize,
  beta: f32, C: usize, tid: i32, nt: i32): void {
  if (!transA && transB && M <= FEW_ROWS && K > 0 && alpha != 0) {
    // A few rows times a row-major weight matrix (a Linear layer at batch 1): no packing.
    rowsTimesWeightsT(M, K, alpha, A, K, B, partStart(N, 4, tid, nt), partStart(N, 4, tid + 1, nt), beta, C, N);
    return;
  }
  ensureWork(slot(packedBFloats(N, K)) + slot(packedAFloats()) * nt, tid, nt);
  const bBuf = carve(packedBFloats(N, K)), aBuf = carveOwn(packedAFloats(), tid, nt);
  gemmWithTeam(transA, transB, M, N, K, alpha, A, B, beta, C, aBuf, bBuf, tid, nt);
}
