import { gemmPacked, gemmWith, packB, packedAFloats, packedBFloats } from './gemm';
import { addRowVector, sumRowsInto } from './elementwise';
import {
  gruCellBackward, gruCellForward, lstmCellBackward, lstmCellForward, rnnCellBackward, rnnCellForward,
} from './cells';
import { carve, ensureWork, slot } from './work';

// A whole recurrent layer over a sequence, forward and backward, with the exact semantics of
// the reference driver src/kernels/sequence.ts (read it first: same steps, same buffers).
//   x: [T, B, I], wIh: [G*H, I], wHh: [G*H, P], bIh, bHh: [G*H], wHr: [P, H], rows: [T*B] i32
//   out: [T, B, P]; saved: hAll [T+1, B, P], cAll [T+1, B, H], gatesAll, hgAll [T, B, G*H],
//   hRawAll [T, B, H]. mode: 0 RNN (G=1), 1 LSTM (G=4), 2 GRU (G=3). A pointer 0 means "none".
// W_hh (and W_hr) are packed once per call, so each step's GEMM only packs the small h.

// @ts-ignore: decorator
@inline function gates(mode: i32): i32 {
  return mode == 0 ? 1 : mode == 1 ? 4 : 3;
}

// @ts-ignore: decorator
@inline function f(p: usize, floats: i32): usize {
  return p + (<usize>floats << 2);
}

// @ts-ignore: decorator
@inline function rowAt(rows: usize, i: i32): i32 {
  return load<i32>(rows + (<usize>i << 2));
}

export function sequenceForward(mode: i32, T: i32, B: i32, I: i32, H: i32, P: i32, act: i32, slope: f32,
  x: usize, h0: usize, c0: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize, wHr: usize, rows: usize,
  out: usize, hAll: usize, cAll: usize, gatesAll: usize, hgAll: usize, hRawAll: usize): void {
  const GH = gates(mode) * H, N = T * B;
  const isLstm = mode == 1, isGru = mode == 2;
  ensureWork(slot(N * GH) + slot(B * GH) * 2 + slot(packedBFloats(GH, P)) + slot(packedBFloats(P, H))
    + slot(packedAFloats()) + slot(packedBFloats(GH, I)));
  const xg = carve(N * GH), xStep = carve(B * GH), hgScratch = carve(B * GH);
  const pWhh = carve(packedBFloats(GH, P)), pWhr = carve(packedBFloats(P, H));
  const aBuf = carve(packedAFloats()), bBuf = carve(packedBFloats(GH, I));

  // Input projection for all steps at once, with the biases that add linearly folded in.
  gemmWith(false, true, N, GH, I, 1, x, wIh, 0, xg, aBuf, bBuf);
  if (bIh) addRowVector(N, GH, bIh, xg);
  if (bHh && !isGru) addRowVector(N, GH, bHh, xg);
  packB(true, GH, P, wHh, pWhh);
  if (wHr) packB(true, P, H, wHr, pWhr);

  const BP = B * P, BH = B * H, BGH = B * GH;
  if (h0) memory.copy(hAll, h0, <usize>BP << 2); else memory.fill(hAll, 0, <usize>BP << 2);
  if (isLstm) { if (c0) memory.copy(cAll, c0, <usize>BH << 2); else memory.fill(cAll, 0, <usize>BH << 2); }
  memory.fill(out, 0, <usize>(N * P) << 2);

  for (let s = 0; s < T; s++) {
    const hPrev = f(hAll, s * BP), hNext = f(hAll, (s + 1) * BP);
    let xs = f(xg, s * BGH);
    if (rows) {
      xs = xStep;
      for (let b = 0; b < B; b++) {
        const r = rowAt(rows, s * B + b);
        if (r >= 0) memory.copy(f(xStep, b * GH), f(xg, r * GH), <usize>GH << 2);
        else memory.fill(f(xStep, b * GH), 0, <usize>GH << 2);
      }
    }
    const hg = isGru ? f(hgAll, s * BGH) : hgScratch;
    gemmPacked(false, B, GH, P, 1, hPrev, pWhh, 0, hg, aBuf);
    if (isGru && bHh) addRowVector(B, GH, bHh, hg);

    const hCell = hRawAll ? f(hRawAll, s * BH) : hNext;
    if (mode == 0) rnnCellForward(B, H, act, slope, xs, hg, hCell);
    else if (isLstm) lstmCellForward(B, H, xs, hg, f(cAll, s * BH), f(gatesAll, s * BGH), f(cAll, (s + 1) * BH), hCell);
    else gruCellForward(B, H, xs, hg, hPrev, f(gatesAll, s * BGH), hCell);
    if (hRawAll) gemmPacked(false, B, P, H, 1, hCell, pWhr, 0, hNext, aBuf);

    for (let b = 0; b < B; b++) {
      const t = rows ? rowAt(rows, s * B + b) : s * B + b;
      if (t >= 0) {
        memory.copy(f(out, t * P), f(hNext, b * P), <usize>P << 2);
      } else {
        // Past the end of this sequence: carry the state; the output stays 0.
        memory.copy(f(hNext, b * P), f(hPrev, b * P), <usize>P << 2);
        if (isLstm) memory.copy(f(cAll, (s + 1) * BH + b * H), f(cAll, s * BH + b * H), <usize>H << 2);
      }
    }
  }
}

/**
 * BPTT for sequenceForward. dh: [B, P] holds dhN and is left holding dL/dh0; dc: [B, H] (LSTM)
 * likewise dcN -> dL/dc0. dx, dWIh, dWHh, dBIh, dBHh, dWHr are overwritten (not accumulated:
 * the caller adds them into its gradients); 0 skips one.
 */
