import {
  gemmPairPart, gemmPart, gemmWithTeam, packBPairPart, packBPart, packedAFloats, packedBFloats, pairFits, KC, MR, NR,
} from './gemm';
import { addRowVector, sumColumns } from './elementwise';
import {
  gruCellBackward, gruCellForwardBiased, lstmCellBackward, lstmCellForward, lstmCellForwardSummed, rnnCellBackward,
  rnnCellForward,
} from './cells';
import { carve, carveOwn, ensureWork, slot } from './work';
import { barrier, partStart } from './team';
import { f, gates, rowAt } from './offsets';
import { sequenceForwardFewRows, takesFewRows } from './few-rows';

// A whole recurrent layer over a sequence, forward and backward, with the exact semantics of
// the reference driver src/kernels/sequence.ts (read it first: same steps, same buffers).
//   x: [T, B, I], wIh: [G*H, I], wHh: [G*H, P], bIh, bHh: [G*H], wHr: [P, H], rows: [T*B] i32
//   out: [T, B, P]; saved: hAll [T+1, B, P], cAll [T+1, B, H], gatesAll, hgAll [T, B, G*H],
//   hRawAll [T, B, H]. mode: 0 RNN (G=1), 1 LSTM (G=4), 2 GRU (G=3). A pointer 0 means "none";
//   hAll 0 (inference in step order, never with a rows map or few rows: see statesInOut) keeps
//   each step's h in its rows of out, where the next step reads it, and cAll is then a ring of
//   two [B, H] states, c_s in slot s & 1;
//   gatesAll and hgAll may be 0 in a forward pass that backward will not follow, dOut 0 in a
//   backward pass with no output gradient. GRU's hgAll holds (h W_hh^T + b_hh) in its n blocks
//   only (what backward reads); the r and z blocks are not written.
// W_hh (and W_hr) are packed once per call, so each step's GEMM only packs the small h.
// Passes over a few rows (generation, priming: see takesFewRows) go to ./few-rows.ts instead,
// which multiplies by the weights unpacked and splits each step over threads by hidden units.
// Threads (./team.ts): batch rows never interact inside a layer, so each thread owns the rows
// [b0, b1) (whole micro-tiles of MR rows) and runs the whole step loop for them alone: its rows'
// products against the shared packed W_hh (and W_hr), cell updates and bookkeeping, with no
// barrier inside the loop. Barriers stay only where a thread reads what others wrote: the packed
// weights and xg before the loop, the gate gradients before the all-steps GEMMs after it.
// Every value is computed by the same code in the same order whatever the thread count: a
// GEMM element's arithmetic does not depend on which rows share its micro-tile (./gemm.ts).

// Packed W_ih and W_hh up to this size stay in a core's L2 cache (1 MB here) through the step
// loop, as in the native kernels (native/src/sequence.h).
// @ts-ignore: decorator
@inline const PER_STEP_WEIGHT_BYTES: i32 = 1536 * 1024;
// Backward's step loop keeps packed W_hh and (for dX made per step) W_ih in L2 only up to its
// size: past it (W1's LSTM: 1.3 MB) the dX products pushed W_hh out at every step and the whole
// training step ran ~5% slower than with dX as one GEMM after the loop.
// @ts-ignore: decorator
@inline const PER_STEP_BACKWARD_WEIGHT_BYTES: i32 = 1024 * 1024;

/**
 * Whether the forward input projection x W_ih^T is made in the step loop on each slice's rows
 * (while they are in cache; no [T*B, G*H] buffer written and read back through memory) rather
 * than as one GEMM over all steps: in step order (each step's rows of x are one block), when the
 * packed weights fit in cache together. Each element's arithmetic is the same either way.
 */
function inputProjectionPerStep(rows: usize, GH: i32, I: i32, P: i32): bool {
  return rows == 0 && 4 * (packedBFloats(GH, I) + packedBFloats(GH, P)) <= PER_STEP_WEIGHT_BYTES;
}

/**
 * Whether a forward pass that keeps nothing for backward may pass hAll = 0 (see above): in
 * step order (no rows map) and not on the few-rows path, which keeps its own buffers.
 */
