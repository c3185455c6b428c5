import type { Activation, Buf, Kernels } from '../../kernels/kernels.js';
import { kernels } from '../../kernels/backend.js';
import { record } from '../autograd.js';
import { Tensor, allocate } from '../tensor.js';
import { sliceFlat } from './basic.js';

// One recurrent layer, one direction, over a whole sequence, as a single op whose backward is
// backpropagation through time written by hand.
//
//   x: [T, B, I], h0: [B, P], c0: [B, H] (LSTM)  ->  output: [T, B, P], hN: [B, P], cN: [B, H]
//   wIh: [G*H, I], wHh: [G*H, P], bIh, bHh: [G*H], wHr: [P, H] (LSTM projection; else P = H)
//   G = 1 (RNN), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n)
//
// The input projection X·W_ihᵀ is one GEMM before the step loop; per step only h·W_hhᵀ and the
// fused cell kernel run. Backward keeps per step only the gate gradients and dh·W_hh; the weight
// and input gradients are one GEMM each over all steps.
//
// Steps run in "step order": step s of sequence b reads time t = s (forward) or len_b-1-s
// (reverse). Steps s >= len_b are inactive: the state is carried unchanged and the output is 0,
// which gives pack_padded_sequence semantics for any (unsorted) lengths.

export type CellMode = 'rnn' | 'lstm' | 'gru';

export interface RecurrentWeights {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
  bHh: Tensor | null;
  wHr: Tensor | null;
}

export interface RecurrentConfig {
  mode: CellMode;
  hiddenSize: number;
  /** RNN only. */
  activation: Activation;
  negativeSlope: number;
  reverse: boolean;
  /** Per-sequence lengths in 1..T, or null for all T. */
  lengths: Int32Array | null;
}

export interface RecurrentResult {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

export function gateCount(mode: CellMode): number {
  return mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
}

/** Row of the [T*B] time-major layout that step s of sequence b reads, or -1 when inactive. */
function stepRows(T: number, B: number, lengths: Int32Array | null, reverse: boolean): Int32Array | null {
  if (!lengths && !reverse) return null;
  const rows = new Int32Array(T * B);
  for (let s = 0; s < T; s++) {
    for (let b = 0; b < B; b++) {
      const len = lengths ? lengths[b] : T;
      rows[s * B + b] = s < len ? (reverse ? len - 1 - s : s) * B + b : -1;
    }
  }
  return rows;
}

export function recurrentLayer(x: Tensor, h0: Tensor | null, c0: Tensor | null,
  w: RecurrentWeights, cfg: RecurrentConfig): RecurrentResult {
  const k = kernels();
  const [T, B, I] = x.shape;
  const H = cfg.hiddenSize;
  const G = gateCount(cfg.mode);
  const GH = G * H;
  const P = w.wHr ? w.wHr.shape[0] : H;
  const isLstm = cfg.mode === 'lstm', isGru = cfg.mode === 'gru';
  const dtype = x.dtype;
  const N = T * B;
  const rows = stepRows(T, B, cfg.lengths, cfg.reverse);
  const active = (s: number, b: number) => !rows || rows[s * B + b] >= 0;

  // Input projection for all steps at once, with the biases that add linearly folded in.
  const xg = allocate(dtype, N * GH);
  k.gemm(false, true, N, GH, I, 1, x.data, w.wIh.data, 0, xg);
  if (w.bIh) k.addRowVector(N, GH, w.bIh.data, xg);
  if (w.bHh && !isGru) k.addRowVector(N, GH, w.bHh.data, xg);

  // Saved for backward, all in step order: states before/after each step, activated gates,
  // GRU's recurrent projection (needed for r * hn), LSTM projection inputs.
  const hAll = allocate(dtype, (T + 1) * B * P);
  if (h0) hAll.set(h0.data, 0);
  const cAll = isLstm ? allocate(dtype, (T + 1) * B * H) : null;
  if (cAll && c0) cAll.set(c0.data, 0);
  const gatesAll = cfg.mode === 'rnn' ? null : allocate(dtype, N * GH);
  const hgAll = isGru ? allocate(dtype, N * GH) : null;
  const hRawAll = w.wHr ? allocate(dtype, N * H) : null;

  const xStep = rows ? allocate(dtype, B * GH) : null;
  const hgScratch = isGru ? null : allocate(dtype, B * GH);
  // The RNN cell writes h directly; with a projection the cell's output goes to hRawAll first.
  const packed = allocate(dtype, N * P + B * P + (isLstm ? B * H : 0));
  const out = packed.subarray(0, N * P);

  for (let s = 0; s < T; s++) {
    const hPrev = hAll.subarray(s * B * P, (s + 1) * B * P);
    const hNext = hAll.subarray((s + 1) * B * P, (s + 2) * B * P);
    let xs: Buf;
    if (rows) {
      xs = xStep!;
      for (let b = 0; b < B; b++) {
        const r = rows[s * B + b];
        if (r >= 0) xs.set(xg.subarray(r * GH, (r + 1) * GH), b * GH);
        else xs.fill(0, b * GH, (b + 1) * GH);
      }
    } else {
      xs = xg.subarray(s * B * GH, (s + 1) * B * GH);
    }
    const hg = isGru ? hgAll!.subarray(s * B * GH, (s + 1) * B * GH) : hgScratch!;
    k.gemm(false, true, B, GH, P, 1, hPrev, w.wHh.data, 0, hg);
    if (isGru && w.bHh) k.addRowVector(B, GH, w.bHh.data, hg);

    const hCell = hRawAll ? hRawAll.subarray(s * B * H, (s + 1) * B * H) : hNext;
    if (cfg.mode === 'rnn') {
      k.rnnCellForward(B, H, cfg.activation, cfg.negativeSlope, xs, hg, hCell);
    } else if (isLstm) {
      k.lstmCellForward(B, H, xs, hg, cAll!.subarray(s * B * H, (s + 1) * B * H),
        gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), cAll!.subarray((s + 1) * B * H, (s + 2) * B * H), hCell);
    } else {
      k.gruCellForward(B, H, xs, hg, hPrev, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), hCell);
    }
    if (hRawAll) k.gemm(false, true, B, P, H, 1, hCell, w.wHr!.data, 0, hNext);

