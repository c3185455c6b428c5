import type { Buf, Kernels, SequenceContext, SequenceGrads, SequenceSpec, SequenceWeights } from './kernels.js';

// A whole recurrent layer pass built from a backend's GEMM and fused cell kernels. Any backend
// can use it; a fast backend may replace it with a native sequence kernel.
//
//   x: [T, B, I], h0: [B, P], c0: [B, H]  ->  out: [T, B, P], hN: [B, P], cN: [B, H]
//   G = 1 (RNN), 4 (LSTM: i,f,g,o), 3 (GRU: r,z,n); P = projection size or H
//
// Forward: X·W_ihᵀ (+ biases) is one GEMM before the step loop; per step only h·W_hhᵀ and the
// fused cell kernel run. Backward keeps per step only the gate gradients and dh·W_hh; the weight
// and input gradients are then one GEMM each over all steps. Steps run in "step order" (see
// SequenceSpec.rows), so reverse directions and per-sequence lengths need no special cases.

export type StepKernels = Omit<Kernels, 'name' | 'sequenceForward' | 'sequenceBackward'>;

function gateCount(mode: SequenceSpec['mode']): number {
  return mode === 'rnn' ? 1 : mode === 'lstm' ? 4 : 3;
}

function like(x: Buf, n: number): Buf {
  return x instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
}

interface Saved extends SequenceContext {
  x: Buf; w: SequenceWeights;
  /** States before and after each step [T+1, B, P] / [T+1, B, H], in step order. */
  hAll: Buf; cAll: Buf | null;
  /** Activated gates [T, B, G*H] (LSTM, GRU), GRU's recurrent projection, LSTM projection inputs. */
  gatesAll: Buf | null; hgAll: Buf | null; hRawAll: Buf | null;
  /** Set by the one backward a forward pass may have (as on every backend, and in PyTorch). */
  used: boolean;
}