export function statesInOut(T: i32, B: i32, hasRows: bool): bool {
  return !hasRows && T > 0 && !takesFewRows(T, B);
}

export function sequenceForward(mode: i32, T: i32, B: i32, I: i32, H: i32, P: i32, act: i32, slope: f32,
  x: usize, h0: usize, c0: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize, wHr: usize, rows: usize,
  out: usize, hAll: usize, cAll: usize, gatesAll: usize, hgAll: usize, hRawAll: usize, tid: i32, nt: i32): void {
  if (takesFewRows(T, B)) {
    sequenceForwardFewRows(mode, T, B, I, H, P, act, slope, x, h0, c0, wIh, wHh, bIh, bHh, wHr, rows,
      out, hAll, cAll, gatesAll, hgAll, hRawAll, tid, nt);
    return;
  }
  const GH = gates(mode) * H, N = T * B;
  const isLstm = mode == 1, isGru = mode == 2;
  const perStep = inputProjectionPerStep(rows, GH, I, P);
  // LSTM steps with the input projection per step make each gate pre-activation in one product
  // over [x_t, h_{t-1}] with both biases added as it is written (./gemm.ts, gemmPairPart).
  const pairStep = isLstm && perStep && pairFits(I, P);
  // Inference in step order: out holds every h and the next step reads it there (no [T+1, B, P]
  // buffer written beside out and copied into it: W6 moves 13 MB less per forward).
  const inOut = hAll == 0;
  ensureWork(slot(perStep ? 0 : N * GH) + slot(B * GH) * 2 + slot(packedBFloats(GH, P)) + slot(packedBFloats(P, H))
    + slot(packedAFloats()) * nt + slot(packedBFloats(GH, I)) + slot(GH) + (inOut ? slot(B * P) : 0), tid, nt);
  const xg = carve(perStep ? 0 : N * GH), xStep = carve(B * GH), hgScratch = carve(B * GH);
  // With pairStep, W_ih and W_hh are packed together into bBuf (fits in the two slots).
  const pWhh = carve(pairStep ? 0 : packedBFloats(GH, P)), pWhr = carve(packedBFloats(P, H));
  const bBuf = carve(packedBFloats(GH, pairStep ? I + P : I)), aBuf = carveOwn(packedAFloats(), tid, nt);
  const biasSum = pairStep && (bIh || bHh) ? carve(GH) : 0;
  const hStart = inOut ? carve(B * P) : hAll;
  const r0 = partStart(N, 1, tid, nt), nr = partStart(N, 1, tid + 1, nt) - r0;
  // The biases that add linearly go with the input projection, bIh then bHh. The GRU cell adds
  // both itself (its bHh sits inside the reset product), saving a pass over the rows for each.
  const bFirst: usize = isGru ? 0 : bIh, bAfter: usize = isGru ? 0 : bHh;

  if (pairStep) {
    packBPairPart(GH, I, wIh, P, wHh, bBuf, partStart(GH, NR, tid, nt), partStart(GH, NR, tid + 1, nt));
    if (biasSum) combineBiases(GH, bIh, bHh, biasSum, tid, nt);
  } else if (perStep) {
    packBPart(true, GH, I, wIh, bBuf, partStart(GH, NR, tid, nt), partStart(GH, NR, tid + 1, nt));
  } else {
    // Input projection for all steps at once, then both biases row by row while the row is in cache.
    gemmWithTeam(false, true, N, GH, I, 1, x, wIh, 0, xg, aBuf, bBuf, tid, nt);
    barrier(nt);
    for (let r = r0; r < r0 + nr; r++) {
      if (bFirst) addRowVector(1, GH, bFirst, f(xg, r * GH));
      if (bAfter) addRowVector(1, GH, bAfter, f(xg, r * GH));
    }
  }
  if (!pairStep) packBPart(true, GH, P, wHh, pWhh, partStart(GH, NR, tid, nt), partStart(GH, NR, tid + 1, nt));
  if (wHr) packBPart(true, P, H, wHr, pWhr, partStart(P, NR, tid, nt), partStart(P, NR, tid + 1, nt));
  // Output rows past a sequence's end stay 0; without a rows map the loop writes every row.
  if (rows) memory.fill(f(out, r0 * P), 0, <usize>(nr * P) << 2);
  // Any thread's rows read all of xg and of the packed weights, and may write any row of out.
  barrier(nt);

  const b0 = partStart(B, MR, tid, nt), b1 = partStart(B, MR, tid + 1, nt), nb = b1 - b0;
  if (nb <= 0) return;
  const BP = B * P, BH = B * H, BGH = B * GH;
  if (h0) memory.copy(f(hStart, b0 * P), f(h0, b0 * P), <usize>(nb * P) << 2);
  else memory.fill(f(hStart, b0 * P), 0, <usize>(nb * P) << 2);
  if (isLstm) {
    if (c0) memory.copy(f(cAll, b0 * H), f(c0, b0 * H), <usize>(nb * H) << 2);
    else memory.fill(f(cAll, b0 * H), 0, <usize>(nb * H) << 2);
  }

  for (let s = 0; s < T; s++) {
    const hPrev = !inOut ? f(hAll, s * BP) : s == 0 ? hStart : f(out, (s - 1) * BP);
    const hNext = inOut ? f(out, s * BP) : f(hAll, (s + 1) * BP);
    const cPrev = f(cAll, (inOut ? s & 1 : s) * BH), cNext = f(cAll, (inOut ? (s + 1) & 1 : s + 1) * BH);
    // This slice's rows of xg: projected now, or read in place when they are consecutive time
    // rows of the all-steps projection, else gathered.
    const xFirst = perStep ? -1 : rows ? consecutiveRows(rows, s, B, b0, b1) : s * B + b0;
    const xRows = xFirst >= 0 ? f(xg, xFirst * GH) : f(xStep, b0 * GH);
    if (pairStep) {
      // Pre-activations in hg, written once; the cell then reads one buffer instead of two.
      gemmPairPart(GH, I, f(x, s * B * I), P, hPrev, bBuf, biasSum, hgScratch, aBuf, b0, b1);
    } else if (perStep) {
      gemmPart(false, B, GH, I, 1, f(x, s * B * I), bBuf, 0, xStep, aBuf, b0, b1, 0, GH);
      for (let b = b0; b < b1; b++) {
        if (bFirst) addRowVector(1, GH, bFirst, f(xStep, b * GH));
        if (bAfter) addRowVector(1, GH, bAfter, f(xStep, b * GH));
      }
    } else if (xFirst < 0) {
      for (let b = b0; b < b1; b++) {
        const r = rowAt(rows, s * B + b);
        if (r >= 0) memory.copy(f(xStep, b * GH), f(xg, r * GH), <usize>GH << 2);
        else memory.fill(f(xStep, b * GH), 0, <usize>GH << 2);
      }
    }
    // The products stay in this cache-resident scratch; GRU keeps the part backward needs in
    // hgAll (see gruCellForwardBiased).
    const hg = hgScratch;
    // Without gatesAll (inference) the gates overwrite hg in place: each lane's gate values
    // are read before they are stored, and a pass of stores 26 MB less (W6) runs faster.
    const gatesStep = gatesAll ? f(gatesAll, s * BGH) : hg;
    if (!pairStep) gemmPart(false, B, GH, P, 1, hPrev, pWhh, 0, hg, aBuf, b0, b1, 0, GH);

    const hCell = hRawAll ? f(hRawAll, s * BH) : hNext;
    const g = b0 * GH;
    if (mode == 0) rnnCellForward(nb, H, act, slope, xRows, f(hg, g), f(hCell, b0 * H));
    else if (pairStep) {
      lstmCellForwardSummed(nb, H, f(hg, g), f(cPrev, b0 * H), f(gatesStep, g), f(cNext, b0 * H), f(hCell, b0 * H));
    } else if (isLstm) {
      lstmCellForward(nb, H, xRows, f(hg, g), f(cPrev, b0 * H), f(gatesStep, g), f(cNext, b0 * H), f(hCell, b0 * H));
    } else {
      gruCellForwardBiased(nb, H, xRows, bIh, f(hg, g), bHh, f(hPrev, b0 * P), f(gatesStep, g),
        hgAll ? f(hgAll, s * BGH + g) : 0, f(hCell, b0 * H));
    }
    if (hRawAll) gemmPart(false, B, P, H, 1, hCell, pWhr, 0, hNext, aBuf, b0, b1, 0, P);

    for (let b = b0; b < b1 && !inOut; b++) {
      const t = rows ? rowAt(rows, s * B + b) : s * B + b;
      if (t >= 0) {
        memory.copy(f(out, t * P), f(hNext, b * P), <usize>P << 2);
      } else {
        // Past the end of this sequence: carry the state; the output stays 0.
        memory.copy(f(hNext, b * P), f(hPrev, b * P), <usize>P << 2);
        if (isLstm) memory.copy(f(cNext, b * H), f(cPrev, b * H), <usize>H << 2);
      }
    }
  }
}