    for (let b = 0; b < B; b++) {
      if (active(s, b)) {
        const t = rows ? rows[s * B + b] : s * B + b;
        out.set(hNext.subarray(b * P, (b + 1) * P), t * P);
      } else {
        // Past the end of this sequence: carry the state, leave the output at 0.
        hNext.set(hPrev.subarray(b * P, (b + 1) * P), b * P);
        if (cAll) cAll.copyWithin((s + 1) * B * H + b * H, s * B * H + b * H, s * B * H + (b + 1) * H);
      }
    }
  }
  packed.set(hAll.subarray(T * B * P), N * P);
  if (cAll) packed.set(cAll.subarray(T * B * H), N * P + B * P);

  const packedT = new Tensor(packed, [packed.length]);
  const saved: Saved = { x, h0, c0, w, cfg, T, B, I, H, P, G, rows, xg, hAll, cAll, gatesAll, hgAll, hRawAll };
  record(packedT, `${cfg.mode}-layer`, [x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr],
    (g) => recurrentBackward(k, saved, g));

  return {
    output: sliceFlat(packedT, 0, [T, B, P]),
    hN: sliceFlat(packedT, N * P, [B, P]),
    cN: isLstm ? sliceFlat(packedT, N * P + B * P, [B, H]) : null,
  };
}

interface Saved {
  x: Tensor; h0: Tensor | null; c0: Tensor | null; w: RecurrentWeights; cfg: RecurrentConfig;
  T: number; B: number; I: number; H: number; P: number; G: number;
  rows: Int32Array | null;
  xg: Buf; hAll: Buf; cAll: Buf | null; gatesAll: Buf | null; hgAll: Buf | null; hRawAll: Buf | null;
}

