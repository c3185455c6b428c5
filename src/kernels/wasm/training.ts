import type { Buf, TrainingKernels } from '../kernels.js';
import { jsKernels as js } from '../js/index.js';
import type { WasmMemory } from './memory.js';
import { teamThreads } from './pool.js';
import { allF32, runtime, team } from './runtime.js';
import { stateBuffer, statePointer } from './state.js';

// The optimiser updates and the cross-entropy on wasm (./assembly/optim.ts, ./assembly/loss.ts):
// copy the buffers into the scratch arena, run, copy the changed ones out (the updates chunk by
// chunk; optimiser state from stateBuffer() is already in wasm memory and stays there). Float64 buffers (gradient checks) run on the js reference. Scalars PyTorch computes
// in Python double (1 - β, 1 - lr·wd) are computed here and rounded once at the call.

type F32 = Float32Array;

// Parameters pass through wasm memory in chunks of this many values: each chunk is copied in,
// updated and copied out while it is in cache, so a large parameter (W5's 10000 x 100
// embedding: param, grad and two moments, 16 MB) crosses main memory once each way instead of
// three times. Every value's arithmetic is the same whatever the chunk.
const UPDATE_CHUNK = 16384;
// With threads the updates run as a team on chunks this large (each thread its half), so that
// the chunks are few and the second thread's share outweighs the call's hand-off: W5's Adam
// over its 1.1M parameters in 9 team calls instead of 67 calls on the main thread alone.
const TEAM_UPDATE_CHUNK = 1 << 17;
// Work estimate per value for team(): calls under its threshold stay on one thread.
const UPDATE_WORK = 16;

/**
 * Runs an elementwise update over the first n values of each buffer (null: none) chunk by
 * chunk: `run(len, ptrs)` updates len values at ptrs (0 for none); the buffers marked in
 * `written` are copied back. A buffer shorter than the parameter is an error, not a read past it.
 */
function updateInChunks(mem: WasmMemory, kernel: string, names: string[], n: number, bufs: (F32 | null)[],
  written: boolean[], run: (len: number, ptrs: number[]) => void): void {
  bufs.forEach((b, i) => {
    if (b && b.length < n) throw new Error(`wasm ${kernel}: ${names[i]} has ${b.length} values, the parameter has ${n}`);
  });
  // Optimiser state already in wasm memory (./state.ts) is updated where it is.
  const inPlace = bufs.map(statePointer);
  const copied = bufs.map((b, i) => b !== null && inPlace[i] === 0);
  const chunk = Math.min(n, teamThreads() > 1 ? TEAM_UPDATE_CHUNK : UPDATE_CHUNK);
  const scratch = mem.scratch(...copied.map((c) => (c ? chunk : 0)));
  const ptrs = bufs.map(() => 0);
  for (let o = 0; o < n; o += chunk) {
    const len = Math.min(chunk, n - o);
    bufs.forEach((b, i) => {
      ptrs[i] = inPlace[i] ? inPlace[i] + o * 4 : scratch[i];
      if (copied[i]) mem.put(scratch[i], b!.subarray(o, o + len));
    });
    run(len, ptrs);
    bufs.forEach((b, i) => { if (copied[i] && written[i]) mem.get(scratch[i], b!.subarray(o, o + len)); });
  }
}

export const wasmTrainingKernels: TrainingKernels = {
  stateBuffer,

  sgdUpdate(param, grad, momentumBuf, initBuffer, h) {
    if (!allF32(param, grad, momentumBuf)) return js.sgdUpdate(param, grad, momentumBuf, initBuffer, h);
    const mem = runtime();
    const buf = h.momentum !== 0 ? momentumBuf as F32 | null : null;
    const n = param.length;
    updateInChunks(mem, 'sgdUpdate', ['param', 'grad', 'momentumBuf'], n, [param as F32, grad as F32, buf],
      [true, false, true], (len, [pp, pg, pb]) => {
        team('sgdUpdate', len * UPDATE_WORK, len, pp, pg, pb, +initBuffer, h.lr, h.momentum, 1 - h.dampening,
          h.weightDecay, +h.nesterov);
      });
  },

  adagradUpdate(param, grad, sum, clr, h) {
    if (!allF32(param, grad, sum)) return js.adagradUpdate(param, grad, sum, clr, h);
    const mem = runtime();
    const n = param.length;
    updateInChunks(mem, 'adagradUpdate', ['param', 'grad', 'sum'], n, [param as F32, grad as F32, sum as F32],
      [true, false, true], (len, [pp, pg, ps]) => team('adagradUpdate', len * UPDATE_WORK, len, pp, pg, ps, clr,
        h.weightDecay, h.eps));
  },

  rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h) {
    if (!allF32(param, grad, squareAvg, gradAvg, momentumBuf)) {
      return js.rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h);
    }
    const mem = runtime();
    const bufs = [param as F32, grad as F32, squareAvg as F32, h.centered ? gradAvg as F32 | null : null,
      h.momentum > 0 ? momentumBuf as F32 | null : null];
    const n = param.length;
    updateInChunks(mem, 'rmspropUpdate', ['param', 'grad', 'squareAvg', 'gradAvg', 'momentumBuf'], n, bufs,
      [true, false, true, true, true], (len, [pp, pg, psq, pga, pb]) => {
        team('rmspropUpdate', len * UPDATE_WORK, len, pp, pg, psq, pga, pb, h.lr, h.alpha, 1 - h.alpha, h.eps,
          h.weightDecay, h.momentum);
      });
  },

  adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt) {
    if (!allF32(param, grad, expAvg, expAvgSq, maxExpAvgSq)) {
      return js.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt);
    }
    const mem = runtime();
    const bufs = [param as F32, grad as F32, expAvg as F32, expAvgSq as F32, h.amsgrad ? maxExpAvgSq as F32 | null : null];
    const n = param.length;
    const coupledDecay = decoupled ? 0 : h.weightDecay, shrink = decoupled ? 1 - h.lr * h.weightDecay : 1;
    updateInChunks(mem, 'adamUpdate', ['param', 'grad', 'expAvg', 'expAvgSq', 'maxExpAvgSq'], n, bufs,
      [true, false, true, true, true], (len, [pp, pg, pm, pv, pvMax]) => {
        team('adamUpdate', len * UPDATE_WORK, len, pp, pg, pm, pv, pvMax, h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2,
          h.eps, coupledDecay, shrink, stepSize, bias2Sqrt);
      });
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
