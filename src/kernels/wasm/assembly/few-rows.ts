import { gemmWithTeam, packedAFloats, packedBFloats } from './gemm';
import { rowsTimesWeightsT } from './gemv';
import { addRowVector } from './elementwise';
import { gruCellForwardUnits, lstmCellForwardUnits, rnnCellForwardUnits } from './cells';
import { carve, carveOwn, ensureWork, slot } from './work';
import { barrier, partStart } from './team';
import { f, gates, rowAt } from './offsets';

// sequenceForward (./sequence.ts, same arguments and results) for passes over a few rows
// (takesFewRows): text generation (T = 1, B = 1) and priming (T > 1, B = 1). With so few rows the products
// are matrix-vector: packing W_hh would read and write all of it once more than the product
// reads it, and the packed micro-kernel's 4-row tiles would be mostly empty. So every product
// multiplies by the row-major weights as they are (./gemv.ts), and only an input projection
// of more than FEW_ROWS rows in all still goes through the packed GEMM.
// Threads split each step by hidden units: thread tid computes all G gates of units [j0, j1)
// (input and recurrent products, biases, cell), so its cell update needs nothing from the
// others, and one barrier between steps (before the next step reads the whole h) is all the
// synchronisation (none at all for a single step); with an LSTM projection a second one per
// step separates the cell from h = W_hr·r.
// Every value is computed by the same code in the same order whatever the thread count.

/** Products of at most this many rows multiply by the unpacked weights. */
// @ts-ignore: decorator
@inline export const FEW_ROWS = 4;

/**
 * Whether a pass takes this path: batch 1 (each step's product then reads every weight once
 * either way, and packing costs an extra read and write of W_hh), or so few rows in all that
 * packing W_hh would cost more than reading it once per row. A batch of 2-4 over many steps
 * stays on the packed path, whose 4-row tiles read each weight once per step for all rows.
 */
// @ts-ignore: decorator
@inline export function takesFewRows(T: i32, B: i32): bool {
  return B == 1 || T * B <= FEW_ROWS;
}

// y[r, g*H + j] += bias[g*H + j] for every row r < rows, gate g < G and unit j in [j0, j1).
function addGateBias(rows: i32, G: i32, H: i32, j0: i32, j1: i32, bias: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < G; g++) addRowVector(1, j1 - j0, f(bias, g * H + j0), f(y, (r * G + g) * H + j0));
  }
}

// y[r, :] = A[r, :]·W[n, :] for the rows n of every gate's units [j0, j1): C = A·Wᵀ, W [G*H, K].
// @ts-ignore: decorator
@inline function gateProducts(rows: i32, K: i32, A: usize, W: usize, G: i32, H: i32, j0: i32, j1: i32, y: usize): void {
  for (let g = 0; g < G; g++) rowsTimesWeightsT(rows, K, 1, A, K, W, g * H + j0, g * H + j1, 0, y, G * H);
}