// Backpropagation through time. g is the gradient of the packed [output, hN, cN] buffer.
function recurrentBackward(k: Kernels, sv: Saved, g: Buf): void {
  const { x, w, cfg, T, B, I, H, P, G, rows, hAll, cAll, gatesAll, hgAll, hRawAll } = sv;
  const GH = G * H, N = T * B;
  const isLstm = cfg.mode === 'lstm', isGru = cfg.mode === 'gru';
  const dtype = x.dtype;
  const dOut = g.subarray(0, N * P);

  const dh = allocate(dtype, B * P);
  dh.set(g.subarray(N * P, N * P + B * P));
  const dc = isLstm ? allocate(dtype, B * H) : null;
  if (dc) dc.set(g.subarray(N * P + B * P, N * P + B * P + B * H));

  // Gate gradients: x side in time-major rows (for dW_ih, dX), h side in step order (for dW_hh).
  const dXg = allocate(dtype, N * GH);
  const dHgAll = isGru ? allocate(dtype, N * GH) : null;
  const dPreAll = isGru ? null : allocate(dtype, N * GH);
  const dProjAll = hRawAll ? allocate(dtype, N * P) : null;
  const dhRaw = hRawAll ? allocate(dtype, B * H) : dh;
  const dXgStep = isGru ? allocate(dtype, B * GH) : null;
  const dhPrev = allocate(dtype, B * P);
  const dhDirect = isGru ? allocate(dtype, B * H) : null;
  const dcSaved = isLstm ? allocate(dtype, B * H) : null;

  for (let s = T - 1; s >= 0; s--) {
    for (let b = 0; b < B; b++) {
      const t = rows ? rows[s * B + b] : s * B + b;
      if (t >= 0) for (let j = 0; j < P; j++) dh[b * P + j] += dOut[t * P + j];
    }
    if (dProjAll) {
      dProjAll.set(dh, s * B * P);
      k.gemm(false, false, B, H, P, 1, dh, w.wHr!.data, 0, dhRaw);
    }
    const dHg = isGru ? dHgAll!.subarray(s * B * GH, (s + 1) * B * GH) : dPreAll!.subarray(s * B * GH, (s + 1) * B * GH);
    const hPrev = hAll.subarray(s * B * P, (s + 1) * B * P);
    if (cfg.mode === 'rnn') {
      const hCell = hRawAll ? hRawAll.subarray(s * B * H, (s + 1) * B * H) : hAll.subarray((s + 1) * B * P, (s + 2) * B * P);
      k.rnnCellBackward(B, H, cfg.activation, cfg.negativeSlope, hCell, dhRaw, dHg);
    } else if (isLstm) {
      dcSaved!.set(dc!);
      k.lstmCellBackward(B, H, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH),
        cAll!.subarray(s * B * H, (s + 1) * B * H), cAll!.subarray((s + 1) * B * H, (s + 2) * B * H), dhRaw, dc!, dHg);
    } else {
      k.gruCellBackward(B, H, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), hgAll!.subarray(s * B * GH, (s + 1) * B * GH),
        hPrev, dhRaw, dXgStep!, dHg, dhDirect!);
    }
    // Inactive rows: the step was the identity on the state, so gradients pass straight through.
    for (let b = 0; b < B; b++) {
      const t = rows ? rows[s * B + b] : s * B + b;
      if (t >= 0) continue;
      dHg.fill(0, b * GH, (b + 1) * GH);
      if (dXgStep) dXgStep.fill(0, b * GH, (b + 1) * GH);
      if (dhDirect) dhDirect.fill(0, b * H, (b + 1) * H);
      if (dProjAll) dProjAll.fill(0, s * B * P + b * P, s * B * P + (b + 1) * P);
      if (isLstm) dc!.set(dcSaved!.subarray(b * H, (b + 1) * H), b * H);
    }
    const dXs = isGru ? dXgStep! : dHg;
    for (let b = 0; b < B; b++) {
      const t = rows ? rows[s * B + b] : s * B + b;
      if (t >= 0) dXg.set(dXs.subarray(b * GH, (b + 1) * GH), t * GH);
    }
    k.gemm(false, false, B, P, GH, 1, dHg, w.wHh.data, 0, dhPrev);
    if (dhDirect) for (let i = 0; i < B * H; i++) dhPrev[i] += dhDirect[i];
    for (let b = 0; b < B; b++) {
      if (rows && rows[s * B + b] < 0) dhPrev.set(dh.subarray(b * P, (b + 1) * P), b * P);
    }
    dh.set(dhPrev);
  }

  if (sv.h0 && sv.h0.requiresGrad) addInto(sv.h0.gradBuffer(), dh);
  if (sv.c0 && sv.c0.requiresGrad && dc) addInto(sv.c0.gradBuffer(), dc);
  if (x.requiresGrad) k.gemm(false, false, N, I, GH, 1, dXg, w.wIh.data, 1, x.gradBuffer());
  if (w.wIh.requiresGrad) k.gemm(true, false, GH, I, N, 1, dXg, x.data, 1, w.wIh.gradBuffer());
  const dHgFlat = isGru ? dHgAll! : dPreAll!;
  if (w.wHh.requiresGrad) k.gemm(true, false, GH, P, N, 1, dHgFlat, hAll.subarray(0, N * P), 1, w.wHh.gradBuffer());
  if (w.bIh && w.bIh.requiresGrad) k.sumRowsInto(N, GH, dXg, w.bIh.gradBuffer());
  if (w.bHh && w.bHh.requiresGrad) k.sumRowsInto(N, GH, dHgFlat, w.bHh.gradBuffer());
  if (w.wHr && w.wHr.requiresGrad) k.gemm(true, false, P, H, N, 1, dProjAll!, hRawAll!, 1, w.wHr.gradBuffer());
}

function addInto(dst: Buf, src: Buf): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}
