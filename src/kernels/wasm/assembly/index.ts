import { gemmWith, packedAFloats, packedBFloats } from './gemm';
import { carve, ensureWork, slot } from './work';

// The module's exports: a heap for the host (alloc/free), GEMM, elementwise kernels, fused cells
// and the whole-sequence recurrent kernels. All buffers are float32 pointers into this memory.

export {
  activationForward, activationBackward, addRowVector, sumRowsInto, softmaxRows, logSoftmaxRows,
} from './elementwise';
export {
  rnnCellForward, rnnCellBackward, lstmCellForward, lstmCellBackward, gruCellForward, gruCellBackward,
} from './cells';
export { sequenceForward, sequenceBackward } from './sequence';

/** `bytes` of memory, 16-byte aligned; may grow the memory (the host must refresh its views). */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

export function free(ptr: usize): void {
  heap.free(ptr);
}

/** C[M,N] = alpha·op(A)·op(B) + beta·C (see gemm.ts). */
export function gemm(transA: bool, transB: bool, M: i32, N: i32, K: i32, alpha: f32, A: usize, B: usize,
  beta: f32, C: usize): void {
  ensureWork(slot(packedAFloats()) + slot(packedBFloats(N, K)));
  const aBuf = carve(packedAFloats()), bBuf = carve(packedBFloats(N, K));
  gemmWith(transA, transB, M, N, K, alpha, A, B, beta, C, aBuf, bBuf);
}