export function sequenceForwardFewRows(mode: i32, T: i32, B: i32, I: i32, H: i32, P: i32, act: i32, slope: f32,
  x: usize, h0: usize, c0: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize, wHr: usize, rows: usize,
  out: usize, hAll: usize, cAll: usize, gatesAll: usize, hgAll: usize, hRawAll: usize, tid: i32, nt: i32): void {
  const G = gates(mode), GH = G * H, N = T * B;
  const isLstm = mode == 1, isGru = mode == 2;
  const packed = N > FEW_ROWS;
  const BP = B * P, BH = B * H, BGH = B * GH;
  ensureWork(slot(N * GH) + slot(BGH) * 2 + (h0 ? 0 : slot(BP) * nt)
    + (packed ? slot(packedBFloats(GH, I)) + slot(packedAFloats()) * nt : 0), tid, nt);
  const xg = carve(N * GH), xStep = carve(BGH), hgScratch = carve(BGH);
  // The first step reads the whole initial state: h0 itself, or zeros of this thread's own, so
  // that no thread waits for another to fill hAll[0].
  const zeros: usize = h0 ? 0 : carveOwn(BP, tid, nt);
  if (zeros) memory.fill(zeros, 0, <usize>BP << 2);
  // Thread tid owns hidden units [j0, j1) and the columns [p0, p1) of h (the same units
  // without a projection).
  const j0 = partStart(H, 4, tid, nt), j1 = partStart(H, 4, tid + 1, nt), nj = j1 - j0;
  const p0 = wHr ? partStart(P, 4, tid, nt) : j0, p1 = wHr ? partStart(P, 4, tid + 1, nt) : j1, np = p1 - p0;

  // Input projection for all steps at once, with the biases that add linearly folded in.
  if (packed) {
    const bBuf = carve(packedBFloats(GH, I)), aBuf = carveOwn(packedAFloats(), tid, nt);
    gemmWithTeam(false, true, N, GH, I, 1, x, wIh, 0, xg, aBuf, bBuf, tid, nt);
    barrier(nt);
  } else {
    gateProducts(N, I, x, wIh, G, H, j0, j1, xg);
  }
  if (bIh) addGateBias(N, G, H, j0, j1, bIh, xg);
  if (bHh && !isGru) addGateBias(N, G, H, j0, j1, bHh, xg);

  for (let b = 0; b < B; b++) {
    if (h0) memory.copy(f(hAll, b * P + p0), f(h0, b * P + p0), <usize>np << 2);
    else memory.fill(f(hAll, b * P + p0), 0, <usize>np << 2);
    if (isLstm) {
      if (c0) memory.copy(f(cAll, b * H + j0), f(c0, b * H + j0), <usize>nj << 2);
      else memory.fill(f(cAll, b * H + j0), 0, <usize>nj << 2);
    }
  }
  // Rows past a sequence's end are never written below: their output is 0.
  if (rows) for (let r = 0; r < N; r++) memory.fill(f(out, r * P + p0), 0, <usize>np << 2);

  for (let s = 0; s < T; s++) {
    const hPrev = s > 0 ? f(hAll, s * BP) : h0 ? h0 : zeros, hNext = f(hAll, (s + 1) * BP);
    let xs = f(xg, s * BGH);
    if (rows) {
      xs = xStep;
      for (let b = 0; b < B; b++) {
        const r = rowAt(rows, s * B + b);
        for (let g = 0; g < G; g++) {
          const to = f(xStep, b * GH + g * H + j0);
          if (r >= 0) memory.copy(to, f(xg, r * GH + g * H + j0), <usize>nj << 2);
          else memory.fill(to, 0, <usize>nj << 2);
        }
      }
    }
    const hg = isGru && hgAll ? f(hgAll, s * BGH) : hgScratch;
    const gatesStep = gatesAll ? f(gatesAll, s * BGH) : hg; // in place: see ./sequence.ts
    gateProducts(B, P, hPrev, wHh, G, H, j0, j1, hg);
    if (isGru && bHh) addGateBias(B, G, H, j0, j1, bHh, hg);

    const hCell = hRawAll ? f(hRawAll, s * BH) : hNext;
    if (mode == 0) rnnCellForwardUnits(B, H, j0, j1, act, slope, xs, hg, hCell);
    else if (isLstm) {
      lstmCellForwardUnits(B, H, j0, j1, xs, hg, f(cAll, s * BH), gatesStep, f(cAll, (s + 1) * BH), hCell);
    } else gruCellForwardUnits(B, H, j0, j1, xs, hg, hPrev, gatesStep, hCell);
    if (hRawAll) {
      // h = W_hr·r needs every unit of r.
      barrier(nt);
      rowsTimesWeightsT(B, H, 1, hCell, H, wHr, p0, p1, 0, hNext, P);
    }

    for (let b = 0; b < B; b++) {
      const t = rows ? rowAt(rows, s * B + b) : s * B + b;
      if (t >= 0) {
        memory.copy(f(out, t * P + p0), f(hNext, b * P + p0), <usize>np << 2);
      } else {
        // Past the end of this sequence: carry the state; the output stays 0.
        memory.copy(f(hNext, b * P + p0), f(hPrev, b * P + p0), <usize>np << 2);
        if (isLstm) memory.copy(f(cAll, (s + 1) * BH + b * H + j0), f(cAll, s * BH + b * H + j0), <usize>nj << 2);
      }
    }
    // The next step reads all of h. After the last one the host waits for every thread anyway.
    if (s + 1 < T) barrier(nt);
  }
}
