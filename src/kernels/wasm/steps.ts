import type { Activation, Buf, Kernels, TrainingKernels } from '../kernels.js';
import { jsKernels } from '../js/index.js';
import { activationCode, allF32, runtime, team } from './runtime.js';

// The per-call kernels of the Kernels interface on wasm: copy the inputs into the scratch
// arena, run, copy the results out. Shapes as in ../kernels.ts. Float64 buffers (gradient
// checks) go to the js reference, which is exact in float64.

type StepKernels = Omit<Kernels, 'name' | 'sequenceForward' | 'sequenceBackward' | keyof TrainingKernels>;
type F32 = Float32Array;
const js = jsKernels;

export const wasmStepKernels: StepKernels = {
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Buf, B: Buf,
    beta: number, C: Buf): void {
    if (!allF32(A, B, C)) return js.gemm(transA, transB, M, N, K, alpha, A, B, beta, C);
    const mem = runtime();
    const [pa, pb, pc] = mem.scratch(M * K, K * N, M * N);
    mem.put(pa, A as F32, M * K);
    mem.put(pb, B as F32, K * N);
    if (beta !== 0) mem.put(pc, C as F32, M * N);
    team('gemm', M * N * K, +transA, +transB, M, N, K, alpha, pa, pb, beta, pc);
    mem.get(pc, C as F32, M * N);
  },

  addRowVector(rows: number, cols: number, bias: Buf, y: Buf): void {
    if (!allF32(bias, y)) return js.addRowVector(rows, cols, bias, y);
    const mem = runtime();
    const [pb, py] = mem.scratch(cols, rows * cols);
    mem.put(pb, bias as F32, cols);
    mem.put(py, y as F32, rows * cols);
    mem.ex.addRowVector(rows, cols, pb, py);
    mem.get(py, y as F32, rows * cols);
  },

  sumRowsInto(rows: number, cols: number, x: Buf, out: Buf): void {
    if (!allF32(x, out)) return js.sumRowsInto(rows, cols, x, out);
    const mem = runtime();
    const [px, po] = mem.scratch(rows * cols, cols);
    mem.put(px, x as F32, rows * cols);
    mem.put(po, out as F32, cols);
    mem.ex.sumRowsInto(rows, cols, px, po);
    mem.get(po, out as F32, cols);
  },

  // The table is a JavaScript array (a 10000 x 100 embedding: 4 MB): copying it into wasm
  // memory for each lookup would cost more than the lookup, so these run where it is.
  gatherRows: js.gatherRows,
  scatterAddRows: js.scatterAddRows,

  activationForward(act: Activation, slope: number, n: number, x: Buf, y: Buf): void {
    if (!allF32(x, y)) return js.activationForward(act, slope, n, x, y);
    const mem = runtime();
    const [p] = mem.scratch(n);
    mem.put(p, x as F32, n);
    mem.ex.activationForward(activationCode(act), slope, n, p, p);
    mem.get(p, y as F32, n);
  },

  activationBackward(act: Activation, slope: number, n: number, y: Buf, dy: Buf, dx: Buf, accumulate: boolean): void {
    if (!allF32(y, dy, dx)) return js.activationBackward(act, slope, n, y, dy, dx, accumulate);
    const mem = runtime();
    const [py, pdy, pdx] = mem.scratch(n, n, n);
    mem.put(py, y as F32, n);
    mem.put(pdy, dy as F32, n);
    if (accumulate) mem.put(pdx, dx as F32, n);
    mem.ex.activationBackward(activationCode(act), slope, n, py, pdy, pdx, +accumulate);
    mem.get(pdx, dx as F32, n);
  },

  softmaxRows(rows: number, cols: number, x: Buf, y: Buf): void {
    if (!allF32(x, y)) return js.softmaxRows(rows, cols, x, y);
    rowwise(rows * cols, x as F32, y as F32, (p) => runtime().ex.softmaxRows(rows, cols, p, p));
  },

  logSoftmaxRows(rows: number, cols: number, x: Buf, y: Buf): void {
    if (!allF32(x, y)) return js.logSoftmaxRows(rows, cols, x, y);
    rowwise(rows * cols, x as F32, y as F32, (p) => runtime().ex.logSoftmaxRows(rows, cols, p, p));
  },

  rnnCellForward(B: number, H: number, act: Activation, slope: number, xg: Buf, hg: Buf, h: Buf): void {
    if (!allF32(xg, hg, h)) return js.rnnCellForward(B, H, act, slope, xg, hg, h);
    const n = B * H, mem = runtime();
    const [px, pg, ph] = mem.scratch(n, n, n);
    mem.put(px, xg as F32, n);
    mem.put(pg, hg as F32, n);
    mem.ex.rnnCellForward(B, H, activationCode(act), slope, px, pg, ph);
    mem.get(ph, h as F32, n);
  },

  rnnCellBackward(B: number, H: number, act: Activation, slope: number, h: Buf, dh: Buf, dPre: Buf): void {
    if (!allF32(h, dh, dPre)) return js.rnnCellBackward(B, H, act, slope, h, dh, dPre);
    const n = B * H, mem = runtime();
    const [ph, pdh, pd] = mem.scratch(n, n, n);
    mem.put(ph, h as F32, n);
    mem.put(pdh, dh as F32, n);
    mem.ex.rnnCellBackward(B, H, activationCode(act), slope, ph, pdh, pd);
    mem.get(pd, dPre as F32, n);
  },

  lstmCellForward(B: number, H: number, xg: Buf, hg: Buf, cPrev: Buf, gates: Buf, c: Buf, h: Buf): void {
    if (!allF32(xg, hg, cPrev, gates, c, h)) return js.lstmCellForward(B, H, xg, hg, cPrev, gates, c, h);
    const n = B * H, mem = runtime();
    const [px, pg, pcp, pgt, pc, ph] = mem.scratch(4 * n, 4 * n, n, 4 * n, n, n);
    mem.put(px, xg as F32, 4 * n);
    mem.put(pg, hg as F32, 4 * n);
    mem.put(pcp, cPrev as F32, n);
    mem.ex.lstmCellForward(B, H, px, pg, pcp, pgt, pc, ph);
    mem.get(pgt, gates as F32, 4 * n);
    mem.get(pc, c as F32, n);
    mem.get(ph, h as F32, n);
  },

  lstmCellBackward(B: number, H: number, gates: Buf, cPrev: Buf, c: Buf, dh: Buf, dc: Buf, dPre: Buf): void {
    if (!allF32(gates, cPrev, c, dh, dc, dPre)) return js.lstmCellBackward(B, H, gates, cPrev, c, dh, dc, dPre);
    const n = B * H, mem = runtime();
    const [pgt, pcp, pc, pdh, pdc, pd] = mem.scratch(4 * n, n, n, n, n, 4 * n);
    mem.put(pgt, gates as F32, 4 * n);
    mem.put(pcp, cPrev as F32, n);
    mem.put(pc, c as F32, n);
    mem.put(pdh, dh as F32, n);
    mem.put(pdc, dc as F32, n);
    mem.ex.lstmCellBackward(B, H, pgt, pcp, pc, pdh, pdc, pd);
    mem.get(pdc, dc as F32, n);
    mem.get(pd, dPre as F32, 4 * n);
  },

  gruCellForward(B: number, H: number, xg: Buf, hg: Buf, hPrev: Buf, gates: Buf, h: Buf): void {
    if (!allF32(xg, hg, hPrev, gates, h)) return js.gruCellForward(B, H, xg, hg, hPrev, gates, h);
    const n = B * H, mem = runtime();
    const [px, pg, php, pgt, ph] = mem.scratch(3 * n, 3 * n, n, 3 * n, n);
    mem.put(px, xg as F32, 3 * n);
    mem.put(pg, hg as F32, 3 * n);
    mem.put(php, hPrev as F32, n);
    mem.ex.gruCellForward(B, H, px, pg, php, pgt, ph);
    mem.get(pgt, gates as F32, 3 * n);
    mem.get(ph, h as F32, n);
  },

  gruCellBackward(B: number, H: number, gates: Buf, hg: Buf, hPrev: Buf, dh: Buf, dXg: Buf, dHg: Buf, dhPrev: Buf): void {
    if (!allF32(gates, hg, hPrev, dh, dXg, dHg, dhPrev)) return js.gruCellBackward(B, H, gates, hg, hPrev, dh, dXg, dHg, dhPrev);
    const n = B * H, mem = runtime();
    const [pgt, pg, php, pdh, pdx, pdg, pdp] = mem.scratch(3 * n, 3 * n, n, n, 3 * n, 3 * n, n);
    mem.put(pgt, gates as F32, 3 * n);
    mem.put(pg, hg as F32, 3 * n);
    mem.put(php, hPrev as F32, n);
    mem.put(pdh, dh as F32, n);
    mem.ex.gruCellBackward(B, H, pgt, pg, php, pdh, pdx, pdg, pdp);
    mem.get(pdx, dXg as F32, 3 * n);
    mem.get(pdg, dHg as F32, 3 * n);
    mem.get(pdp, dhPrev as F32, n);
  },
};

// x -> y through an in-place row kernel (x and y may alias).
function rowwise(n: number, x: F32, y: F32, run: (p: number) => void): void {
  const mem = runtime();
  const [p] = mem.scratch(n);
  mem.put(p, x, n);
  run(p);
  mem.get(p, y, n);
}