export function sequenceBackward(mode: i32, T: i32, B: i32, I: i32, H: i32, P: i32, act: i32, slope: f32,
  x: usize, wIh: usize, wHh: usize, wHr: usize, rows: usize,
  hAll: usize, cAll: usize, gatesAll: usize, hgAll: usize, hRawAll: usize,
  dOut: usize, dh: usize, dc: usize,
  dx: usize, dWIh: usize, dWHh: usize, dBIh: usize, dBHh: usize, dWHr: usize): void {
  const GH = gates(mode) * H, N = T * B;
  const isLstm = mode == 1, isGru = mode == 2;
  const BP = B * P, BH = B * H, BGH = B * GH;
  const finalB = max(max(packedBFloats(I, GH), packedBFloats(I, N)), max(packedBFloats(P, N), packedBFloats(H, N)));
  ensureWork(slot(N * GH) * 2 + slot(N * P) + slot(BH) * 3 + slot(BGH) + slot(BP)
    + slot(packedBFloats(P, GH)) + slot(packedBFloats(H, P)) + slot(packedAFloats()) + slot(finalB));
  // Gate gradients: x side in time-major rows (for dW_ih, dX), h side in step order (for dW_hh).
  const dXg = carve(N * GH), dHgAll = carve(N * GH), dProjAll = carve(N * P);
  const dhRaw = hRawAll ? carve(BH) : dh;
  const dhDirect = carve(BH), dcSaved = carve(BH), dXgStep = carve(BGH), dhPrev = carve(BP);
  const pWhh = carve(packedBFloats(P, GH)), pWhr = carve(packedBFloats(H, P));
  const aBuf = carve(packedAFloats()), bBuf = carve(finalB);
  packB(false, P, GH, wHh, pWhh);
  if (wHr) packB(false, H, P, wHr, pWhr);
  // Time rows past a sequence's end are never written below; their gradient is 0.
  if (rows) memory.fill(dXg, 0, <usize>(N * GH) << 2);

  for (let s = T - 1; s >= 0; s--) {
    for (let b = 0; b < B; b++) {
      const t = rows ? rowAt(rows, s * B + b) : s * B + b;
      if (t >= 0) addRowVector(1, P, f(dOut, t * P), f(dh, b * P));
    }
    if (hRawAll) {
      memory.copy(f(dProjAll, s * BP), dh, <usize>BP << 2);
      gemmPacked(false, B, H, P, 1, dh, pWhr, 0, dhRaw, aBuf);
    }
    const dHg = f(dHgAll, s * BGH);
    const hPrev = f(hAll, s * BP);
    if (mode == 0) {
      const hCell = hRawAll ? f(hRawAll, s * BH) : f(hAll, (s + 1) * BP);
      rnnCellBackward(B, H, act, slope, hCell, dhRaw, dHg);
    } else if (isLstm) {
      memory.copy(dcSaved, dc, <usize>BH << 2);
      lstmCellBackward(B, H, f(gatesAll, s * BGH), f(cAll, s * BH), f(cAll, (s + 1) * BH), dhRaw, dc, dHg);
    } else {
      gruCellBackward(B, H, f(gatesAll, s * BGH), f(hgAll, s * BGH), hPrev, dhRaw, dXgStep, dHg, dhDirect);
    }
    // Ended sequences: the step was the identity on the state, so gradients pass straight through.
    if (rows) {
      for (let b = 0; b < B; b++) {
        if (rowAt(rows, s * B + b) >= 0) continue;
        memory.fill(f(dHg, b * GH), 0, <usize>GH << 2);
        if (isGru) {
          memory.fill(f(dXgStep, b * GH), 0, <usize>GH << 2);
          memory.fill(f(dhDirect, b * H), 0, <usize>H << 2);
        }
        if (hRawAll) memory.fill(f(dProjAll, s * BP + b * P), 0, <usize>P << 2);
        if (isLstm) memory.copy(f(dc, b * H), f(dcSaved, b * H), <usize>H << 2);
      }
    }
    const dXs = isGru ? dXgStep : dHg;
    for (let b = 0; b < B; b++) {
      const t = rows ? rowAt(rows, s * B + b) : s * B + b;
      if (t >= 0) memory.copy(f(dXg, t * GH), f(dXs, b * GH), <usize>GH << 2);
    }
    gemmPacked(false, B, P, GH, 1, dHg, pWhh, 0, dhPrev, aBuf);
    if (isGru) addRowVector(1, BH, dhDirect, dhPrev);
    if (rows) {
      for (let b = 0; b < B; b++) {
        if (rowAt(rows, s * B + b) < 0) memory.copy(f(dhPrev, b * P), f(dh, b * P), <usize>P << 2);
      }
    }
    memory.copy(dh, dhPrev, <usize>BP << 2);
  }

  if (dx) gemmWith(false, false, N, I, GH, 1, dXg, wIh, 0, dx, aBuf, bBuf);
  if (dWIh) gemmWith(true, false, GH, I, N, 1, dXg, x, 0, dWIh, aBuf, bBuf);
  if (dWHh) gemmWith(true, false, GH, P, N, 1, dHgAll, hAll, 0, dWHh, aBuf, bBuf);
  if (dBIh) { memory.fill(dBIh, 0, <usize>GH << 2); sumRowsInto(N, GH, dXg, dBIh); }
  if (dBHh) { memory.fill(dBHh, 0, <usize>GH << 2); sumRowsInto(N, GH, dHgAll, dBHh); }
  if (dWHr) gemmWith(true, false, P, H, N, 1, dProjAll, hRawAll, 0, dWHr, aBuf, bBuf);
}