// biasSum[j] = bIh[j] + bHh[j] (a 0 pointer counting as zeros) for this thread's part of [0, GH).
function combineBiases(GH: i32, bIh: usize, bHh: usize, biasSum: usize, tid: i32, nt: i32): void {
  const j0 = partStart(GH, 1, tid, nt), j1 = partStart(GH, 1, tid + 1, nt);
  for (let j = j0; j < j1; j++) {
    const o = <usize>j << 2;
    store<f32>(biasSum + o, (bIh ? load<f32>(bIh + o) : 0) + (bHh ? load<f32>(bHh + o) : 0));
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
  dx: usize, dWIh: usize, dWHh: usize, dBIh: usize, dBHh: usize, dWHr: usize, tid: i32, nt: i32): void {
  const GH = gates(mode) * H, N = T * B;
  const isLstm = mode == 1, isGru = mode == 2;
  const BP = B * P, BH = B * H, BGH = B * GH;
  // RNN and LSTM gates have one gradient for both sides; in step order (no rows map) the input
  // side's time-major rows are the steps' own rows, so dXg is dHgAll itself.
  const dXgIsDHg = !isGru && !rows;
  const finalB = max(max(packedBFloats(I, GH), packedBFloats(I, N)), max(packedBFloats(P, N), packedBFloats(H, N)));
  // Bias gradients are summed per batch row in the step loop, while the gate gradients are in
  // cache, then over the rows in order (the same sums whatever the thread split, as in
  // native/src/sequence.h): [B][BW] with the x-side gate gradients' GH columns, then GRU's n
  // part of the h side (its r and z parts equal the x side's; RNN and LSTM: all of them).
  const wantBiasGrads = dBIh != 0 || dBHh != 0, BW = GH + (isGru ? H : 0);
  // dX is made step by step from the x-side gate gradients the step has just written (still in
  // cache) when the packed W_ih fits in cache beside W_hh, instead of by one GEMM reading them
  // all back from memory (W5: 9.8 MB a direction). Each element's arithmetic is the same either
  // way (./gemm.ts).
  const dxPerStep = dx != 0 && 4 * (packedBFloats(I, GH) + packedBFloats(P, GH)) <= PER_STEP_BACKWARD_WEIGHT_BYTES;
  // dW_ih and dW_hh made a chunk of steps at a time (about one K block of rows), right after the
  // step loop wrote the chunk's gate gradients, while they are in cache, instead of by products
  // over all steps reading them back from memory (W5: 9.8 MB each; such products ran at ~42
  // GFLOP/s with K = 6400 rows against ~48 with K = 640). Needs each chunk's time rows to be one
  // block: step order, or every sequence reversed over all T steps. Each thread makes whole
  // columns of the products, so the only meeting point is the end of each chunk's steps.
  const wantWeightGrads = dWIh != 0 || dWHh != 0;
  const reversed = wantWeightGrads && rows != 0 && reversedBlocks(rows, T, B);
  const chunked = wantWeightGrads && (rows == 0 || reversed);
  const chunkSteps = chunked ? max(1, KC / max(1, B)) : max(1, T);
  const chunkRows = min(T, chunkSteps) * B;
  ensureWork(slot(N * GH) * (dXgIsDHg ? 1 : 2) + slot(N * P) + slot(BH) * 3 + slot(BGH) + slot(BP)
    + slot(packedBFloats(P, GH)) + slot(packedBFloats(H, P)) + slot(packedAFloats()) * nt + slot(finalB)
    + (wantBiasGrads ? slot(B * BW) + slot(BW) : 0) + (dxPerStep ? slot(packedBFloats(I, GH)) + slot(B * I) : 0)
    + (chunked ? slot(packedBFloats(P, chunkRows)) + slot(packedBFloats(I, chunkRows)) : 0), tid, nt);
  // Gate gradients: x side in time-major rows (for dW_ih, dX), h side in step order (for dW_hh).
  const dHgAll = carve(N * GH), dXg = dXgIsDHg ? dHgAll : carve(N * GH), dProjAll = carve(N * P);
  const dhRaw = hRawAll ? carve(BH) : dh;
  const dhDirect = carve(BH), dcSaved = carve(BH), dXgStep = carve(BGH), dhPrev = carve(BP);
  const pWhh = carve(packedBFloats(P, GH)), pWhr = carve(packedBFloats(H, P));
  const bBuf = carve(finalB), aBuf = carveOwn(packedAFloats(), tid, nt);
  const biasRows = wantBiasGrads ? carve(B * BW) : 0, biasSums = wantBiasGrads ? carve(BW) : 0;
  const pWih = dxPerStep ? carve(packedBFloats(I, GH)) : 0, dxStep = dxPerStep ? carve(B * I) : 0;
  const chunkH = chunked ? carve(packedBFloats(P, chunkRows)) : 0, chunkX = chunked ? carve(packedBFloats(I, chunkRows)) : 0;
  packBPart(false, P, GH, wHh, pWhh, partStart(P, NR, tid, nt), partStart(P, NR, tid + 1, nt));
  if (dxPerStep) packBPart(false, I, GH, wIh, pWih, partStart(I, NR, tid, nt), partStart(I, NR, tid + 1, nt));
  if (wHr) packBPart(false, H, P, wHr, pWhr, partStart(H, NR, tid, nt), partStart(H, NR, tid + 1, nt));
  // Time rows past a sequence's end are never written below; their gradient is 0.
  if (rows) {
    const r0 = partStart(N, 1, tid, nt), r1 = partStart(N, 1, tid + 1, nt);
    memory.fill(f(dXg, r0 * GH), 0, <usize>((r1 - r0) * GH) << 2);
    if (dxPerStep) memory.fill(f(dx, r0 * I), 0, <usize>((r1 - r0) * I) << 2);
  }
  // Any thread's rows read all of the packed weights, and may write any row of dXg.
  barrier(nt);

  const b0 = partStart(B, MR, tid, nt), b1 = partStart(B, MR, tid + 1, nt), nb = b1 - b0;
  if (wantBiasGrads && nb > 0) memory.fill(f(biasRows, b0 * BW), 0, <usize>(nb * BW) << 2);
  for (let sHi = T; sHi > 0; sHi -= chunkSteps) {
    const sLo = max(0, sHi - chunkSteps);
    for (let s = sHi - 1; s >= sLo && nb > 0; s--) {
      for (let b = b0; b < b1 && dOut; b++) {
        const t = rows ? rowAt(rows, s * B + b) : s * B + b;
        if (t >= 0) addRowVector(1, P, f(dOut, t * P), f(dh, b * P));
      }
      if (hRawAll) {
        memory.copy(f(dProjAll, s * BP + b0 * P), f(dh, b0 * P), <usize>(nb * P) << 2);
        gemmPart(false, B, H, P, 1, dh, pWhr, 0, dhRaw, aBuf, b0, b1, 0, H);
      }
      const dHg = f(dHgAll, s * BGH);
      const hPrev = f(hAll, s * BP);
      const g = b0 * GH;
      // GRU's x-side gate gradients go straight to dXg when this slice's time rows are consecutive.
      const dXFirst = !isGru ? -1 : rows ? consecutiveRows(rows, s, B, b0, b1) : s * B + b0;
      const dXRows = dXFirst >= 0 ? f(dXg, dXFirst * GH) : f(dXgStep, g);
      if (mode == 0) {
        const hCell = hRawAll ? f(hRawAll, s * BH + b0 * H) : f(hAll, (s + 1) * BP + b0 * P);
        rnnCellBackward(nb, H, act, slope, hCell, f(dhRaw, b0 * H), f(dHg, g));
      } else if (isLstm) {
        if (rows) memory.copy(f(dcSaved, b0 * H), f(dc, b0 * H), <usize>(nb * H) << 2);
        lstmCellBackward(nb, H, f(gatesAll, s * BGH + g), f(cAll, s * BH + b0 * H), f(cAll, (s + 1) * BH + b0 * H),
          f(dhRaw, b0 * H), f(dc, b0 * H), f(dHg, g));
      } else {
        gruCellBackward(nb, H, f(gatesAll, s * BGH + g), f(hgAll, s * BGH + g), f(hPrev, b0 * P), f(dhRaw, b0 * H),
          dXRows, f(dHg, g), f(dhDirect, b0 * H));
      }
      // Ended sequences: the step was the identity on the state, so gradients pass straight through.
      if (rows) {
        for (let b = b0; b < b1; b++) {
          if (rowAt(rows, s * B + b) >= 0) continue;
          memory.fill(f(dHg, b * GH), 0, <usize>GH << 2);
          if (isGru) memory.fill(f(dhDirect, b * H), 0, <usize>H << 2);
          if (hRawAll) memory.fill(f(dProjAll, s * BP + b * P), 0, <usize>P << 2);
          if (isLstm) memory.copy(f(dc, b * H), f(dcSaved, b * H), <usize>H << 2);
        }
      }
      if (wantBiasGrads) {
        for (let b = b0; b < b1; b++) {
          if (rows && rowAt(rows, s * B + b) < 0) continue;
          const bRow = f(biasRows, b * BW);
          addRowVector(1, GH, isGru ? f(dXRows, (b - b0) * GH) : f(dHg, b * GH), bRow);
          if (isGru) addRowVector(1, H, f(dHg, b * GH + 2 * H), f(bRow, GH));
        }
      }
      if (!dXgIsDHg && dXFirst < 0) {
        const dXs = isGru ? dXgStep : dHg;
        for (let b = b0; b < b1; b++) {
          const t = rows ? rowAt(rows, s * B + b) : s * B + b;
          if (t >= 0) memory.copy(f(dXg, t * GH), f(dXs, b * GH), <usize>GH << 2);
        }
      }
      if (dxPerStep) {
        // The x-side gate gradients of rows b0..b1 (row b at A + b*GH): GRU's own, else dHg. A
        // slice whose time rows are consecutive writes its dx rows in place, else they are scattered.
        const xFirst = isGru ? dXFirst : rows ? consecutiveRows(rows, s, B, b0, b1) : s * B + b0;
        const A = !isGru ? dHg : dXFirst >= 0 ? f(dXg, (dXFirst - b0) * GH) : dXgStep;
        gemmPart(false, B, I, GH, 1, A, pWih, 0, xFirst >= 0 ? f(dx, (xFirst - b0) * I) : dxStep, aBuf, b0, b1, 0, I);
        for (let b = b0; b < b1 && xFirst < 0; b++) {
          const t = rowAt(rows, s * B + b);
          if (t >= 0) memory.copy(f(dx, t * I), f(dxStep, b * I), <usize>I << 2);
        }
      }
      gemmPart(false, B, P, GH, 1, dHg, pWhh, 0, dhPrev, aBuf, b0, b1, 0, P);
      if (isGru) addRowVector(1, nb * H, f(dhDirect, b0 * H), f(dhPrev, b0 * P));
      if (rows) {
        for (let b = b0; b < b1; b++) {
          if (rowAt(rows, s * B + b) < 0) memory.copy(f(dhPrev, b * P), f(dh, b * P), <usize>P << 2);
        }
      }
      memory.copy(f(dh, b0 * P), f(dhPrev, b0 * P), <usize>(nb * P) << 2);
    }
    if (chunked) {
      // Every thread's rows of steps [sLo, sHi) are done; their time rows are one block.
      barrier(nt);
      const K = (sHi - sLo) * B, beta: f32 = sHi == T ? 0 : 1;
      const t0 = reversed ? (T - sHi) * B : sLo * B;
      if (dWHh) columnsOfTransposedProduct(GH, P, K, f(dHgAll, sLo * BGH), f(hAll, sLo * BP), beta, dWHh, aBuf, chunkH, tid, nt);
      if (dWIh) columnsOfTransposedProduct(GH, I, K, f(dXg, t0 * GH), f(x, t0 * I), beta, dWIh, aBuf, chunkX, tid, nt);
    }
  }
  // The gate gradients of all rows are complete; the final products read whole buffers.
  barrier(nt);

  if (dx && !dxPerStep) { gemmWithTeam(false, false, N, I, GH, 1, dXg, wIh, 0, dx, aBuf, bBuf, tid, nt); barrier(nt); }
  if (dWIh && !chunked) { gemmWithTeam(true, false, GH, I, N, 1, dXg, x, 0, dWIh, aBuf, bBuf, tid, nt); barrier(nt); }
  if (dWHh && !chunked) { gemmWithTeam(true, false, GH, P, N, 1, dHgAll, hAll, 0, dWHh, aBuf, bBuf, tid, nt); barrier(nt); }
  if (wantBiasGrads) {
    // Each thread its own columns of the sums, added over the batch rows in order.
    const c0 = partStart(BW, 4, tid, nt), c1 = partStart(BW, 4, tid + 1, nt);
    memory.fill(f(biasSums, c0), 0, <usize>(c1 - c0) << 2);
    sumColumns(B, BW, c0, c1, biasRows, biasSums);
    const shared = isGru ? 2 * H : GH;
    for (let c = c0; c < c1; c++) {
      const v = load<f32>(f(biasSums, c));
      if (c < GH && dBIh) store<f32>(f(dBIh, c), v);
      if (dBHh) {
        if (c < shared) store<f32>(f(dBHh, c), v);
        else if (c >= GH) store<f32>(f(dBHh, shared + c - GH), v);
      }
    }
  }
  if (dWHr) gemmWithTeam(true, false, P, H, N, 1, dProjAll, hRawAll, 0, dWHr, aBuf, bBuf, tid, nt);
}

/**
 * Thread tid's columns of C[M, N] = G^T X + beta C for G [K, M] and X [K, N] row-major: it packs
 * its own slivers of X into xPacked and multiplies by them alone, so no thread waits for another.
 */
function columnsOfTransposedProduct(M: i32, N: i32, K: i32, G: usize, X: usize, beta: f32, C: usize, aBuf: usize,
  xPacked: usize, tid: i32, nt: i32): void {
  const j0 = partStart(N, NR, tid, nt), j1 = partStart(N, NR, tid + 1, nt);
  if (j0 >= j1) return;
  packBPart(false, N, K, X, xPacked, j0, j1);
  gemmPart(true, M, N, K, 1, G, xPacked, beta, C, aBuf, 0, M, j0, j1);
}

/** Whether every sequence runs over all T steps in reverse: rows[s*B + b] = (T-1-s)*B + b. */
function reversedBlocks(rows: usize, T: i32, B: i32): bool {
  for (let s = 0; s < T; s++) {
    for (let b = 0; b < B; b++) {
      if (rowAt(rows, s * B + b) != (T - 1 - s) * B + b) return false;
    }
  }
  return true;
}

/**
 * The time row of batch row b0 at step s when rows b0..b1-1 all map to consecutive time rows
 * (steps in reverse order without lengths, and in general any stretch of full-length sequences),
 * else -1.
 */
function consecutiveRows(rows: usize, s: i32, B: i32, b0: i32, b1: i32): i32 {
  const first = rowAt(rows, s * B + b0);
  if (first < 0) return -1;
  for (let b = b0 + 1; b < b1; b++) {
    if (rowAt(rows, s * B + b) != first + b - b0) return -1;
  }
  return first;
}
