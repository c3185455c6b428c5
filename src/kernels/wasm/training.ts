import type { Buf, TrainingKernels } from '../kernels.js';
import { jsKernels as js } from '../js/index.js';
import type { WasmMemory } from './memory.js';
import { allF32, runtime } from './runtime.js';

// The optimiser updates and the cross-entropy on wasm (./assembly/optim.ts, ./assembly/loss.ts):
// copy the buffers into the scratch arena, run, copy the changed ones out. Float64 buffers
// (gradient checks) run on the js reference. Scalars PyTorch computes in Python double (1 - β,
// 1 - lr·wd) are computed here and rounded once at the call.

type F32 = Float32Array;

/**
 * Copies the first n values of each buffer (null: none) into the scratch arena; returns the
 * pointers (0 for none). A buffer shorter than the parameter is an error, not a read past it.
 */
function putAll(mem: WasmMemory, kernel: string, names: string[], n: number, bufs: (F32 | null)[]): number[] {
  bufs.forEach((b, i) => {
    if (b && b.length < n) throw new Error(`wasm ${kernel}: ${names[i]} has ${b.length} values, the parameter has ${n}`);
  });
  const ptrs = mem.scratch(...bufs.map((b) => (b ? n : 0)));
  bufs.forEach((b, i) => { if (b) mem.put(ptrs[i], b, n); });
  return ptrs;
}

/** Copies the updated buffers back (null entries are skipped). */
function getAll(mem: WasmMemory, ptrs: number[], n: number, bufs: (F32 | null)[]): void {
  bufs.forEach((b, i) => { if (b) mem.get(ptrs[i], b, n); });
}

export const wasmTrainingKernels: TrainingKernels = {
  sgdUpdate(param, grad, momentumBuf, initBuffer, h) {
    if (!allF32(param, grad, momentumBuf)) return js.sgdUpdate(param, grad, momentumBuf, initBuffer, h);
    const mem = runtime();
    const buf = h.momentum !== 0 ? momentumBuf as F32 | null : null;
    const n = param.length;
    const [pp, pg, pb] = putAll(mem, 'sgdUpdate', ['param', 'grad', 'momentumBuf'], n, [param as F32, grad as F32, buf]);
    mem.ex.sgdUpdate(n, pp, pg, pb, +initBuffer, h.lr, h.momentum, 1 - h.dampening, h.weightDecay, +h.nesterov);
    getAll(mem, [pp, 0, pb], n, [param as F32, null, buf]);
  },

  adagradUpdate(param, grad, sum, clr, h) {
    if (!allF32(param, grad, sum)) return js.adagradUpdate(param, grad, sum, clr, h);
    const mem = runtime();
    const n = param.length;
    const [pp, pg, ps] = putAll(mem, 'adagradUpdate', ['param', 'grad', 'sum'], n, [param as F32, grad as F32, sum as F32]);
    mem.ex.adagradUpdate(n, pp, pg, ps, clr, h.weightDecay, h.eps);
    getAll(mem, [pp, 0, ps], n, [param as F32, null, sum as F32]);
  },

  rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h) {
    if (!allF32(param, grad, squareAvg, gradAvg, momentumBuf)) {
      return js.rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h);
    }
    const mem = runtime();
    const bufs = [param as F32, grad as F32, squareAvg as F32, h.centered ? gradAvg as F32 | null : null,
      h.momentum > 0 ? momentumBuf as F32 | null : null];
    const n = param.length;
    const ptrs = putAll(mem, 'rmspropUpdate', ['param', 'grad', 'squareAvg', 'gradAvg', 'momentumBuf'], n, bufs);
    const [pp, pg, psq, pga, pb] = ptrs;
    mem.ex.rmspropUpdate(n, pp, pg, psq, pga, pb, h.lr, h.alpha, 1 - h.alpha, h.eps, h.weightDecay,
      h.momentum);
    bufs[1] = null; // the gradient is only read
    getAll(mem, ptrs, n, bufs);
  },

  adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt) {
    if (!allF32(param, grad, expAvg, expAvgSq, maxExpAvgSq)) {
      return js.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt);
    }
    const mem = runtime();
    const bufs = [param as F32, grad as F32, expAvg as F32, expAvgSq as F32, h.amsgrad ? maxExpAvgSq as F32 | null : null];
    const n = param.length;
    const ptrs = putAll(mem, 'adamUpdate', ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], n, bufs);
    const [pp, pg, pm, pv, pvMax] = ptrs;
    mem.ex.adamUpdate(n, pp, pg, pm, pv, pvMax, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps,
      decoupled ? 0 : h.weightDecay, decoupled ? 1 - h.lr * h.weightDecay : 1, stepSize, bias2Sqrt);
    bufs[1] = null; // the gradient is only read
    getAll(mem, ptrs, n, bufs);
  },

  crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, labelSmoothing, loss, grad) {
    if (!allF32(logits, mask, weight, loss, grad)) {
      return js.crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, labelSmoothing, loss, grad);
    }
    checkTargets(N, C, targets, ignoreIndex, mask);
    const mem = runtime();
    const [px, pt, pm, pw, pl, pg] = mem.scratch(N * C, N, mask ? N : 0, weight ? C : 0, N, grad ? N * C : 0);
    mem.put(px, logits as F32, N * C);
    mem.put(pt, targets, N);
    if (mask) mem.put(pm, mask as F32, N);
    if (weight) mem.put(pw, weight as F32, C);
    mem.ex.crossEntropyForward(N, C, px, pt, ignoreIndex, pm, pw, 1 - labelSmoothing, labelSmoothing / C, pl, pg);
    mem.get(pl, loss as F32, N);
    if (grad) mem.get(pg, grad as F32, N * C);
  },

  crossEntropyBackward(N, C, grad, rowScale, scale, dx) {
    if (!allF32(grad, rowScale, dx)) return js.crossEntropyBackward(N, C, grad, rowScale, scale, dx);
    const mem = runtime();
    const [pg, ps, pd] = mem.scratch(N * C, rowScale ? N : 0, N * C);
    mem.put(pg, grad as F32, N * C);
    if (rowScale) mem.put(ps, rowScale as F32, N);
    mem.put(pd, dx as F32, N * C);
    mem.ex.crossEntropyBackward(N, C, pg, ps, scale, pd);
    mem.get(pd, dx as F32, N * C);
  },
};

// The kernel indexes each kept row by its target: one outside the row would read another row.
function checkTargets(N: number, C: number, targets: Int32Array, ignoreIndex: number, mask: Buf | null): void {
  if (targets.length < N) throw new Error(`wasm crossEntropyForward: targets has ${targets.length} values, needs N=${N}`);
  if ((ignoreIndex | 0) !== ignoreIndex) throw new Error(`wasm crossEntropyForward: ignoreIndex ${ignoreIndex} is not a 32-bit integer`);
  for (let i = 0; i < N; i++) {
    const y = targets[i];
    if (y === ignoreIndex || (mask && mask[i] === 0)) continue;
    if (y < 0 || y >= C) throw new Error(`wasm crossEntropyForward: targets[${i}] = ${y} is outside 0..${C - 1}`);
  }
}
