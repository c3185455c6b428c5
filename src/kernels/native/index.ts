import type { Activation, Buf, Kernels } from '../kernels.js';
import { jsKernels } from '../js/index.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';
import { activationCode, allF32 } from '../codes.js';
import { createNativeSequenceKernels } from './sequence.js';
import { createNativeTrainingKernels } from './training.js';

export { loadNativeAddon, nativeLoadFailure } from './addon.js';

// The native backend: the Kernels interface on the Node-API addon (native/), float32 only
// (float64 calls, from gradient checks, run on the js reference). Threads: RNNKIT_THREADS, else
// every available core; setThreads(n) changes it at run time.

type F32 = Float32Array;

function defaultThreads(): number {
  const fromEnv = Number(process.env.RNNKIT_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  const os = process.getBuiltinModule?.('node:os') as typeof import('node:os') | undefined;
  return os?.availableParallelism?.() ?? 1;
}

function createNativeKernels(addon: NativeAddon): Kernels {
  addon.setThreads(defaultThreads());
  const js = jsKernels;
  const code = activationCode;
  return {
    name: 'native',
    setThreads(n: number): void {
      if (!Number.isInteger(n) || n < 1) throw new Error(`native backend: setThreads needs a positive integer, got ${n}`);
      addon.setThreads(n);
    },
    threads: () => addon.threads(),
    ...createNativeSequenceKernels(addon),
    ...createNativeTrainingKernels(addon),
    gemm(transA, transB, M, N, K, alpha, A, B, beta, C) {
      if (allF32(A, B, C)) addon.gemm(transA, transB, M, N, K, alpha, A as F32, B as F32, beta, C as F32);
      else js.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
    },
    addRowVector(rows, cols, bias, y) {
      if (allF32(bias, y)) addon.addRowVector(rows, cols, bias as F32, y as F32);
      else js.addRowVector(rows, cols, bias, y);
    },
    sumRowsInto(rows, cols, x, out) {
      if (allF32(x, out)) addon.sumRowsInto(rows, cols, x as F32, out as F32);
      else js.sumRowsInto(rows, cols, x, out);
    },
    gatherRows(V, E, table, n, ids, out) {
      if (allF32(table, out)) addon.gatherRows(V, E, table as F32, n, ids, out as F32);
      else js.gatherRows(V, E, table, n, ids, out);
    },
    scatterAddRows(V, E, src, n, ids, skipId, table) {
      if (allF32(src, table)) addon.scatterAddRows(V, E, src as F32, n, ids, skipId, table as F32);
      else js.scatterAddRows(V, E, src, n, ids, skipId, table);
    },
    activationForward(act: Activation, slope: number, n: number, x: Buf, y: Buf) {
      if (allF32(x, y)) addon.activationForward(code(act), slope, n, x as F32, y as F32);
      else js.activationForward(act, slope, n, x, y);
    },
    activationBackward(act, slope, n, y, dy, dx, accumulate) {
      if (allF32(y, dy, dx)) addon.activationBackward(code(act), slope, n, y as F32, dy as F32, dx as F32, accumulate);
      else js.activationBackward(act, slope, n, y, dy, dx, accumulate);
    },
    softmaxRows(rows, cols, x, y) {
      if (allF32(x, y)) addon.softmaxRows(rows, cols, x as F32, y as F32);
      else js.softmaxRows(rows, cols, x, y);
    },
    logSoftmaxRows(rows, cols, x, y) {
      if (allF32(x, y)) addon.logSoftmaxRows(rows, cols, x as F32, y as F32);
      else js.logSoftmaxRows(rows, cols, x, y);
    },
    rnnCellForward(B, H, act, slope, xg, hg, h) {
      if (allF32(xg, hg, h)) addon.rnnCellForward(B, H, code(act), slope, xg as F32, hg as F32, h as F32);
      else js.rnnCellForward(B, H, act, slope, xg, hg, h);
    },
    rnnCellBackward(B, H, act, slope, h, dh, dPre) {
      if (allF32(h, dh, dPre)) addon.rnnCellBackward(B, H, code(act), slope, h as F32, dh as F32, dPre as F32);
      else js.rnnCellBackward(B, H, act, slope, h, dh, dPre);
    },
    lstmCellForward(B, H, xg, hg, cPrev, gates, c, h) {
      if (allF32(xg, hg, cPrev, gates, c, h)) {
        addon.lstmCellForward(B, H, xg as F32, hg as F32, cPrev as F32, gates as F32, c as F32, h as F32);
      } else js.lstmCellForward(B, H, xg, hg, cPrev, gates, c, h);
    },
    lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dPre) {
      if (allF32(gates, cPrev, c, dh, dc, dPre)) {
        addon.lstmCellBackward(B, H, gates as F32, cPrev as F32, c as F32, dh as F32, dc as F32, dPre as F32);
      } else js.lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dPre);
    },
    gruCellForward(B, H, xg, hg, hPrev, gates, h) {
      if (allF32(xg, hg, hPrev, gates, h)) {
        addon.gruCellForward(B, H, xg as F32, hg as F32, hPrev as F32, gates as F32, h as F32);
      } else js.gruCellForward(B, H, xg, hg, hPrev, gates, h);
    },
    gruCellBackward(B, H, gates, hg, hPrev, dh, dXg, dHg, dhPrev) {
      if (allF32(gates, hg, hPrev, dh, dXg, dHg, dhPrev)) {
        addon.gruCellBackward(B, H, gates as F32, hg as F32, hPrev as F32, dh as F32, dXg as F32, dHg as F32, dhPrev as F32);
      } else js.gruCellBackward(B, H, gates, hg, hPrev, dh, dXg, dHg, dhPrev);
    },
  };
}

let kernelsCache: Kernels | null | undefined;

/** The native backend, or null (after one notice) when the addon is not built or cannot load. */
export function loadNativeKernels(): Kernels | null {
  if (kernelsCache === undefined) {
    const addon = loadNativeAddon();
    kernelsCache = addon ? createNativeKernels(addon) : null;
  }
  return kernelsCache;
}

/** The native backend's addon itself (instruction set control for tests and benchmarks). */
export function nativeAddon(): NativeAddon | null {
  return loadNativeAddon();
}

/** The native backend when the addon loaded, else null. */
export const nativeKernels: Kernels | null = loadNativeKernels();