export function createSequenceKernels(k: StepKernels): Pick<Kernels, 'sequenceForward' | 'sequenceBackward' | 'supportsDhSteps'> {
  function sequenceForward(spec: SequenceSpec, x: Buf, h0: Buf | null, c0: Buf | null, w: SequenceWeights,
    out: Buf | null, hN: Buf, cN: Buf | null, keepForBackward: boolean): SequenceContext | null {
    const { mode, T, B, I, H, P, rows } = spec;
    const G = gateCount(mode), GH = G * H, N = T * B;
    const isLstm = mode === 'lstm', isGru = mode === 'gru';

    // Input projection for all steps at once, with the biases that add linearly folded in.
    const xg = like(x, N * GH);
    k.gemm(false, true, N, GH, I, 1, x, w.wIh, 0, xg);
    if (w.bIh) k.addRowVector(N, GH, w.bIh, xg);
    if (w.bHh && !isGru) k.addRowVector(N, GH, w.bHh, xg);

    const hAll = like(x, (T + 1) * B * P);
    if (h0) hAll.set(h0, 0);
    const cAll = isLstm ? like(x, (T + 1) * B * H) : null;
    if (cAll && c0) cAll.set(c0, 0);
    const gatesAll = mode === 'rnn' ? null : like(x, N * GH);
    const hgAll = isGru ? like(x, N * GH) : null;
    const hRawAll = w.wHr ? like(x, N * H) : null;
    const xStep = rows ? like(x, B * GH) : null;
    const hgScratch = isGru ? null : like(x, B * GH);
    const outStride = spec.outStride ?? P;
    if (out) {
      if (outStride === P) out.fill(0, 0, N * P);
      else for (let r = 0; r < N; r++) out.fill(0, r * outStride, r * outStride + P);
    }

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
      k.gemm(false, true, B, GH, P, 1, hPrev, w.wHh, 0, hg);
      if (isGru && w.bHh) k.addRowVector(B, GH, w.bHh, hg);

      const hCell = hRawAll ? hRawAll.subarray(s * B * H, (s + 1) * B * H) : hNext;
      if (mode === 'rnn') {
        k.rnnCellForward(B, H, spec.activation, spec.negativeSlope, xs, hg, hCell);
      } else if (isLstm) {
        k.lstmCellForward(B, H, xs, hg, cAll!.subarray(s * B * H, (s + 1) * B * H),
          gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), cAll!.subarray((s + 1) * B * H, (s + 2) * B * H), hCell);
      } else {
        k.gruCellForward(B, H, xs, hg, hPrev, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), hCell);
      }
      if (hRawAll) k.gemm(false, true, B, P, H, 1, hCell, w.wHr!, 0, hNext);

      for (let b = 0; b < B; b++) {
        const t = rows ? rows[s * B + b] : s * B + b;
        if (t >= 0) {
          out?.set(hNext.subarray(b * P, (b + 1) * P), t * outStride);
        } else {
          // Past the end of this sequence: carry the state; the output stays 0.
          hNext.set(hPrev.subarray(b * P, (b + 1) * P), b * P);
          if (cAll) cAll.copyWithin((s + 1) * B * H + b * H, s * B * H + b * H, s * B * H + (b + 1) * H);
        }
      }
    }
    hN.set(hAll.subarray(T * B * P));
    if (cN && cAll) cN.set(cAll.subarray(T * B * H));
    if (!keepForBackward) return null;
    const saved: Saved = { spec, x, w, hAll, cAll, gatesAll, hgAll, hRawAll, used: false };
    return saved;
  }

  function sequenceBackward(ctx: SequenceContext, dOut: Buf | null, dhN: Buf, dcN: Buf | null, grads: SequenceGrads): void {
    const saved = ctx as Saved;
    const { spec, x, w, hAll, cAll, gatesAll, hgAll, hRawAll } = saved;
    if (saved.used) {
      throw new Error(`${spec.mode} layer: backward ran twice for one forward pass (run the forward pass again, as PyTorch requires)`);
    }
    saved.used = true;
    const { mode, T, B, I, H, P, rows } = spec;
    const G = gateCount(mode), GH = G * H, N = T * B;
    const isLstm = mode === 'lstm', isGru = mode === 'gru';

    const dh = like(x, B * P);
    dh.set(dhN);
    const dc = isLstm ? like(x, B * H) : null;
    if (dc && dcN) dc.set(dcN);

    // Gate gradients: x side in time-major rows (for dW_ih, dX), h side in step order (for dW_hh).
    const dXg = like(x, N * GH);
    const dHgAll = like(x, N * GH);
    const dProjAll = hRawAll ? like(x, N * P) : null;
    const dhRaw = hRawAll ? like(x, B * H) : dh;
    const dXgStep = isGru ? like(x, B * GH) : null;
    const dhPrev = like(x, B * P);
    const dhDirect = isGru ? like(x, B * H) : null;
    const dcSaved = isLstm ? like(x, B * H) : null;

    for (let s = T - 1; s >= 0; s--) {
      for (let b = 0; b < B; b++) {
        const t = rows ? rows[s * B + b] : s * B + b;
        if (t >= 0 && dOut) for (let j = 0; j < P; j++) dh[b * P + j] += dOut[t * P + j];
      }
      // dh is now the total gradient wrt this step's state: what diagnostics ask for.
      if (grads.dhSteps) {
        for (let b = 0; b < B; b++) {
          const t = rows ? rows[s * B + b] : s * B + b;
          if (t >= 0) for (let j = 0; j < P; j++) grads.dhSteps[t * P + j] += dh[b * P + j];
        }
      }
      if (dProjAll) {
        dProjAll.set(dh, s * B * P);
        k.gemm(false, false, B, H, P, 1, dh, w.wHr!, 0, dhRaw);
      }
      const dHg = dHgAll.subarray(s * B * GH, (s + 1) * B * GH);
      const hPrev = hAll.subarray(s * B * P, (s + 1) * B * P);
      if (mode === 'rnn') {
        const hCell = hRawAll ? hRawAll.subarray(s * B * H, (s + 1) * B * H) : hAll.subarray((s + 1) * B * P, (s + 2) * B * P);
        k.rnnCellBackward(B, H, spec.activation, spec.negativeSlope, hCell, dhRaw, dHg);
      } else if (isLstm) {
        dcSaved!.set(dc!);
        k.lstmCellBackward(B, H, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH),
          cAll!.subarray(s * B * H, (s + 1) * B * H), cAll!.subarray((s + 1) * B * H, (s + 2) * B * H), dhRaw, dc!, dHg);
      } else {
        k.gruCellBackward(B, H, gatesAll!.subarray(s * B * GH, (s + 1) * B * GH), hgAll!.subarray(s * B * GH, (s + 1) * B * GH),
          hPrev, dhRaw, dXgStep!, dHg, dhDirect!);
      }
      // Ended sequences: the step was the identity on the state, so gradients pass straight through.
      if (rows) {
        for (let b = 0; b < B; b++) {
          if (rows[s * B + b] >= 0) continue;
          dHg.fill(0, b * GH, (b + 1) * GH);
          if (dXgStep) dXgStep.fill(0, b * GH, (b + 1) * GH);
          if (dhDirect) dhDirect.fill(0, b * H, (b + 1) * H);
          if (dProjAll) dProjAll.fill(0, s * B * P + b * P, s * B * P + (b + 1) * P);
          if (isLstm) dc!.set(dcSaved!.subarray(b * H, (b + 1) * H), b * H);
        }
      }
      const dXs = isGru ? dXgStep! : dHg;
      for (let b = 0; b < B; b++) {
        const t = rows ? rows[s * B + b] : s * B + b;
        if (t >= 0) dXg.set(dXs.subarray(b * GH, (b + 1) * GH), t * GH);
      }
      k.gemm(false, false, B, P, GH, 1, dHg, w.wHh, 0, dhPrev);
      if (dhDirect) for (let i = 0; i < B * H; i++) dhPrev[i] += dhDirect[i];
      if (rows) {
        for (let b = 0; b < B; b++) {
          if (rows[s * B + b] < 0) dhPrev.set(dh.subarray(b * P, (b + 1) * P), b * P);
        }
      }
      dh.set(dhPrev);
    }

    const g = grads;
    if (g.dh0) addInto(g.dh0, dh);
    if (g.dc0 && dc) addInto(g.dc0, dc);
    if (g.dx) k.gemm(false, false, N, I, GH, 1, dXg, w.wIh, 1, g.dx);
    if (g.dWIh) k.gemm(true, false, GH, I, N, 1, dXg, x, 1, g.dWIh);
    if (g.dWHh) k.gemm(true, false, GH, P, N, 1, dHgAll, hAll.subarray(0, N * P), 1, g.dWHh);
    if (g.dBIh) k.sumRowsInto(N, GH, dXg, g.dBIh);
    if (g.dBHh) k.sumRowsInto(N, GH, dHgAll, g.dBHh);
    if (g.dWHr) k.gemm(true, false, P, H, N, 1, dProjAll!, hRawAll!, 1, g.dWHr);
  }

  return { sequenceForward, sequenceBackward, supportsDhSteps: true };
}

function addInto(dst: Buf, src: Buf): void {
  for (let i = 0; i < dst.length; i++) dst[i] += src[i];
}
